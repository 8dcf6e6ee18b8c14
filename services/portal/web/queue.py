"""The approver's queue ("hộp việc") in the console: a unit's review tasks by state, with filters, "Việc của tôi",
sortable columns, the person's saved filters, the queue as a workbook ("Tải Excel"), and the tờ trình the unit sent
or received lately. Acting on a selection of tasks is `batches`; on one task, `tasks`."""

from __future__ import annotations

import asyncio
import typing
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal import saved_filters
from services.portal.exports import QUEUE_STATES, queue_download
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import clean, local_path, parse_vn_date, signed_form
from services.portal.web.rendering import Pager, page_number, queue_count, render, window
from services.portal.web.units import is_below
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.operations.review import QueueSort, queue_total_is_exact
from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK


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
        filters, due_before, due_error = queue_filters(request)
        params = clean({"unit_code": unit_code, **filters, **review_terms(filters, due_before), **window(page)})

        async def recent_proposals() -> list[dict[str, Any]]:
            try:
                reply = await gateway.call("review", "list_proposals", actor, {"unit_code": unit_code, "limit": 10})
            except DomainError:
                return []  # not an approver here (ops sees everything): the queue itself says so
            return typing.cast(list[dict[str, Any]], reply["items"])

        # Independent reads asked at once: the page waits for the slowest, not for their sum (issue 20). The first
        # to fail in this order is the page's error, as when they were asked one after the other.
        answers = await asyncio.gather(
            gateway.call("review", "list_queue", actor, params),
            gateway.call("awards", "list_catalog", actor),
            recent_proposals(),
            gateway.units(actor),
            saved_filters.of_user(gateway.engine, actor.user_id),
            return_exceptions=True,
        )
        if failed := next((a for a in answers if isinstance(a, BaseException)), None):
            raise failed
        result, catalog, proposals, units, saved = typing.cast(
            tuple[Any, Any, list[dict[str, Any]], dict[str, dict[str, Any]], list[saved_filters.SavedFilter]], answers
        )
        origin_units = sorted(c for c, u in units.items() if u["level"] == "grassroots" and is_below(units, c, unit_code))

        def state_url(state: str) -> str:
            return "/hop-viec?" + urlencode({"unit": unit_code, "state": state})

        def filter_url(**changes: str) -> str:
            """This page with some filters changed (and back to its first page)."""
            return "/hop-viec?" + urlencode(clean({"unit": unit_code, **filters, **changes}))

        def sort_header(key: str) -> dict[str, str]:
            """A column header's link (sorted by it; again: reversed) and its aria-sort."""
            current = filters["sort"]
            if current.removeprefix("-") != key:
                return {"url": filter_url(sort=key), "aria": "none"}
            reverse = key if current.startswith("-") else f"-{key}"
            return {"url": filter_url(sort=reverse), "aria": "descending" if current.startswith("-") else "ascending"}

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
            mine_url=filter_url(mine="" if filters["mine"] else "1", state="active" if not filters["mine"] else filters["state"]),
            sort_header=sort_header,
            export_url="/hop-viec.xlsx?" + urlencode(clean({"unit": unit_code, **filters})),
            saved_filters=saved,
            due_error=due_error,
            read_only=filters["state"] == "escalated_in",  # other units' tasks: each acts on it from the task page
            proposals=proposals,
            decides_here=True in levels,
            forwards_here=False in levels,
        )

    add_queue_tools(pages, gateway)

    async def choose_unit(request: Request, actor: Actor) -> HTMLResponse:
        units = await gateway.units(actor)
        levels = [
            (LEVEL_NAMES_VI[level], sorted((u for u in units.values() if u["level"] == level), key=lambda u: u["name"]))
            for level in sorted(LEVEL_NAMES_VI, key=lambda level: -LEVEL_RANK[level])
            if level != "grassroots"  # a grassroots union submits; its dossiers are reviewed by the units above it
        ]
        return await render(request, "queue_units.html", actor, title="Hộp việc", levels=[(n, us) for n, us in levels if us])

    return pages


