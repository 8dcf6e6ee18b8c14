"""The awards report in the console (`/bao-cao`): filters typed as a person types them (dates dd/mm/yyyy), the
counts as the union's reports print them, and the same report as .xlsx. Awards owns the figures and decides who
may see what."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from services.portal.gateway import Gateway
from services.portal.report_workbook import SECTORS, period_label
from services.portal.reports import FILTER_NAMES, report_params, report_xlsx
from services.portal.web import session as web
from services.portal.web.forms import parse_vn_date
from services.portal.web.rendering import render
from shared.contracts.events import Actor
from shared.contracts.values import LEVEL_RANK, LEVELS

# The level filter's choices, in the order of shared.contracts.values.LEVELS, named as the report's headings name them.
LEVEL_LABELS = {
    "grassroots": "Cấp cơ sở",
    "district": "Cấp trên trực tiếp cơ sở",
    "city": "Cấp Thành phố",
    "national": "Cấp Trung ương",
}
LEVEL_CHOICES = tuple((level, LEVEL_LABELS[level]) for level in LEVELS)
KINDS = (("individual", "Cá nhân"), ("collective", "Tập thể"))


def visible_units(actor: Actor, units: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """The units the filter offers: every unit for operations, else the actor's units and everything below them."""
    own = {g.unit_code for g in actor.roles if g.unit_code}

    def under_own(code: str) -> bool:
        seen: set[str] = set()
        current: str | None = code
        while current and current not in seen:
            if current in own:
                return True
            seen.add(current)
            current = units.get(current, {}).get("parent_code")
        return False

    chosen = [(c, u["name"]) for c, u in units.items() if actor.sees_everything() or under_own(c)]

    def top_down(choice: tuple[str, str]) -> tuple[int, str]:  # the highest level first, then by name
        return (-LEVEL_RANK.get(units[choice[0]]["level"], -9), choice[1])

    return sorted(chosen, key=top_down)


def page_params(request: Request, actor: Actor) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The query as awards wants it (dates typed dd/mm/yyyy; the active unit unless operations chose none), what the
    form shows back, and errors per field."""
    shown = {k: request.query_params.get(k, "").strip() for k in FILTER_NAMES}
    errors: dict[str, str] = {}
    params: dict[str, Any] = dict(shown)
    for field in ("date_from", "date_to"):
        params[field], problem = parse_vn_date(shown[field])
        if problem:
            errors[field] = problem
    if shown["year"] and not shown["year"].isdigit():
        errors["year"] = "Năm phải là số, ví dụ 2024"
        params["year"] = ""
    params = report_params(params)
    if "unit_code" not in params and not actor.sees_everything():
        active = web.active_unit(request, actor)
        if active:
            params["unit_code"] = shown["unit_code"] = active
    return params, shown, errors


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)  # console pages, not the JSON API

    @pages.get("/bao-cao", response_class=HTMLResponse)
    async def report_page(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        params, shown, errors = page_params(request, actor)
        report = await gateway.call("awards", "report", actor, params)
        units = await gateway.units(actor)
        catalog = await gateway.call("awards", "list_catalog", actor)
        return await render(
            request,
            "reports.html",
            actor,
            title="Báo cáo khen thưởng",
            report=report,
            unit_name=units.get(report["unit_code"], {}).get("name", report["unit_code"]),
            period=period_label(report),
            filters=shown,
            errors=errors,
            unit_choices=visible_units(actor, units),
            awards=[(a["code"], a["name"]) for a in catalog["awards"]],
            sectors=SECTORS,
            levels=LEVEL_CHOICES,
            kinds=KINDS,
            xlsx_query=request.url.query,
        )

    @pages.get("/bao-cao.xlsx")
    async def report_page_xlsx(request: Request) -> Response:
        actor = await web.current_actor(request)
        params, _, _ = page_params(request, actor)
        return await report_xlsx(gateway, actor, params)

    return pages
