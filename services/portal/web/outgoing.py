"""Sổ văn bản đi in the console (/so-van-ban-di): a unit's register of outgoing documents for a year — number and
symbol, date, kind, trích yếu, signer, addressee — in number order, with its .xlsx. Awards decides who may read it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.api.outgoing import this_year
from services.portal.downloads import document_download
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.rendering import render
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.operations import awards as awards_ops
from shared.contracts.paging import OUTGOING_PAGE_MAX
from shared.contracts.values import MAX_YEAR, MIN_YEAR

PATH = "/so-van-ban-di"


def own_units(actor: Actor) -> list[str]:
    return sorted({g.unit_code for g in actor.roles if g.unit_code})


def chosen_year(request: Request) -> int:
    asked = request.query_params.get("nam", "")
    return int(asked) if asked.isdigit() and MIN_YEAR <= int(asked) <= MAX_YEAR else this_year()


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    async def choices(actor: Actor) -> list[str]:
        if actor.sees_everything():
            units = await gateway.units(actor)
            return sorted(code for code, u in units.items() if u["level"] != "grassroots" and not u.get("valid_to"))
        return own_units(actor)

    @pages.get(PATH, response_class=HTMLResponse)
    async def register(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        units = await choices(actor)
        if not units:
            raise Forbidden("Bạn chưa thuộc đơn vị nào có sổ văn bản đi", code="not_of_unit")
        asked = request.query_params.get("don_vi")
        active = web.active_unit(request, actor)
        unit_code = asked or (active if active in units else units[0])
        year = chosen_year(request)
        params: dict[str, int | str] = {"unit_code": unit_code, "year": year, "limit": OUTGOING_PAGE_MAX}
        if request.query_params.get("cursor"):
            params["cursor"] = request.query_params["cursor"]
        page = await gateway.ask(awards_ops.OUTGOING_REGISTER, actor, params)
        return await render(
            request, "outgoing.html", actor, title="Sổ văn bản đi", page=page, choices=units, unit_code=unit_code, year=year
        )

    @pages.get(PATH + ".xlsx")
    async def workbook(request: Request) -> Response:
        actor = await web.current_actor(request)
        unit_code = request.query_params.get("don_vi") or next(iter(own_units(actor)), "")
        document = await gateway.ask(awards_ops.OUTGOING_WORKBOOK, actor, {"unit_code": unit_code, "year": chosen_year(request)})
        return document_download(document.model_dump())

    return pages
