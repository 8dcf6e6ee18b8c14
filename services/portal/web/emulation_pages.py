"""Console pages of the emulation movement: pledges (/giao-uoc), campaigns (/dot-thi-dua), clusters (/cum-thi-dua).

No rules here: forms become the shared command bodies, registration decides and answers; a refusal is shown on
the form next to its field.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.pages import _errors, render
from shared.contracts.commands import ClusterVoteRecord, NewCampaign, NewCluster, PledgeDecision, PledgeRegistration
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ

TARGET_ROWS = 4


async def _form(request: Request) -> tuple[Actor, dict[str, str], dict[str, list[str]]]:
    """The signed-in person, the posted fields (CSRF checked), and every value of repeated fields (multi-selects)."""
    actor = await web.current_actor(request)
    form = await request.form()
    web.check_csrf(request, str(form.get("csrf_token", "")))
    multi: dict[str, list[str]] = {}
    for k, v in form.multi_items():
        if k != "csrf_token" and str(v).strip():
            multi.setdefault(k, []).append(str(v).strip())
    return actor, {k: vs[-1] for k, vs in multi.items()}, multi


def _rows(values: dict[str, str], *amounts: str) -> list[dict[str, Any]]:
    """'targets.0.award_code' / 'targets.0.<amount>' rows; a row without an award is left out, so is an empty amount
    after the first."""
    rows = []
    for i in range(TARGET_ROWS):
        code = values.get(f"targets.{i}.award_code", "")
        if code:
            row = {"award_code": code, amounts[0]: values.get(f"targets.{i}.{amounts[0]}", "")}
            row.update({a: values[f"targets.{i}.{a}"] for a in amounts[1:] if values.get(f"targets.{i}.{a}")})
            rows.append(row)
    return rows


def _refusal(exc: DomainError | ValidationError) -> dict[str, str]:
    if isinstance(exc, DomainError) and exc.status >= 500:
        raise exc
    return _errors(exc)


def build_emulation_pages(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    async def awards(actor: Actor) -> list[dict[str, Any]]:
        catalog = await gateway.call("awards", "list_catalog", actor)
        return [a for a in catalog["awards"] if a["catalog"] == "union"]

    def this_year(request: Request) -> int:
        return int(gateway.clock.now().astimezone(VIETNAM_TZ).year)

    # Pledges

    async def pledges_page(
        request: Request, actor: Actor, *, values: dict[str, str], errors: dict[str, str], status_code: int = 200
    ) -> HTMLResponse:
        year = request.query_params.get("year", "")
        params = {"year": int(year)} if year.isdigit() else {}
        listed = await gateway.call("registration", "list_pledges", actor, params)
        return await render(
            request,
            "pledges.html",
            actor,
            status_code=status_code,
            title="Đăng ký giao ước thi đua",
            listed=listed,
            awards=await awards(actor),
            values={"year": str(this_year(request)), **values},
            errors=errors,
            submitter_units=sorted(actor.units_with("submitter")),
            approver_units=actor.units_with("approver"),
            rows=range(TARGET_ROWS),
            year=year,
        )

    @pages.get("/giao-uoc", response_class=HTMLResponse)
    async def pledges(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await pledges_page(request, actor, values={}, errors={})

    @pages.post("/giao-uoc", response_class=HTMLResponse)
    async def register_pledge(request: Request) -> Response:
        actor, values, _ = await _form(request)
        body = {
            "unit_code": values.get("unit_code", ""),
            "year": values.get("year", ""),
            "targets": _rows(values, "count"),
            "note": values.get("note", ""),
        }
        try:
            command = PledgeRegistration.model_validate(body)
            await gateway.call("registration", "register_pledge", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await pledges_page(request, actor, values=values, errors=_refusal(exc), status_code=status_code)
        web.flash(request, f"Đã đăng ký giao ước thi đua năm {command.year}; chờ công đoàn cấp trên xác nhận.")
        return RedirectResponse("/giao-uoc", status_code=303)

    @pages.post("/giao-uoc/{pledge_id}/quyet-dinh", response_class=HTMLResponse)
    async def decide_pledge(request: Request, pledge_id: str) -> Response:
        actor, values, _ = await _form(request)
        try:
            command = PledgeDecision.model_validate({"action": values.get("action", ""), "reason": values.get("reason", "")})
            decided = await gateway.call("registration", "decide_pledge", actor, {"id": pledge_id, **command.model_dump()})
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            web.flash(request, "Chưa thực hiện được: " + "; ".join(_errors(exc).values()), tone="bad")
            return RedirectResponse("/giao-uoc", status_code=303)
        verb = "Đã xác nhận" if decided["status"] == "confirmed" else "Đã trả lại"
        web.flash(request, f"{verb} giao ước thi đua năm {decided['year']}.")
        return RedirectResponse("/giao-uoc", status_code=303)

    # Campaigns

    async def campaigns_page(
        request: Request, actor: Actor, *, values: dict[str, str], errors: dict[str, str], status_code: int = 200
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
            awards=await awards(actor),
            values=values,
            errors=errors,
            launching_units=launching,
            rows=range(TARGET_ROWS),
        )

    @pages.get("/dot-thi-dua", response_class=HTMLResponse)
    async def campaigns(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await campaigns_page(request, actor, values={}, errors={})

    @pages.post("/dot-thi-dua", response_class=HTMLResponse)
    async def create_campaign(request: Request) -> Response:
        actor, values, _ = await _form(request)
        body: dict[str, Any] = {
            k: values[k]
            for k in ("code", "name", "plan_ref", "launching_unit_code", "starts_on", "ends_on", "topic")
            if k in values
        }
        body["targets"] = _rows(values, "quota", "per_unit_quota")
        try:
            command = NewCampaign.model_validate(body)
            await gateway.call("registration", "create_campaign", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await campaigns_page(request, actor, values=values, errors=_refusal(exc), status_code=status_code)
        web.flash(request, f"Đã phát động đợt thi đua “{command.name}”.")
        return RedirectResponse("/dot-thi-dua", status_code=303)

    # Clusters

    async def clusters_page(
        request: Request, actor: Actor, *, values: dict[str, str], errors: dict[str, str], status_code: int = 200
    ) -> HTMLResponse:
        units = await gateway.units(actor)
        organisers = sorted(actor.units_with("approver") | actor.units_with("unit_admin"))
        if actor.is_admin:
            organisers = sorted(code for code, u in units.items() if u["level"] != "grassroots")
        return await render(
            request,
            "clusters.html",
            actor,
            status_code=status_code,
            title="Cụm thi đua",
            clusters=await gateway.call("registration", "list_clusters", actor),
            all_units=sorted(units.values(), key=lambda u: u["code"]),
            organisers=organisers,
            approver_units=actor.units_with("approver"),
            is_admin=actor.is_admin,
            values={"year": str(this_year(request)), **values},
            errors=errors,
        )

    @pages.get("/cum-thi-dua", response_class=HTMLResponse)
    async def clusters(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await clusters_page(request, actor, values={}, errors={})

    @pages.post("/cum-thi-dua", response_class=HTMLResponse)
    async def create_cluster(request: Request) -> Response:
        actor, values, multi = await _form(request)
        body: dict[str, Any] = {
            k: values[k] for k in ("code", "name", "parent_unit_code", "valid_from", "valid_to") if k in values
        }
        body["members"] = multi.get("members", [])
        try:
            command = NewCluster.model_validate(body)
            await gateway.call("registration", "create_cluster", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            status_code = exc.status if isinstance(exc, DomainError) else 422
            return await clusters_page(request, actor, values=values, errors=_refusal(exc), status_code=status_code)
        web.flash(request, f"Đã lập “{command.name}”.")
        return RedirectResponse("/cum-thi-dua", status_code=303)

    @pages.post("/cum-thi-dua/{code}/suy-ton", response_class=HTMLResponse)
    async def vote(request: Request, code: str) -> Response:
        actor, values, multi = await _form(request)
        try:
            command = ClusterVoteRecord.model_validate(
                {"year": values.get("year", ""), "leaders": multi.get("leaders", []), "note": values.get("note", "")}
            )
            await gateway.call("registration", "record_cluster_vote", actor, {"cluster_code": code, **command.model_dump()})
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            web.flash(request, "Chưa ghi được kết quả suy tôn: " + "; ".join(_errors(exc).values()), tone="bad")
            return RedirectResponse("/cum-thi-dua", status_code=303)
        web.flash(request, f"Đã ghi kết quả suy tôn năm {command.year}.")
        return RedirectResponse("/cum-thi-dua", status_code=303)

    return pages
