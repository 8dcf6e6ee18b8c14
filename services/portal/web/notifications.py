"""The bell in the console ("thông báo"): the person's reminders and forwarded or returned dossiers, kept by review."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.rendering import render


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/thong-bao", response_class=HTMLResponse)
    async def notifications(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        result = await gateway.call("review", "notifications", actor, {"limit": 100})
        return await render(
            request, "notifications.html", actor, title="Thông báo", notes=result["items"], unread=result["unread"]
        )

    @pages.post("/thong-bao/da-doc")
    async def notifications_read(request: Request) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        ids = [int(str(i)) for i in form.getlist("id") if str(i).isdigit()] or None
        result = await gateway.call("review", "mark_notifications_read", actor, {"ids": ids})
        web.flash(request, f"Đã đánh dấu {result['marked']} thông báo là đã đọc.")
        return RedirectResponse("/thong-bao", status_code=303)

    return pages
