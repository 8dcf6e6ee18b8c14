"""Nominations in the console ("hồ sơ"): the list, one dossier with its timeline and files, and withdrawing it.
Submitting and resubmitting are `submission`. Registration decides who may read or withdraw what."""

from __future__ import annotations

import typing
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.downloads import file_response
from services.portal.exports import NOMINATION_STATUSES, nominations_download
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import clean
from services.portal.web.rendering import Pager, page_number, render, window
from shared.contracts.operations.registration import NominationSort


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/ho-so", response_class=HTMLResponse)
    async def nominations(request: Request, status: str = "", period: str = "", sort: str = "") -> HTMLResponse:
        actor = await web.current_actor(request)
        page = page_number(request)
        order = sort if sort in typing.get_args(NominationSort) else "-created"  # unknown: the list's own order
        params = clean({"status": status, "period": period, "sort": order, **window(page)})
        result = await gateway.call("registration", "list", actor, params)
        return await render(
            request,
            "nominations.html",
            actor,
            title="Hồ sơ đề nghị khen thưởng",
            page=result,
            pager=Pager(request, result["total"], page),
            filters={"status": status, "period": period},
            statuses=NOMINATION_STATUSES,
            can_submit=bool(actor.units_with("submitter")),
            export_url="/ho-so.xlsx?" + urlencode(clean({"status": status, "period": period, "sort": order})),
            # "Ngày nộp" is the sortable column (newest first until clicked; again: reversed)
            created_sort={
                "url": "/ho-so?"
                + urlencode(clean({"status": status, "period": period, "sort": "created" if order == "-created" else ""})),
                "aria": "descending" if order == "-created" else "ascending",
            },
        )

    @pages.get("/ho-so.xlsx")
    async def nominations_xlsx(request: Request, status: str = "", period: str = "", sort: str = "") -> Response:
        actor = await web.current_actor(request)
        order = sort if sort in typing.get_args(NominationSort) else "-created"
        return await nominations_download(gateway, actor, clean({"status": status, "period": period, "sort": order}))

    @pages.get("/ho-so/{nomination_id}", response_class=HTMLResponse)
    async def nomination(request: Request, nomination_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        n = await gateway.call("registration", "get", actor, {"id": nomination_id})
        is_submitter = actor.has_role("submitter", n["unit_code"])
        return await render(
            request,
            "nomination.html",
            actor,
            title=n["nominee"]["name"],
            n=n,
            can_edit=is_submitter and n["status"] == "returned",
            can_withdraw=is_submitter and n["status"] in ("submitted", "in_review", "returned"),
        )

    @pages.get("/ho-so/{nomination_id}/tai-lieu/{attachment_id}")
    async def attachment(request: Request, nomination_id: str, attachment_id: str) -> Response:
        """A file of the dossier: registration decides who may read it; the bytes leave only if their SHA-256 matches."""
        actor = await web.current_actor(request)
        found, data = await gateway.download(actor, nomination_id, attachment_id)
        return file_response(found, data)

    @pages.post("/ho-so/{nomination_id}/rut")
    async def withdraw(request: Request, nomination_id: str) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        await gateway.call("registration", "withdraw", actor, {"id": nomination_id, "reason": str(form.get("reason", ""))})
        web.flash(request, "Đã rút hồ sơ.", "warn")
        return RedirectResponse(f"/ho-so/{nomination_id}", status_code=303)

    return pages
