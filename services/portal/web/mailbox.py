"""The embedded demo's mailbox ("Hộp thư demo", /hop-thu-demo): the mails the local SMTP sink received, newest first,
filtered by recipient. The portal asks the notifier (RPC `demo_mailbox`), the one service that knows which SMTP server
it sends to; with a real server configured there is no such page (404)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.rendering import render
from shared.contracts.errors import NotFound
from shared.contracts.operations import notifier as notifier_ops


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/hop-thu-demo", response_class=HTMLResponse)
    async def demo_mailbox(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        recipient = request.query_params.get("nguoi_nhan", "").strip()[:254]
        params = {"recipient": recipient or None, "limit": notifier_ops.DEMO_MAILBOX_PAGE_MAX}
        mailbox = await gateway.ask(notifier_ops.DEMO_MAILBOX, actor, params)
        if not mailbox.enabled:
            raise NotFound("Hệ thống gửi thư qua máy chủ SMTP thật: không có hộp thư demo")
        return await render(
            request, "mailbox.html", actor, title="Hộp thư demo", mails=mailbox.items, total=mailbox.total, recipient=recipient
        )

    return pages