def add_queue_tools(pages: APIRouter, gateway: Gateway) -> None:
    """The queue as a workbook, and saving or deleting one of the person's filters."""

    @pages.get("/hop-viec.xlsx")
    async def queue_xlsx(request: Request) -> Response:
        actor = await web.current_actor(request)
        unit_code = request.query_params.get("unit") or web.active_unit(request, actor) or ""
        if not unit_code:
            return RedirectResponse("/hop-viec", status_code=303)
        filters, due_before, due_error = queue_filters(request)
        if due_error:  # the page says what is wrong with the date
            return RedirectResponse("/hop-viec?" + urlencode(clean({"unit": unit_code, **filters})), status_code=303)
        params = clean({"unit_code": unit_code, **filters, **review_terms(filters, due_before)})
        return await queue_download(gateway, actor, params)

    @pages.post("/hop-viec/bo-loc")
    async def save_filter(request: Request) -> Response:
        actor, form = await signed_form(request)
        due_before, _ = parse_vn_date(form.get("due_before", ""))
        values = clean({k: form.get(k, "") for k in ("unit_code", "state", "award_code", "origin_unit_code", "period", "q")})
        try:
            new = saved_filters.NewSavedFilter(
                name=form.get("name", ""),
                filter=saved_filters.QueueFilter(
                    **values, due_before=due_before, mine=form.get("mine") == "1", sort=form.get("sort") or "due"
                ),
            )
        except ValidationError as error:
            fields = {str(e["loc"][0]) for e in error.errors()}
            web.flash(
                request, "Hãy đặt tên cho bộ lọc (tối đa 100 ký tự)." if "name" in fields else "Bộ lọc không hợp lệ.", "bad"
            )
            return RedirectResponse(local_path(form.get("back", ""), "/hop-viec"), status_code=303)
        try:
            saved = await saved_filters.save(gateway.engine, actor.user_id, new, gateway.clock.now())
        except DomainError as error:
            web.flash(request, error.title, "bad")
            return RedirectResponse(local_path(form.get("back", ""), "/hop-viec"), status_code=303)
        web.flash(request, f"Đã lưu bộ lọc “{saved.name}”.")
        return RedirectResponse(saved.filter.console_url(), status_code=303)

    @pages.post("/hop-viec/bo-loc/{filter_id}/xoa")
    async def delete_filter(request: Request, filter_id: str) -> Response:
        actor, form = await signed_form(request)
        await saved_filters.delete(gateway.engine, actor.user_id, filter_id)  # not theirs: "không tìm thấy"
        web.flash(request, "Đã xoá bộ lọc.")
        return RedirectResponse(local_path(form.get("back", ""), "/hop-viec"), status_code=303)


def queue_filters(request: Request) -> tuple[dict[str, str], str | None, str | None]:
    """The queue's filters and sort as the page's query gives them (an unknown sort: the queue's own order), the due
    date as review takes it, and what is wrong with the date typed."""
    q = request.query_params
    sort = q.get("sort", "due")
    filters = {
        "state": q.get("state", "active"),
        "award_code": q.get("award_code", ""),
        "origin_unit_code": q.get("origin_unit_code", ""),
        "period": q.get("period", ""),
        "q": q.get("q", ""),
        "due_before": q.get("due_before", ""),
        "mine": "1" if q.get("mine") in ("1", "true", "on") else "",
        "sort": sort if sort in typing.get_args(QueueSort) else "due",
    }
    due_before, due_error = parse_vn_date(filters["due_before"])
    return filters, due_before, due_error


def review_terms(filters: dict[str, str], due_before: str | None) -> dict[str, Any]:
    """The filters as review's list_queue takes them (the page keeps them as the person typed them)."""
    return {"due_before": due_before, "mine": bool(filters["mine"]) or None, "sort": filters["sort"]}
