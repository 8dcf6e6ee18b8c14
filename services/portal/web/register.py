"""The grassroots register in the console ("sổ khen thưởng cơ sở"): a CĐCS office downloads the template, fills it
(one award a row) and uploads it; a refusal names the row and column. Awards records it and decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.downloads import XLSX, content_disposition
from services.portal.gateway import Gateway
from services.portal.register_import import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    WorkbookTooLarge,
    WorkbookTooSlow,
    template_workbook,
)
from services.portal.reports import import_register, read_register_upload, register_example
from services.portal.uploads import UploadTooLarge
from services.portal.web import session as web
from services.portal.web.rendering import render
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor
from shared.rules.attachments import format_size


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
    defaults: dict[str, Any] = {
        "chosen": web.active_unit(request, actor),
        "problems": [],
        "result": None,
        "file_error": None,
        "max_rows": MAX_ROWS,
        "max_size": format_size(MAX_FILE_BYTES),
    }
    return await render(request, "register.html", actor, title="Sổ khen thưởng cơ sở", unit_choices=units, **(defaults | context))


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)  # console pages, not the JSON API

    @pages.get("/so-khen-thuong", response_class=HTMLResponse)
    async def register_page(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await render_register(gateway, request, actor)

    @pages.get("/so-khen-thuong/mau.xlsx")
    async def register_template(request: Request) -> Response:
        actor = await web.current_actor(request)
        return Response(
            template_workbook(await register_example(gateway, actor)),
            media_type=XLSX,
            headers={"Content-Disposition": content_disposition("mau-so-khen-thuong-co-so.xlsx")},
        )

    @pages.post("/so-khen-thuong", response_class=HTMLResponse)
    async def register_upload(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        try:
            upload = await read_register_upload(request, actor)  # who may, then at most MAX_FILE_BYTES
        except (UploadTooLarge, ValidationFailed) as exc:  # the file as a whole, shown above the form
            return await render_register(gateway, request, actor, status_code=exc.status, file_error=exc.title)
        web.check_csrf(request, upload.fields.get("csrf_token"))
        unit_code = upload.fields["unit_code"]
        try:
            result, problems = await import_register(gateway, actor, unit_code, upload.data)
        except (WorkbookTooLarge, WorkbookTooSlow, ValidationFailed) as exc:
            return await render_register(gateway, request, actor, status_code=exc.status, chosen=unit_code, file_error=exc.title)
        return await render_register(
            gateway, request, actor, status_code=422 if problems else 200, chosen=unit_code, problems=problems, result=result
        )

    return pages
