"""Signing out ends the session, on SQLite and PostgreSQL: every console session and API token is recorded by the
portal and checked on every request, so a cookie or token copied before sign-out, revocation, deactivation or a
change of roles is refused afterwards, while the person's other sessions (and everyone else's) keep working."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
import pytest_asyncio
import sqlalchemy as sa

from services.portal import sessions, store
from services.portal.users import DEMO_USERS_FILE, seed_demo_users, set_active
from shared.platform.clock import SystemClock
from tests.integration.conftest import count_rows
from tests.integration.portal_app import CSRF_INPUT, PASSWORD, RunningPortal, running_portal

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def portal(database_url: str, clean_nats: str, tmp_path: Path) -> AsyncIterator[RunningPortal]:
    async with running_portal(clean_nats, database_url, tmp_path) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/api/v1/me", headers=bearer(token))


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "session_ended"


async def home(portal: RunningPortal, cookie: str) -> str:
    """Where the console's home page sends the holder of this session cookie (and nothing else)."""
    async with portal.client() as http:
        http.cookies.set("thidua_session", cookie)
        response = await http.get("/")
    assert response.status_code == 303
    return response.headers["location"]


async def test_a_cookie_copied_before_signing_out_of_the_console_is_refused_after(portal: RunningPortal) -> None:
    async with portal.client() as browser, portal.client() as other_browser:
        copied = await portal.console_sign_in(browser, "cdcs.dst")
        other = await portal.console_sign_in(other_browser, "cdcs.dst")
        assert await home(portal, copied) == "/ho-so"

        csrf = CSRF_INPUT.search((await browser.get("/dang-nhap")).text)
        assert csrf
        signed_out = await browser.post("/dang-xuat", data={"csrf_token": csrf.group(1)})
        assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/dang-nhap")

    assert await home(portal, copied) == "/dang-nhap?next=/"
    assert await home(portal, other) == "/ho-so"  # the same person's other session is not signed out


async def test_logout_revokes_the_presented_token_and_only_that_one(portal: RunningPortal) -> None:
    async with portal.client() as http:
        revoked, kept = await portal.token(http, "ld.sontay"), await portal.token(http, "ld.sontay")
        assert (await me(http, revoked)).status_code == 200

        response = await http.post("/api/v1/auth/logout", headers=bearer(revoked))
        assert response.status_code == 204

        assert_refused(await me(http, revoked))
        assert_refused(await http.post("/api/v1/auth/logout", headers=bearer(revoked)))
        assert (await me(http, kept)).json()["username"] == "ld.sontay"


async def test_an_administrator_revokes_every_session_and_token_of_a_user(portal: RunningPortal) -> None:
    async with portal.client() as http, portal.client() as browser:
        token = await portal.token(http, "cdcs.dst")
        cookie = await portal.console_sign_in(browser, "cdcs.dst")
        admin, approver = await portal.token(http, "admin"), await portal.token(http, "ld.sontay")

        refused = await http.post("/api/v1/users/cdcs.dst/revoke-sessions", headers=bearer(approver))
        assert (refused.status_code, refused.json()["code"]) == (403, "not_admin")
        assert (await me(http, token)).status_code == 200

        unknown = await http.post("/api/v1/users/nobody/revoke-sessions", headers=bearer(admin))
        assert (unknown.status_code, unknown.json()["code"]) == (404, "user_not_found")

        response = await http.post("/api/v1/users/cdcs.dst/revoke-sessions", headers=bearer(admin))
        assert response.json() == {"username": "cdcs.dst", "revoked": 2}

        assert_refused(await me(http, token))
        assert await home(portal, cookie) == "/dang-nhap?next=/"
        assert (await me(http, admin)).status_code == 200
        assert (await me(http, approver)).status_code == 200
        assert (await me(http, await portal.token(http, "cdcs.dst"))).status_code == 200  # signing in again works


