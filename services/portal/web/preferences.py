"""The person's own page "Cách nhận thông báo" (/tai-khoan/thong-bao): per kind, the bell only, an email at once, or a
daily digest at an hour (Vietnam time). Review keeps the choices next to the notes; the notifier sends the email."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal import users
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.emulation_forms import refusal
from services.portal.web.formatting import NOTIFICATION_KINDS
from services.portal.web.rendering import render
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.operations import review as review_ops

DELIVERY_LABELS = {
    "bell": "Chỉ chuông",
    "email_now": "Email ngay",
    "email_daily": "Email tổng hợp hằng ngày",
}


async def preferences_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    preferences: review_ops.NotificationPreferences | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    chosen = preferences or await gateway.notification_preferences(actor, review_ops.NOTIFICATION_PREFERENCES, {})
    status = await gateway.mail_status(actor)
    email = await users.email_of(gateway.engine, actor.user_id)
    address = await gateway.address_status(actor) if email else None
    return await render(
        request,
        "preferences.html",
        actor,
        status_code=status_code,
        title="Cách nhận thông báo",
        items=chosen.items,
        email_sent=chosen.email_sent,
        demo_mailbox=status is not None and status.demo_mailbox,
        email=email,
        refused=address if address is not None and address.refused and address.address == email else None,
        kind_labels={k: v[0] for k, v in NOTIFICATION_KINDS.items()},
        deliveries=DELIVERY_LABELS,
        hours=range(24),
        errors=errors or {},
    )


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/tai-khoan/thong-bao", response_class=HTMLResponse)
    async def preferences(request: Request) -> HTMLResponse:
        return await preferences_page(gateway, request, await web.current_actor(request))

    @pages.post("/tai-khoan/thong-bao")
    async def save_preferences(request: Request) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        items = []
        for kind in review_ops.NOTIFICATION_KINDS:
            delivery = str(form.get(f"delivery_{kind}", "bell"))
            hour = str(form.get(f"hour_{kind}", ""))
            items.append({"kind": kind, "delivery": delivery, "digest_hour": int(hour) if hour.isdigit() else None})
        try:
            body = review_ops.SetNotificationPreferences.model_validate({"items": items})
            await gateway.ask(review_ops.SET_NOTIFICATION_PREFERENCES, actor, body.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            return await preferences_page(gateway, request, actor, errors=refusal(exc), status_code=422)
        web.flash(request, "Đã lưu cách nhận thông báo.")
        return RedirectResponse("/tai-khoan/thong-bao", status_code=303)

    return pages
