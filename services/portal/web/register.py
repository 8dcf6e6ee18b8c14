"""The grassroots register in the console ("sổ khen thưởng cơ sở"): a CĐCS office downloads the template, fills it
(one award a row) and uploads it; a refusal names the row and column. Awards records it and decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.downloads import XLSX
from services.portal.gateway import Gateway
from services.portal.register_import import template_workbook
from services.portal.reports import grassroots_awards, import_register
from services.portal.web import session as web
from services.portal.web.rendering import render
from shared.contracts.events import Actor


async def register_units(gateway: Gateway, actor: Actor) -> list[tuple[str, str]]:
    """The grassroots unions in force whose register this person keeps (every one for an administrator)."""
    units = await gateway.units(actor)
    own = {g.unit_code for g in actor.roles if g.role in ("submitter", "unit_admin") and g.unit_code}
    chosen = [
        (c, u["name"])
        for c, u in units.items()
        if u["level"] == "grassroots" and not u.get("valid_to") and (actor.is_admin or c in own)
    ]
    return sorted(chosen, key=lambda x: x[1])


async def render_register(gateway: Gateway, request: Request, actor: Actor, **context: Any) -> HTMLResponse:
    units = await register_units(gateway, actor)
    return await render(request, "register.html", actor, title="Sổ khen thưởng cơ sở", unit_choices=units, **context)


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)  # console pages, not the JSON API

    @pages.get("/so-khen-thuong", response_class=HTMLResponse)
    async def register_page(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await render_register(gateway, request, actor, chosen=web.active_unit(request, actor), problems=[], result=None)

    @pages.get("/so-khen-thuong/mau.xlsx")
    async def register_template(request: Request) -> Response:
        actor = await web.current_actor(request)
        awards = await grassroots_awards(gateway, actor)
        example = next(iter(sorted(awards.items())), ("sang_kien_co_so", ""))
        return Response(
            template_workbook(example),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="mau-so-khen-thuong-co-so.xlsx"'},
        )

    @pages.post("/so-khen-thuong", response_class=HTMLResponse)
    async def register_upload(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        unit_code = str(form.get("unit_code", ""))
        upload = form.get("file")
        data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
        result, problems = await import_register(gateway, actor, unit_code, data)
        return await render_register(
            gateway, request, actor, status_code=422 if problems else 200, chosen=unit_code, problems=problems, result=result
        )

    return pages
