"""A unit's standing councils in the console (`/hoi-dong`): the founding decision, the roster with roles and terms.
The unit's admin founds a council and changes its roster; its approvers read it. Review decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import parse_vn_date, signed_form
from services.portal.web.rendering import form_errors, render
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.values import COUNCIL_KIND_NAMES_VI, COUNCIL_ROLE_NAMES_VI

MEMBER_ROWS = 9  # rows of the founding form; more members are added one by one afterwards


def member_body(values: dict[str, str], prefix: str = "") -> dict[str, Any]:
    """One member's fields as review takes them (dates typed dd/mm/yyyy; a wrong one is refused on its field)."""
    term_from, _ = parse_vn_date(values.get(prefix + "term_from", ""))
    term_to, _ = parse_vn_date(values.get(prefix + "term_to", ""))
    return {
        "full_name": values.get(prefix + "full_name", ""),
        "title": values.get(prefix + "title", ""),
        "role": values.get(prefix + "role", "member") or "member",
        "term_from": term_from or values.get(prefix + "term_from") or None,
        "term_to": term_to or values.get(prefix + "term_to") or None,
    }


def council_body(values: dict[str, str]) -> dict[str, Any]:
    decision_date, _ = parse_vn_date(values.get("decision_date", ""))
    rows = [member_body(values, f"members.{i}.") for i in range(MEMBER_ROWS)]
    return {
        "unit_code": values.get("unit", ""),
        "kind": values.get("kind", ""),
        "name": values.get("name", ""),
        "decision_number": values.get("decision_number", ""),
        "decision_date": decision_date or values.get("decision_date", ""),
        "decision_signer": values.get("decision_signer", ""),
        "members": [m for m in rows if m["full_name"]],
    }


def unit_of(request: Request, actor: Actor) -> str:
    return request.query_params.get("unit") or web.active_unit(request, actor) or ""


async def councils_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    unit_code: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    listing = await gateway.call("review", "list_councils", actor, {"unit_code": unit_code}) if unit_code else None
    return await render(
        request,
        "standing_councils.html",
        actor,
        status_code=status_code,
        title="Hội đồng Thi đua – Khen thưởng của đơn vị",
        unit_code=unit_code,
        listing=listing,
        kinds=list(COUNCIL_KIND_NAMES_VI.items()),
        roles=list(COUNCIL_ROLE_NAMES_VI.items()),
        member_rows=MEMBER_ROWS,
        values=values or {},
        errors=errors or {},
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/hoi-dong", response_class=HTMLResponse)
    async def standing_councils(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await councils_page(gateway, request, actor, unit_of(request, actor))

    @pages.post("/hoi-dong", response_class=HTMLResponse)
    async def found_council(request: Request) -> Response:
        actor, values = await signed_form(request)
        unit_code = values.get("unit", "")
        try:
            await gateway.call("review", "create_council", actor, council_body(values))
        except DomainError as exc:
            if exc.status in (403, 422):
                return await councils_page(
                    gateway, request, actor, unit_code, values=values, errors=form_errors(exc), status_code=exc.status
                )
            raise
        web.flash(request, "Đã lập Hội đồng theo quyết định thành lập.")
        return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)

    @pages.post("/hoi-dong/{council_id}/thanh-vien", response_class=HTMLResponse)
    async def add_member(request: Request, council_id: str) -> Response:
        actor, values = await signed_form(request)
        unit_code = values.get("unit", "")
        try:
            await gateway.call("review", "add_council_member", actor, {"council_id": council_id, **member_body(values)})
        except DomainError as exc:
            if exc.status in (403, 404, 422):
                web.flash(request, "; ".join(form_errors(exc).values()) or exc.title, "bad")
                return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)
            raise
        web.flash(request, f"Đã thêm {values.get('full_name', '')} vào Hội đồng.")
        return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)

    @pages.post("/hoi-dong/{council_id}/thanh-vien/{member_id}/ket-thuc", response_class=HTMLResponse)
    async def end_member(request: Request, council_id: str, member_id: str) -> Response:
        actor, values = await signed_form(request)
        unit_code = values.get("unit", "")
        term_to, problem = parse_vn_date(values.get("term_to", ""))
        params = {"council_id": council_id, "member_id": member_id, "term_to": term_to or values.get("term_to", "")}
        try:
            if problem:
                raise ValueError(problem)
            await gateway.call("review", "end_council_member", actor, params)
        except ValueError as exc:
            web.flash(request, str(exc), "bad")
            return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)
        except DomainError as exc:
            if exc.status in (403, 404, 422):
                web.flash(request, "; ".join(form_errors(exc).values()) or exc.title, "bad")
                return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)
            raise
        web.flash(request, "Đã ghi ngày kết thúc tham gia Hội đồng.")
        return RedirectResponse(f"/hoi-dong?unit={unit_code}", status_code=303)

    return pages
