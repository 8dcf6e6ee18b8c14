"""The approver's queue ("hộp việc") in the console: a unit's review tasks by state, with filters, and the tờ trình
the unit sent or received lately. Acting on a selection of tasks is `batches`; on one task, `tasks`."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import clean, parse_vn_date
from services.portal.web.rendering import Pager, page_number, queue_count, render, window
from services.portal.web.units import is_below
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.operations.review import queue_total_is_exact
from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK

QUEUE_STATES = [
    ("active", "Đang mở"),
    ("open", "Chờ nhận"),
    ("claimed", "Đang xử lý"),
    ("overdue", "Quá hạn"),
    ("escalated_in", "Quá hạn ở cấp dưới"),
    ("escalated_out", "Quá hạn – đã báo cấp trên"),
    ("done", "Đã xử lý"),
    ("all", "Tất cả"),
]


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/hop-viec", response_class=HTMLResponse)
    async def queue(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        q = request.query_params
        unit_code = q.get("unit") or web.active_unit(request, actor) or ""
        if not unit_code:  # ops and admin approve nowhere: they choose whose queue to look at
            return await choose_unit(request, actor)
        page = page_number(request)
        filters = {
            "state": q.get("state", "active"),
            "award_code": q.get("award_code", ""),
            "origin_unit_code": q.get("origin_unit_code", ""),
            "period": q.get("period", ""),
            "q": q.get("q", ""),
            "due_before": q.get("due_before", ""),
        }
        due_before, due_error = parse_vn_date(filters["due_before"])
        params = clean({"unit_code": unit_code, **filters, "due_before": due_before, **window(page)})
        result = await gateway.call("review", "list_queue", actor, params)
        catalog = await gateway.call("awards", "list_catalog", actor)
        try:
            proposals = (await gateway.call("review", "list_proposals", actor, {"unit_code": unit_code, "limit": 10}))["items"]
        except DomainError:
            proposals = []  # not an approver here (ops sees everything): the queue itself says so
        units = await gateway.units(actor)
        origin_units = sorted(c for c, u in units.items() if u["level"] == "grassroots" and is_below(units, c, unit_code))

        def state_url(state: str) -> str:
            return "/hop-viec?" + urlencode({"unit": unit_code, "state": state})

        # Which bulk actions this page's dossiers allow here: one decision for those this level decides, one tờ
        # trình for those it sends up (each task is judged at the level of the unit it belongs to).
        deciding = {a["code"]: a["awarding_level"] for a in catalog["awards"]}
        levels = {deciding.get(t["award_code"]) == t["unit_level"] for t in result["items"]}

        return await render(
            request,
            "queue.html",
            actor,
            title="Hộp việc",
            unit_code=unit_code,
            page=result,
            pager=Pager(request, result["total"], page, exact=queue_total_is_exact(result["total"], window(page)["offset"])),
            queue_count=queue_count,
            filters=filters,
            states=QUEUE_STATES,
            catalog=catalog,
            origin_units=origin_units,
            state_url=state_url,
            due_error=due_error,
            read_only=filters["state"] == "escalated_in",  # other units' tasks: each acts on it from the task page
            proposals=proposals,
            decides_here=True in levels,
            forwards_here=False in levels,
        )

    async def choose_unit(request: Request, actor: Actor) -> HTMLResponse:
        units = await gateway.units(actor)
        levels = [
            (LEVEL_NAMES_VI[level], sorted((u for u in units.values() if u["level"] == level), key=lambda u: u["name"]))
            for level in sorted(LEVEL_NAMES_VI, key=lambda level: -LEVEL_RANK[level])
            if level != "grassroots"  # a grassroots union submits; its dossiers are reviewed by the units above it
        ]
        return await render(request, "queue_units.html", actor, title="Hộp việc", levels=[(n, us) for n, us in levels if us])

    return pages
