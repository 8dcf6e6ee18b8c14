"""Người ký văn bản in the console (/nguoi-ky): the unit admin's roster of the officers who sign the unit's decisions
and tờ trình, a new term (dates typed dd/mm/yyyy) and the end of a term. Awards decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import refusal
from services.portal.web.forms import parse_vn_date, signed_form
from services.portal.web.rendering import render
from shared.contracts.errors import DomainError, Forbidden
from shared.contracts.events import Actor
from shared.contracts.operations import awards as awards_ops

SIGNER_FIELDS = ("full_name", "position", "valid_from", "valid_to", "username")


def kept_units(actor: Actor) -> list[str]:
    """The units whose roster this person keeps (an administrator: any, by the active unit)."""
    return sorted(actor.units_with("unit_admin"))


def chosen_unit(request: Request, actor: Actor) -> str | None:
    """The unit asked for (?don_vi=), else the active unit when this person keeps its roster, else the first they keep."""
    asked = request.query_params.get("don_vi")
    if asked:
        return asked
    kept = kept_units(actor)
    active = web.active_unit(request, actor)
    if active and (active in kept or actor.is_admin):
        return active
    return kept[0] if kept else None


async def signers_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    unit_code: str | None,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    roster = None
    if unit_code:
        roster = await gateway.ask(awards_ops.LIST_SIGNERS, actor, {"unit_code": unit_code})
    units = await gateway.units(actor)
    choices = kept_units(actor)
    if actor.is_admin:
        choices = sorted(code for code, u in units.items() if u["level"] != "grassroots" and not u.get("valid_to"))
    return await render(
        request,
        "signers.html",
        actor,
        status_code=status_code,
        title="Người ký văn bản",
        unit_code=unit_code,
        roster=roster,
        choices=choices,
        positions=roster.positions if roster else [],
        values={"position": "Chủ tịch", **values},
        errors=errors,
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/nguoi-ky", response_class=HTMLResponse)
    async def roster(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        if not (actor.units_with("unit_admin") or actor.is_admin):
            raise Forbidden("Chỉ quản trị đơn vị được giữ danh sách người ký", code="not_unit_admin")
        return await signers_page(gateway, request, actor, chosen_unit(request, actor), values={}, errors={})

    @pages.post("/nguoi-ky/{unit_code}", response_class=HTMLResponse)
    async def add(request: Request, unit_code: str) -> Response:
        actor, values = await signed_form(request)
        body: dict[str, Any] = {k: values[k] for k in SIGNER_FIELDS if values.get(k)}
        for field in ("valid_from", "valid_to"):  # typed dd/mm/yyyy as on every other page
            if values.get(field):
                body[field], wrong = parse_vn_date(values[field])
                if wrong:
                    return await signers_page(
                        gateway, request, actor, unit_code, values=values, errors={field: wrong}, status_code=422
                    )
        if not values.get("valid_from"):
            errors = {"valid_from": "Nhập ngày bắt đầu nhiệm kỳ, dạng dd/mm/yyyy"}
            return await signers_page(gateway, request, actor, unit_code, values=values, errors=errors, status_code=422)
        try:
            command = awards_ops.AddSigner.model_validate({"unit_code": unit_code, **body})
            await gateway.ask(awards_ops.ADD_SIGNER, actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await signers_page(
                gateway, request, actor, unit_code, values=values, errors=refusal(exc), status_code=status_code
            )
        web.flash(request, f"Đã thêm {command.full_name} ({command.position}) vào danh sách người ký.")
        return RedirectResponse(f"/nguoi-ky?don_vi={unit_code}", status_code=303)

    @pages.post("/nguoi-ky/{unit_code}/{signer_id}/ket-thuc", response_class=HTMLResponse)
    async def end(request: Request, unit_code: str, signer_id: str) -> Response:
        actor, values = await signed_form(request)
        last_day, wrong = parse_vn_date(values["last_day"]) if values.get("last_day") else (None, None)
        if wrong:
            web.flash(request, wrong, tone="bad")
            return RedirectResponse(f"/nguoi-ky?don_vi={unit_code}", status_code=303)
        try:
            params = {"unit_code": unit_code, "id": signer_id, "last_day": last_day}
            await gateway.ask(awards_ops.END_SIGNER_TERM, actor, params)
        except DomainError as exc:
            if exc.status >= 500:
                raise
            web.flash(request, "Chưa kết thúc được nhiệm kỳ: " + "; ".join(refusal(exc).values()), tone="bad")
            return RedirectResponse(f"/nguoi-ky?don_vi={unit_code}", status_code=303)
        web.flash(request, "Đã kết thúc nhiệm kỳ ký.")
        return RedirectResponse(f"/nguoi-ky?don_vi={unit_code}", status_code=303)

    return pages
