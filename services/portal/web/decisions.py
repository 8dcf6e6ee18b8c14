"""Award decisions in the console ("quyết định"): the register of decisions, one decision with its nominees and
prizes, its PDF and .xlsx, its certificates (văn bằng), revoking it, and recording a prize paid back. Awards decides who may."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from services.portal.downloads import DocumentFormat, certificates_download, decision_download
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import clean, form_dates, signed_form
from services.portal.web.rendering import Pager, form_errors, page_number, render, window
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.rules.documents import FONT_FILES, document_css, font_bytes


async def decision_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    decision_id: str,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    d = await gateway.call("awards", "get_decision", actor, {"id": decision_id})
    printed = await gateway.call("awards", "decision_document", actor, {"id": decision_id, "format": "html"})
    return await render(
        request,
        "decision.html",
        actor,
        status_code=status_code,
        title=f"{d['kind_label']} {d['number_text']}",
        d=d,
        doc_html=Markup(base64.b64decode(printed["content_base64"]).decode()),  # rendered and escaped by awards
        collectives=[x for x in d["nominees"] if x["kind"] == "collective"],
        individuals=[x for x in d["nominees"] if x["kind"] != "collective"],
        values=values,
        errors=errors,
    )


async def document_file(gateway: Gateway, request: Request, decision_id: str, fmt: DocumentFormat) -> Response:
    actor = await web.current_actor(request)
    return await decision_download(gateway, actor, decision_id, fmt)


def build_router(gateway: Gateway) -> APIRouter:
    # `/quyet-dinh/{id}.pdf` and `.xlsx` come before `/quyet-dinh/{id}`, which would otherwise take them.
    pages = APIRouter(include_in_schema=False)

    @pages.get("/van-ban.css")
    async def document_stylesheet() -> Response:
        """The printed documents' style, from the layout values the PDF uses (shared/data/document_layout.toml)."""
        css = document_css(font_url="/van-ban/phong-chu/")
        return Response(css, media_type="text/css; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"})

    @pages.get("/van-ban/phong-chu/{name}")
    async def document_font(name: str) -> Response:
        """The font the PDF embeds (Liberation Serif, SIL OFL 1.1), so the printed page sets the same text."""
        if name not in FONT_FILES.values():
            raise HTTPException(status_code=404)
        return Response(font_bytes(name), media_type="font/ttf", headers={"Cache-Control": "public, max-age=86400"})

    @pages.get("/quyet-dinh", response_class=HTMLResponse)
    async def decisions(
        request: Request, issuer: str = "", year: str = "", award_code: str = "", status: str = "", kind: str = ""
    ) -> HTMLResponse:
        actor = await web.current_actor(request)
        page = page_number(request)
        filters = {"issuer": issuer, "year": year, "award_code": award_code, "status": status, "kind": kind}
        result = await gateway.call("awards", "list_decisions", actor, clean({**filters, **window(page)}))
        units = await gateway.units(actor)
        issuers = [(c, u["name"]) for c, u in units.items() if u["level"] != "grassroots"]
        return await render(
            request,
            "decisions.html",
            actor,
            title="Quyết định khen thưởng",
            page=result,
            pager=Pager(request, result["total"], page),
            filters=filters,
            issuers=sorted(issuers, key=lambda x: x[1]),
            catalog=await gateway.call("awards", "list_catalog", actor),
        )

    @pages.get("/quyet-dinh/{decision_id}.pdf")
    async def decision_pdf(request: Request, decision_id: str) -> Response:
        return await document_file(gateway, request, decision_id, "pdf")

    @pages.get("/quyet-dinh/{decision_id}.xlsx")
    async def decision_xlsx(request: Request, decision_id: str) -> Response:
        return await document_file(gateway, request, decision_id, "xlsx")

    @pages.get("/quyet-dinh/{decision_id}/van-bang.pdf")
    async def certificates_pdf(request: Request, decision_id: str, paper: str = "A4", nomination_id: str = "") -> Response:
        actor = await web.current_actor(request)
        return await certificates_download(gateway, actor, decision_id, "A3" if paper == "A3" else "A4", nomination_id or None)

    @pages.get("/quyet-dinh/{decision_id}", response_class=HTMLResponse)
    async def decision(request: Request, decision_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await decision_page(gateway, request, actor, decision_id, values={}, errors={})

    @pages.post("/quyet-dinh/{decision_id}/thu-hoi", response_class=HTMLResponse)
    async def revoke(request: Request, decision_id: str) -> Response:
        actor, values = await signed_form(request)
        d = await act_on_decision(
            gateway, request, actor, decision_id, values, "revoke", {"id": decision_id, "reason": values.get("reason", "")}
        )
        if isinstance(d, Response):
            return d
        web.flash(
            request,
            f"Đã lập quyết định thu hồi quyết định số {d['number_text']}; đang chờ người ký của {d['issuer_name']} ký "
            "(khi ký, quyết định bị thu hồi và tiền thưởng được ghi “phải thu hồi”).",
        )
        return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)

    @pages.post("/quyet-dinh/{decision_id}/da-thu-hoi")
    async def mark_recovered(request: Request, decision_id: str) -> Response:
        actor, values = await signed_form(request)
        try:
            await gateway.call(
                "awards", "mark_recovered", actor, {"id": decision_id, "nomination_id": values.get("nomination_id", "")}
            )
        except DomainError as exc:
            if exc.status in (403, 404, 409, 422):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)
            raise
        web.flash(request, "Đã ghi nhận thu hồi tiền thưởng.")
        return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)

    @pages.post("/quyet-dinh/{decision_id}/ket-qua", response_class=HTMLResponse)
    async def record_outcome(request: Request, decision_id: str) -> Response:
        return await record_outcome_form(gateway, request, decision_id)

    return pages


