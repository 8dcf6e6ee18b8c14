"""Campaigns in the console ("đợt thi đua", /dot-thi-dua): the campaigns with their targets, and launching one
(an approver of the launching unit)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import TARGET_ROWS, multi_form, refusal, target_rows, union_awards
from services.portal.web.forms import form_dates
from services.portal.web.rendering import render
from shared.contracts.commands import NewCampaign
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor

CAMPAIGN_FIELDS = ("code", "name", "plan_ref", "launching_unit_code", "starts_on", "ends_on", "topic")


async def campaigns_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    launching = sorted(actor.units_with("approver"))
    if actor.is_admin:
        launching = sorted(await gateway.units(actor))
    return await render(
        request,
        "campaigns.html",
        actor,
        status_code=status_code,
        title="Đợt thi đua",
        campaigns=await gateway.call("registration", "list_campaigns", actor),
        awards=await union_awards(gateway, actor),
        values=values,
        errors=errors,
        launching_units=launching,
        rows=range(TARGET_ROWS),
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/dot-thi-dua", response_class=HTMLResponse)
    async def campaigns(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await campaigns_page(gateway, request, actor, values={}, errors={})

    @pages.post("/dot-thi-dua", response_class=HTMLResponse)
    async def create_campaign(request: Request) -> Response:
        actor, values, _ = await multi_form(request)
        dated, wrong = form_dates(values, ("starts_on", "ends_on"))  # typed dd/mm/yyyy as on every page
        if wrong:
            return await campaigns_page(gateway, request, actor, values=values, errors=wrong, status_code=422)
        body: dict[str, Any] = {k: dated[k] for k in CAMPAIGN_FIELDS if k in dated}
        body["targets"] = target_rows(values, "quota", "per_unit_quota")
        try:
            command = NewCampaign.model_validate(body)
            await gateway.call("registration", "create_campaign", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await campaigns_page(gateway, request, actor, values=values, errors=refusal(exc), status_code=status_code)
        web.flash(request, f"Đã phát động đợt thi đua “{command.name}”.")
        return RedirectResponse("/dot-thi-dua", status_code=303)

    return pages
