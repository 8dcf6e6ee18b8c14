"""Clusters in the console ("cụm thi đua", /cum-thi-dua): the clusters with their members and leaders, forming one
(the organising unit above), and recording the year's vote for the cluster's leaders ("suy tôn")."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import multi_form, refusal, this_year
from services.portal.web.forms import form_dates
from services.portal.web.rendering import form_errors, render
from services.portal.web.units import is_below
from shared.contracts.commands import ClusterVoteRecord, NewCluster
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor

CLUSTER_FIELDS = ("code", "name", "parent_unit_code", "valid_from", "valid_to")


async def clusters_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    units = await gateway.units(actor)
    organisers = sorted(actor.units_with("approver") | actor.units_with("unit_admin"))
    if actor.is_admin:
        organisers = sorted(code for code, u in units.items() if u["level"] != "grassroots")
    # members are offered under the unit that organises them: units below one of this person's units, today's only
    candidates = {
        organiser: sorted(
            (u for code, u in units.items() if not u.get("valid_to") and is_below(units, code, organiser)),
            key=lambda u: u["name"],
        )
        for organiser in organisers
    }
    return await render(
        request,
        "clusters.html",
        actor,
        status_code=status_code,
        title="Cụm thi đua",
        clusters=await gateway.call("registration", "list_clusters", actor),
        candidates={code: members for code, members in candidates.items() if members},
        chosen_members=set(values.get("members", "").split(",")) if values.get("members") else set(),
        organisers=organisers,
        approver_units=actor.units_with("approver"),
        is_admin=actor.is_admin,
        values={"year": str(this_year(gateway)), **values},
        errors=errors,
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/cum-thi-dua", response_class=HTMLResponse)
    async def clusters(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await clusters_page(gateway, request, actor, values={}, errors={})

    @pages.post("/cum-thi-dua", response_class=HTMLResponse)
    async def create_cluster(request: Request) -> Response:
        actor, values, multi = await multi_form(request)
        dated, wrong = form_dates(values, ("valid_from", "valid_to"))  # typed dd/mm/yyyy as on every other page
        body: dict[str, Any] = {k: dated[k] for k in CLUSTER_FIELDS if k in dated}
        body["members"] = multi.get("members", [])
        values["members"] = ",".join(body["members"])  # kept checked should the form come back with an error
        if wrong:
            return await clusters_page(gateway, request, actor, values=values, errors=wrong, status_code=422)
        try:
            command = NewCluster.model_validate(body)
            await gateway.call("registration", "create_cluster", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await clusters_page(gateway, request, actor, values=values, errors=refusal(exc), status_code=status_code)
        web.flash(request, f"Đã lập “{command.name}”.")
        return RedirectResponse("/cum-thi-dua", status_code=303)

    @pages.post("/cum-thi-dua/{code}/suy-ton", response_class=HTMLResponse)
    async def vote(request: Request, code: str) -> Response:
        actor, values, multi = await multi_form(request)
        try:
            command = ClusterVoteRecord.model_validate(
                {"year": values.get("year", ""), "leaders": multi.get("leaders", []), "note": values.get("note", "")}
            )
            await gateway.call("registration", "record_cluster_vote", actor, {"cluster_code": code, **command.model_dump()})
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            web.flash(request, "Chưa ghi được kết quả suy tôn: " + "; ".join(form_errors(exc).values()), tone="bad")
            return RedirectResponse("/cum-thi-dua", status_code=303)
        web.flash(request, f"Đã ghi kết quả suy tôn năm {command.year}.")
        return RedirectResponse("/cum-thi-dua", status_code=303)

    return pages
