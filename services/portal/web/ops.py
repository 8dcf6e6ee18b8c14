"""The operators' page in the console ("vận hành"): the system's verdict and figures (refreshed every 10 seconds),
dead letters to retry or discard, and nominations stuck at one step."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.charts import stacked_days
from services.portal.web.forms import signed_form
from services.portal.web.rendering import TEMPLATES, render
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.operations import RemoteError

STUCK_AFTER_SECONDS = 3 * 86_400  # the ops page lists nominations whose last step is older than this


async def ops_context(gateway: Gateway, actor: Actor) -> dict[str, Any]:
    status = await gateway.ops_status(actor)
    stages = [(s["stage"], s["label"]) for s in status.pipeline["stages"]] if status.pipeline else []
    chart = stacked_days(status.pipeline["per_day"], stages) if status.pipeline else None
    return {"status": status, "chart": chart}


async def dead_letter_action(gateway: Gateway, request: Request, seq: int, action: str, done: str) -> Response:
    actor, values = await signed_form(request)
    try:
        if action == "discard":
            await gateway.discard_dead_letter(actor, seq, values.get("reason", ""))
        else:
            await gateway.retry_dead_letter(actor, seq)
    except DomainError as exc:
        if exc.status >= 500 and not isinstance(exc, RemoteError):
            raise
        detail = "; ".join(f.message for f in exc.fields) if exc.fields else exc.title
        web.flash(request, f"Thư lỗi số {seq}: {detail}", "bad")
        return RedirectResponse("/van-hanh#thu-loi", status_code=303)
    web.flash(request, f"Thư lỗi số {seq}: {done}")
    return RedirectResponse("/van-hanh#thu-loi", status_code=303)


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/van-hanh", response_class=HTMLResponse)
    async def ops(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        context = await ops_context(gateway, actor)
        try:
            letters: list[Any] | None = await gateway.dead_letters(actor)
        except DomainError:
            raise
        except Exception:  # NATS trouble shows in the verdict above; the page still renders
            letters = None
        try:
            stuck = await gateway.call(
                "registration", "ops_stuck", actor, {"older_than_seconds": STUCK_AFTER_SECONDS, "limit": 20}
            )
        except DomainError as exc:
            if exc.status < 500:
                raise
            stuck = None
        return await render(request, "ops.html", actor, title="Vận hành", letters=letters, stuck=stuck, **context)

    @pages.post("/van-hanh/thu-loi/{seq}/xu-ly-lai")
    async def dead_letter_retry(request: Request, seq: int) -> Response:
        done = "đã xử lý lại thành công và được gỡ khỏi hàng thư lỗi."
        return await dead_letter_action(gateway, request, seq, "retry", done)

    @pages.post("/van-hanh/thu-loi/{seq}/loai-bo")
    async def dead_letter_discard(request: Request, seq: int) -> Response:
        return await dead_letter_action(gateway, request, seq, "discard", "đã loại bỏ, có ghi người làm và lý do.")

    @pages.get("/van-hanh/noi-dung", response_class=HTMLResponse)
    async def ops_fragment(request: Request) -> HTMLResponse:
        """What the page swaps in every 10 seconds."""
        actor = await web.current_actor(request)
        return TEMPLATES.TemplateResponse(request, "ops_body.html", {"request": request, **await ops_context(gateway, actor)})

    return pages
