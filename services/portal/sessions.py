"""Sessions in force: every console session and every API token has an id the portal recorded when it was given, and
a request is accepted only while that row is still there.

Signing out deletes the row of that session; an administrator's revocation, a deactivation or a change of roles
deletes all of a user's rows. So a copied cookie or token stops working at once rather than when it expires. Rows past
their expiry are pruned whenever someone signs in. (`web.session` keeps what the console's signed cookie carries.)
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.portal import store
from shared.contracts.actors import Actor, RoleGrant
from shared.contracts.errors import Unauthenticated
from shared.platform.db import reading

SessionKind = Literal["console", "api"]
RENEWAL_STEP = timedelta(minutes=5)


class SessionEnded(Unauthenticated):
    code = "session_ended"
    title = "Phiên đăng nhập đã kết thúc (đã đăng xuất, bị thu hồi hoặc hết hạn); hãy đăng nhập lại"


async def open_session(engine: AsyncEngine, user_id: str, kind: SessionKind, now: datetime, ttl: timedelta) -> str:
    """Record a new session and give its id; sessions that have expired meanwhile (anyone's) are pruned."""
    session_id = secrets.token_urlsafe(32)
    s = store.sessions
    async with engine.begin() as conn:
        await conn.execute(s.delete().where(s.c.expires_at <= now))
        await conn.execute(s.insert().values(id=session_id, user_id=user_id, kind=kind, created_at=now, expires_at=now + ttl))
    return session_id


async def check_session(
    engine: AsyncEngine, session_id: str, user_id: str, now: datetime, *, renew_for: timedelta | None = None
) -> None:
    """Refuse a session that was ended or has expired. With `renew_for` (the console, whose cookie is renewed on every
    page too), the session is extended to `now + renew_for`, so it ends after that long unused; written at most once
    per `RENEWAL_STEP`, not on every page."""
    s = store.sessions
    async with reading(engine) as conn:
        expires_at = await conn.scalar(sa.select(s.c.expires_at).where(s.c.id == session_id, s.c.user_id == user_id))
    if expires_at is None or expires_at <= now:
        raise SessionEnded()
    await _renew_if_due(engine, session_id, expires_at, now, renew_for)


async def _renew_if_due(
    engine: AsyncEngine, session_id: str, expires_at: datetime, now: datetime, renew_for: timedelta | None
) -> None:
    """The session's renewal, when due, in a transaction of its own: every request reads its session without taking
    SQLite's write lock; one in `RENEWAL_STEP` writes (a session ended meanwhile stays ended: its row is gone)."""
    if renew_for is not None and expires_at - now < renew_for - min(RENEWAL_STEP, renew_for / 2):
        async with engine.begin() as conn:
            sessions = store.sessions
            await conn.execute(sessions.update().where(sessions.c.id == session_id).values(expires_at=now + renew_for))


async def session_actor(
    engine: AsyncEngine, session_id: str, user_id: str, now: datetime, *, renew_for: timedelta | None = None
) -> Actor:
    """Who a session in force belongs to, with their roles: `check_session`'s question and the user's row and grants
    in one query (every request asks it). A session ended or expired is `SessionEnded`; a user deactivated since (their
    sessions are ended then, so only in a race) `Unauthenticated`."""
    s, u, g = store.sessions, store.users, store.role_grants
    query = (
        sa.select(s.c.expires_at, u.c.id, u.c.username, u.c.full_name, u.c.active, g.c.role, g.c.unit_code)
        .select_from(s.outerjoin(u, u.c.id == s.c.user_id).outerjoin(g, g.c.user_id == u.c.id))
        .where(s.c.id == session_id, s.c.user_id == user_id)
        .order_by(g.c.id)
    )
    async with reading(engine) as conn:
        rows = (await conn.execute(query)).mappings().all()
    if not rows or rows[0]["expires_at"] <= now:
        raise SessionEnded()
    await _renew_if_due(engine, session_id, rows[0]["expires_at"], now, renew_for)
    user = rows[0]
    if user["id"] is None or not user["active"]:
        raise Unauthenticated()
    return Actor(
        user_id=user["id"],
        username=user["username"],
        full_name=user["full_name"],
        roles=tuple(RoleGrant(role=r["role"], unit_code=r["unit_code"]) for r in rows if r["role"] is not None),
    )


async def end_session(engine: AsyncEngine, session_id: str) -> bool:
    """Sign out one session; False when it had already ended."""
    async with engine.begin() as conn:
        result = await conn.execute(store.sessions.delete().where(store.sessions.c.id == session_id))
    return bool(result.rowcount)


async def end_user_sessions(conn: AsyncConnection, user_id: str) -> int:
    """End every session and token of a user, in the caller's transaction; how many there were."""
    result = await conn.execute(store.sessions.delete().where(store.sessions.c.user_id == user_id))
    return int(result.rowcount or 0)