async def test_deactivating_a_user_ends_their_tokens_for_good(portal: RunningPortal) -> None:
    async with portal.client() as http:
        token, bystander = await portal.token(http, "cdcs.vanquan"), await portal.token(http, "cdcs.dst")
        await set_active(portal.engine, "cdcs.vanquan", False, SystemClock().now())
        assert (await me(http, token)).status_code == 401
        await set_active(portal.engine, "cdcs.vanquan", True, SystemClock().now())

        assert_refused(await me(http, token))  # active again, but the old token stays revoked
        assert (await me(http, await portal.token(http, "cdcs.vanquan"))).status_code == 200
        assert (await me(http, bystander)).status_code == 200


async def test_changing_a_users_roles_ends_their_sessions_and_reseeding_unchanged_does_not(
    portal: RunningPortal, tmp_path: Path
) -> None:
    async with portal.client() as http:
        moved, unchanged = await portal.token(http, "ld.sontay"), await portal.token(http, "ld.hanoi")

        await seed_demo_users(portal.engine, PASSWORD, SystemClock().now())  # `thidua migrate` again: same roles
        assert (await me(http, moved)).status_code == 200

        users_file = tmp_path / "users.toml"
        users_file.write_text(DEMO_USERS_FILE.read_text().replace('"HN-SONTAY"', '"HN-THANHXUAN"'))
        entries = tomllib.loads(users_file.read_text())["users"]
        changed = {e["username"] for e in entries if any(g.get("unit_code") == "HN-THANHXUAN" for g in e["roles"])}
        assert "ld.sontay" in changed
        assert "ld.hanoi" not in changed
        await seed_demo_users(portal.engine, PASSWORD, SystemClock().now(), users_file)

        assert_refused(await me(http, moved))
        assert (await me(http, unchanged)).status_code == 200


async def test_a_token_without_a_recorded_session_is_refused_even_when_correctly_signed(portal: RunningPortal) -> None:
    """A token of the kind issued before sessions were recorded (no `jti`), or naming a session that never was."""
    async with portal.client() as http:
        real = jwt.decode(await portal.token(http, "admin"), options={"verify_signature": False})
        for claims in ({k: v for k, v in real.items() if k != "jti"}, real | {"jti": "made-up"}):
            forged = jwt.encode(claims, "t" * 48, algorithm="HS256")  # the portal's secret in these tests
            assert_refused(await me(http, forged))


async def test_sessions_past_their_expiry_are_pruned_when_someone_signs_in(portal: RunningPortal) -> None:
    now = SystemClock().now()
    user_id = await sessions_owner(portal, "cdcs.dst")
    stale = await sessions.open_session(portal.engine, user_id, "api", now - timedelta(hours=9), timedelta(hours=8))
    with pytest.raises(sessions.SessionEnded):
        await sessions.check_session(portal.engine, stale, user_id, now)
    async with portal.client() as http:
        await portal.token(http, "ld.sontay")
    assert await count_rows(portal.engine, store.sessions, store.sessions.c.id == stale) == 0
    assert await count_rows(portal.engine, store.sessions) == 1


async def test_a_console_session_in_use_is_renewed_and_ends_after_the_time_idle(portal: RunningPortal) -> None:
    start, ttl = SystemClock().now(), timedelta(hours=8)
    user_id = await sessions_owner(portal, "cdcs.dst")
    session_id = await sessions.open_session(portal.engine, user_id, "console", start, ttl)

    for used_at in (timedelta(hours=2), timedelta(hours=5), timedelta(hours=5, minutes=3)):
        await sessions.check_session(portal.engine, session_id, user_id, start + used_at, renew_for=ttl)
    # renewed at 5 h (not again 3 minutes later): good until 13 h, then ended
    await sessions.check_session(portal.engine, session_id, user_id, start + timedelta(hours=12, minutes=59))
    with pytest.raises(sessions.SessionEnded):
        await sessions.check_session(portal.engine, session_id, user_id, start + timedelta(hours=13, minutes=1))
    with pytest.raises(sessions.SessionEnded):  # another user's id with this session's id
        await sessions.check_session(portal.engine, session_id, "someone-else", start + timedelta(hours=6))


async def sessions_owner(portal: RunningPortal, username: str) -> str:
    async with portal.engine.connect() as conn:
        user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == username))
    assert user_id is not None
    return str(user_id)
