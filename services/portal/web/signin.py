"""Signing in and out of the console, choosing the unit one works for, and the home page that sends each person
to where their work is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import local_path
from services.portal.web.rendering import render
from shared.contracts.errors import DomainError


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/dang-nhap", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return await render(request, "login.html", None, title="Đăng nhập", next=next, username="", error=None)

    @pages.post("/dang-nhap", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        username = str(form.get("username", "")).strip()
        next_path = local_path(str(form.get("next") or "/"), "/")
        try:
            actor = await gateway.login(username, str(form.get("password", "")), request.client.host if request.client else "")
        except DomainError as exc:
            return await render(
                request,
                "login.html",
                None,
                status_code=exc.status,
                title="Đăng nhập",
                next=next_path,
                username=username,
                error=exc.title,
            )
        await web.sign_in(request, actor)
        return RedirectResponse(next_path, status_code=303)

    @pages.post("/dang-xuat")
    async def logout(request: Request) -> Response:
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        await web.sign_out(request)
        return RedirectResponse("/dang-nhap", status_code=303)

    @pages.post("/don-vi")
    async def switch_unit(request: Request) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        code = str(form.get("unit_code", ""))
        if code in web.scoped_units(actor):
            request.session["unit"] = code
        return RedirectResponse(local_path(str(form.get("next") or "/"), "/"), status_code=303)

    @pages.get("/")
    async def home(request: Request) -> Response:
        actor = await web.current_actor(request)
        unit = web.active_unit(request, actor)
        if unit and (actor.has_role("approver", unit) or actor.has_role("unit_admin", unit)):
            return RedirectResponse("/hop-viec", status_code=303)
        return RedirectResponse("/ho-so", status_code=303)

    return pages
