"""Pledges in the console ("giao ước thi đua", /giao-uoc): a CĐCS registers its year's targets, the unit directly
above confirms or returns them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import TARGET_ROWS, multi_form, refusal, target_rows, this_year, union_awards
from services.portal.web.rendering import form_errors, render
from shared.contracts.commands import PledgeDecision, PledgeRegistration
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor


async def pledges_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    year = request.query_params.get("year", "")
    params: dict[str, int | str] = {"year": int(year)} if year.isdigit() else {}
    cursor = request.query_params.get("cursor", "")
    if cursor:
        params["cursor"] = cursor  # a page after the first (a bad one: the service's 422, shown as an error page)
    listed = await gateway.call("registration", "list_pledges", actor, params)
    return await render(
        request,
        "pledges.html",
        actor,
        status_code=status_code,
        title="Đăng ký giao ước thi đua",
        listed=listed,
        awards=await union_awards(gateway, actor),
        values={"year": str(this_year(gateway)), **values},
        errors=errors,
        submitter_units=sorted(actor.units_with("submitter")),
        approver_units=actor.units_with("approver"),
        rows=range(TARGET_ROWS),
        year=year,
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/giao-uoc", response_class=HTMLResponse)
    async def pledges(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await pledges_page(gateway, request, actor, values={}, errors={})

    @pages.post("/giao-uoc", response_class=HTMLResponse)
    async def register_pledge(request: Request) -> Response:
        actor, values, _ = await multi_form(request)
        body = {
            "unit_code": values.get("unit_code", ""),
            "year": values.get("year", ""),
            "targets": target_rows(values, "count"),
            "note": values.get("note", ""),
        }
        try:
            command = PledgeRegistration.model_validate(body)
            await gateway.call("registration", "register_pledge", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await pledges_page(gateway, request, actor, values=values, errors=refusal(exc), status_code=status_code)
        web.flash(request, f"Đã đăng ký giao ước thi đua năm {command.year}; chờ công đoàn cấp trên xác nhận.")
        return RedirectResponse("/giao-uoc", status_code=303)

    @pages.post("/giao-uoc/{pledge_id}/quyet-dinh", response_class=HTMLResponse)
    async def decide_pledge(request: Request, pledge_id: str) -> Response:
        actor, values, _ = await multi_form(request)
        try:
            command = PledgeDecision.model_validate({"action": values.get("action", ""), "reason": values.get("reason", "")})
            decided = await gateway.call("registration", "decide_pledge", actor, {"id": pledge_id, **command.model_dump()})
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            web.flash(request, "Chưa thực hiện được: " + "; ".join(form_errors(exc).values()), tone="bad")
            return RedirectResponse("/giao-uoc", status_code=303)
        verb = "Đã xác nhận" if decided["status"] == "confirmed" else "Đã trả lại"
        web.flash(request, f"{verb} giao ước thi đua năm {decided['year']}.")
        return RedirectResponse("/giao-uoc", status_code=303)

    return pages
