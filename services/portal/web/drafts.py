"""Văn bản chờ ký in the console (/van-ban-cho-ky): the decisions and tờ trình a final approval drafted, waiting for
a signing officer of the issuing unit; the officer reads one and signs it ("Ký và ban hành"), which numbers and dates
it. Approvers and the unit's people see what waits; only an officer on the roster in force may sign (awards decides)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import refusal
from services.portal.web.forms import signed_form
from services.portal.web.rendering import render
from shared.contracts.errors import DomainError
from shared.contracts.operations import awards as awards_ops
from shared.contracts.paging import DRAFTS_PAGE_MAX

PATH = "/van-ban-cho-ky"


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get(PATH, response_class=HTMLResponse)
    async def waiting(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        params: dict[str, int | str] = {"limit": DRAFTS_PAGE_MAX}
        if request.query_params.get("cursor"):
            params["cursor"] = request.query_params["cursor"]
        page = await gateway.ask(awards_ops.LIST_DRAFTS, actor, params)
        return await render(request, "drafts.html", actor, title="Văn bản chờ ký", page=page)

    @pages.get(PATH + "/{draft_id}", response_class=HTMLResponse)
    async def one(request: Request, draft_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        draft = await gateway.ask(awards_ops.GET_DRAFT, actor, {"id": draft_id})
        return await render(request, "draft.html", actor, title=f"Dự thảo {draft.kind_label.lower()}", draft=draft)

    @pages.post(PATH + "/{draft_id}/tien-thuong/{nomination_id}", response_class=HTMLResponse)
    async def set_prize(request: Request, draft_id: str, nomination_id: str) -> Response:
        actor, values = await signed_form(request)
        typed = values.get("amount_vnd", "").replace(".", "").replace(",", "").replace(" ", "")
        if not typed.isdigit():
            web.flash(request, "Mức tiền thưởng: nhập số tiền bằng chữ số, ví dụ 1.500.000", tone="bad")
            return RedirectResponse(f"{PATH}/{draft_id}", status_code=303)
        try:
            params = {"id": draft_id, "nomination_id": nomination_id, "amount_vnd": int(typed)}
            command = awards_ops.SetDraftPrize.model_validate(params)
            await gateway.ask(awards_ops.SET_DRAFT_PRIZE, actor, command.model_dump())
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            web.flash(request, "Chưa lưu được mức tiền thưởng: " + "; ".join(refusal(exc).values()), tone="bad")
            return RedirectResponse(f"{PATH}/{draft_id}", status_code=303)
        web.flash(request, "Đã lưu mức tiền thưởng.")
        return RedirectResponse(f"{PATH}/{draft_id}", status_code=303)

    @pages.post(PATH + "/{draft_id}/ky", response_class=HTMLResponse)
    async def sign(request: Request, draft_id: str) -> Response:
        actor, _ = await signed_form(request)
        try:
            signed = await gateway.ask(awards_ops.SIGN_DRAFT, actor, {"id": draft_id})
        except DomainError as exc:
            if exc.status >= 500:
                raise
            web.flash(request, "Chưa ký được: " + "; ".join(refusal(exc).values()), tone="bad")
            return RedirectResponse(f"{PATH}/{draft_id}", status_code=303)
        numbers = ", ".join(f"{signed.kind_label} số {d.number_text}" for d in signed.signed)
        web.flash(request, f"Đã ký và ban hành {numbers or signed.kind_label.lower()}.")
        target = f"/quyet-dinh/{signed.signed[0].id}" if signed.signed else PATH
        return RedirectResponse(target, status_code=303)

    return pages
