"""Who is signed in to the console, their active unit, CSRF tokens and one-shot messages."""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import Request

from services.portal.gateway import Gateway
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path

    @property
    def location(self) -> str:
        return f"/dang-nhap?next={quote(self.next_path)}"


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403
    title = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang và thử lại."


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    given = submitted or request.headers.get("X-CSRF-Token", "")
    if not expected or not hmac.compare_digest(str(expected), given):
        raise CsrfFailed()


async def sign_in(request: Request, actor: Actor) -> None:
    """A fresh cookie for the person who just signed in, naming the session recorded for them."""
    gateway: Gateway = request.app.state.gateway
    session_id = await gateway.open_session(actor, "console")
    request.session.clear()
    request.session["user_id"] = actor.user_id
    request.session["sid"] = session_id
    request.session["csrf"] = secrets.token_urlsafe(32)
    units = scoped_units(actor)
    if units:
        request.session["unit"] = units[0]


async def sign_out(request: Request) -> None:
    """End the session on the server too: the cookie, even copied before, no longer signs anyone in."""
    gateway: Gateway = request.app.state.gateway
    session_id = request.session.get("sid")
    request.session.clear()
    if session_id:
        await gateway.end_session(str(session_id))


async def current_actor(request: Request) -> Actor:
    gateway: Gateway = request.app.state.gateway
    user_id = request.session.get("user_id")
    session_id = request.session.get("sid")
    if not user_id or not session_id:
        request.session.pop("user_id", None)
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    try:
        return await gateway.actor_from_session(str(user_id), str(session_id))
    except DomainError as exc:
        request.session.clear()
        raise LoginRequired(request.url.path) from exc


def scoped_units(actor: Actor) -> list[str]:
    """Units where the user holds a role, in the order of their grants."""
    seen: list[str] = []
    for grant in actor.roles:
        if grant.unit_code and grant.unit_code not in seen:
            seen.append(grant.unit_code)
    return seen


def active_unit(request: Request, actor: Actor) -> str | None:
    units = scoped_units(actor)
    chosen = request.session.get("unit")
    return chosen if chosen in units else (units[0] if units else None)


def flash(request: Request, message: str, tone: str = "ok") -> None:
    request.session.setdefault("flash", []).append({"message": message, "tone": tone})


def take_flashes(request: Request) -> list[dict[str, Any]]:
    return list(request.session.pop("flash", []))