async def record_outcome_form(gateway: Gateway, request: Request, decision_id: str) -> Response:
    """The state authority's answer to a tờ trình: its number and date, and granted or not for each nominee."""
    actor, values = await signed_form(request)
    items = [
        {"nomination_id": key.removeprefix("granted-"), "granted": value == "1"}
        for key, value in values.items()
        if key.startswith("granted-")
    ]
    fields = {k: values.get(k, "") for k in ("authority", "number_text", "note")}
    dated, wrong = form_dates(values, ("decided_on",))  # typed dd/mm/yyyy as on every page
    if wrong:
        return await decision_page(gateway, request, actor, decision_id, values=values, errors=wrong, status_code=422)
    asked = {"id": decision_id, **fields, "decided_on": dated["decided_on"] or None, "items": items}
    d = await act_on_decision(gateway, request, actor, decision_id, values, "record_state_outcome", asked)
    if isinstance(d, Response):
        return d
    outcome = d["state_outcome"]
    declined = f", {outcome['not_granted']} không được khen thưởng" if outcome["not_granted"] else ""
    web.flash(
        request,
        f"Đã ghi nhận Quyết định số {outcome['number_text']}: {outcome['granted']} được khen thưởng{declined}. "
        "Hồ sơ và lịch sử danh hiệu được cập nhật.",
    )
    return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)


async def act_on_decision(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    decision_id: str,
    values: dict[str, str],
    operation: str,
    params: dict[str, Any],
) -> dict[str, Any] | Response:
    """Awards' answer to a form of the decision's page; refused, the response to give instead: the page again with
    each message at its field (422), or the page with the reason on top (403, 409)."""
    try:
        answer: dict[str, Any] = await gateway.call("awards", operation, actor, params)
    except DomainError as exc:
        if exc.status == 422:
            errors = form_errors(exc)
            return await decision_page(gateway, request, actor, decision_id, values=values, errors=errors, status_code=422)
        if exc.status in (403, 409):
            web.flash(request, exc.title, "bad")
            return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)
        raise
    return answer
