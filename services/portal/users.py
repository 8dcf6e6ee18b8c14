"""Users, passwords and tokens: who is calling, as an `Actor` the services can check."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import jwt
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.portal import sessions, store
from shared.contracts.errors import Unauthenticated
from shared.contracts.events import Actor, Recipient, RoleGrant, UnitApproversChanged, UserContactChanged
from shared.platform.db import reading
from shared.platform.outbox import enqueue
from shared.rules.reference import load_units

DEMO_USERS_FILE = Path(__file__).parent / "demo_users.toml"
_hasher = PasswordHasher()
# What an unknown username's password is checked against, so that it takes as long as a known one's: a hash made
# with the hasher's own parameters (tests/unit/test_password_hashes.py checks they still match). Written out rather
# than computed at import, which cost every portal start ~0.15 s of CPU and a 64 MiB peak.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$kdomuY8srbGKDV01Y+dsDA$LEvjbNHFJGCu9WC32SV7KjC73HszG4C1NQNmPY6ZZXI"


async def seed_demo_users(engine: AsyncEngine, password: str, now: datetime, path: Path = DEMO_USERS_FILE) -> int:
    """Create the demo users that do not exist yet (an existing user keeps its password)."""
    with path.open("rb") as f:
        entries = tomllib.load(f)["users"]
    created = 0
    # One hash for them all: they share the one demo password, and argon2 takes ~0.15 s a hash by design
    # (11 users: 1.7 s of every start of the embedded system and of each end-to-end test).
    password_hash: str | None = None
    async with engine.begin() as conn:
        for entry in entries:
            user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == entry["username"]))
            if user_id is None:
                user_id = str(uuid4())
                await conn.execute(
                    store.users.insert().values(
                        id=user_id,
                        username=entry["username"],
                        full_name=entry["full_name"],
                        password_hash=(password_hash := password_hash or _hasher.hash(password)),
                        created_at=now,
                    )
                )
                created += 1
            await _adopt_demo_email(conn, user_id, entry.get("email"))
            held = await conn.execute(
                sa.select(store.role_grants.c.role, store.role_grants.c.unit_code).where(store.role_grants.c.user_id == user_id)
            )
            if {tuple(g) for g in held} != {(g["role"], g.get("unit_code")) for g in entry["roles"]}:
                await sessions.end_user_sessions(conn, user_id)  # roles changed: signed in again under the new ones
            await conn.execute(store.role_grants.delete().where(store.role_grants.c.user_id == user_id))
            for grant in entry["roles"]:
                await conn.execute(
                    store.role_grants.insert().values(user_id=user_id, role=grant["role"], unit_code=grant.get("unit_code"))
                )
        await announce_rosters(conn, now)
        await announce_contacts(conn, now)
    return created


async def _adopt_demo_email(conn: AsyncConnection, user_id: str, email: str | None) -> None:
    """A demo user without an address gets the file's; an address set since (`thidua users set-email`) stays."""
    if email:
        u = store.users
        await conn.execute(u.update().where(u.c.id == user_id, u.c.email.is_(None)).values(email=email))


def valid_email(email: str) -> bool:
    """One address, as a person types it: local@domain.tld, no spaces, no display name (the notifier adds the name)."""
    local, at, domain = email.partition("@")
    well_formed = bool(at and local and "@" not in domain and "." in domain.strip("."))
    return well_formed and not any(c.isspace() or c in '<>,;"' for c in email)


async def set_email(engine: AsyncEngine, username: str, email: str | None, now: datetime) -> None:
    """Give a user an email address (None: remove it); announced to the notifier (UserContactChanged)."""
    if email is not None and (len(email) > 254 or not valid_email(email)):
        raise ValueError(f"not an email address: {email!r}")
    async with engine.begin() as conn:
        user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == username))
        if user_id is None:
            raise LookupError(f"no user {username!r}")
        await conn.execute(store.users.update().where(store.users.c.id == user_id).values(email=email))
        await announce_contacts(conn, now)


async def announce_contacts(conn: AsyncConnection, now: datetime) -> list[str]:
    """Enqueue UserContactChanged for every user whose username, name, address or active state differs from the last
    announcement (every user once, at first): the notifier keeps its own copy of the addresses from these events."""
    u, a = store.users, store.announced_contacts
    rows = (await conn.execute(sa.select(u.c.id, u.c.username, u.c.full_name, u.c.email, u.c.active).order_by(u.c.id))).all()
    announced = {r.user_id: r.contact for r in await conn.execute(sa.select(a.c.user_id, a.c.contact))}
    changed = []
    for user_id, username, full_name, email, active in rows:
        contact = {"username": username, "full_name": full_name, "email": email, "active": bool(active)}
        if announced.get(user_id) == contact:
            continue
        await enqueue(conn, store.outbox, UserContactChanged(occurred_at=now, user_id=user_id, **contact))
        if user_id in announced:
            await conn.execute(a.update().where(a.c.user_id == user_id).values(contact=contact, announced_at=now))
        else:
            await conn.execute(a.insert().values(user_id=user_id, contact=contact, announced_at=now))
        changed.append(username)
    return changed


async def set_active(engine: AsyncEngine, username: str, active: bool, now: datetime) -> list[str]:
    """Activate or deactivate a user (which ends their sessions and tokens); returns the units whose approver roster
    changed (announced to review)."""
    async with engine.begin() as conn:
        user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == username))
        if user_id is None:
            raise LookupError(f"no user {username!r}")
        await conn.execute(store.users.update().where(store.users.c.id == user_id).values(active=active))
        if not active:
            await sessions.end_user_sessions(conn, user_id)
        await announce_contacts(conn, now)
        return await announce_rosters(conn, now)


async def announce_rosters(conn: AsyncConnection, now: datetime) -> list[str]:
    """Enqueue UnitApproversChanged for every unit whose active approvers differ from the last announcement.

    Every unit of the reference tree is announced once, even with nobody, so that review can tell a unit
    with no approver (escalate at once) from one it has not heard about.
    """
    u, g, a = store.users, store.role_grants, store.announced_rosters
    rows = (
        await conn.execute(
            sa.select(g.c.unit_code, u.c.id, u.c.full_name)
            .join(u, u.c.id == g.c.user_id)
            .where(g.c.role == "approver", g.c.unit_code.is_not(None), u.c.active)
            .order_by(g.c.unit_code, u.c.id)
        )
    ).all()
    current: dict[str, list[dict[str, str]]] = {code: [] for code in (unit.code for unit in load_units())}
    for unit_code, user_id, full_name in rows:
        current.setdefault(unit_code, []).append({"user_id": user_id, "full_name": full_name})
    announced = {r.unit_code: r.approvers for r in await conn.execute(sa.select(a.c.unit_code, a.c.approvers))}
    changed = [code for code, approvers in current.items() if announced.get(code) != approvers]
    for code in changed:
        approvers = current[code]
        event = UnitApproversChanged(occurred_at=now, unit_code=code, approvers=[Recipient.model_validate(x) for x in approvers])
        await enqueue(conn, store.outbox, event)
        if code in announced:
            await conn.execute(a.update().where(a.c.unit_code == code).values(approvers=approvers, announced_at=now))
        else:
            await conn.execute(a.insert().values(unit_code=code, approvers=approvers, announced_at=now))
    return changed


async def authenticate(engine: AsyncEngine, username: str, password: str) -> Actor:
    async with reading(engine) as conn:
        row = (
            (await conn.execute(sa.select(store.users).where(store.users.c.username == username, store.users.c.active)))
            .mappings()
            .first()
        )
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        row = None
    if row is None:
        raise Unauthenticated("Tên đăng nhập hoặc mật khẩu không đúng", code="invalid_credentials")
    return await actor_by_id(engine, row["id"])


async def actor_by_id(engine: AsyncEngine, user_id: str) -> Actor:
    async with reading(engine) as conn:
        row = (
            (await conn.execute(sa.select(store.users).where(store.users.c.id == user_id, store.users.c.active)))
            .mappings()
            .first()
        )
        if row is None:
            raise Unauthenticated()
        grants = (await conn.execute(sa.select(store.role_grants).where(store.role_grants.c.user_id == user_id))).mappings().all()
    return Actor(
        user_id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        roles=tuple(RoleGrant(role=g["role"], unit_code=g["unit_code"]) for g in grants),
    )


async def email_of(engine: AsyncEngine, user_id: str) -> str | None:
    """The address the notifier mails this user at (as the portal announced it), if any."""
    async with reading(engine) as conn:
        email: str | None = await conn.scalar(sa.select(store.users.c.email).where(store.users.c.id == user_id))
    return email


async def actor_by_username(engine: AsyncEngine, username: str) -> Actor | None:
    async with reading(engine) as conn:
        user_id = await conn.scalar(sa.select(store.users.c.id).where(store.users.c.username == username, store.users.c.active))
    return await actor_by_id(engine, user_id) if user_id else None


async def assignee(engine: AsyncEngine, username: str) -> Actor:
    """The person a task would be reassigned to, for review to judge. An unknown or deactivated username is a person
    with no roles: review refuses them exactly as it refuses someone who may not take the task (and refuses a caller
    who may not reassign whoever is named), so the answer never tells which usernames exist."""
    return await actor_by_username(engine, username) or Actor(user_id="", username=username)


async def approvers_of(engine: AsyncEngine, unit_code: str) -> list[tuple[str, str]]:
    """(username, full name) of the unit's active approvers, by name: whom a unit admin may hand a task to."""
    query = (
        sa.select(store.users.c.username, store.users.c.full_name)
        .join(store.role_grants, store.role_grants.c.user_id == store.users.c.id)
        .where(store.role_grants.c.role == "approver", store.role_grants.c.unit_code == unit_code, store.users.c.active)
        .order_by(store.users.c.full_name, store.users.c.username)
    )
    async with reading(engine) as conn:
        return [(row.username, row.full_name) for row in await conn.execute(query)]


def issue_token(actor: Actor, secret: str, now: datetime, ttl: timedelta, session_id: str) -> str:
    """A bearer token; `jti` is the id of its row in `sessions`, checked on every request."""
    claims: dict[str, Any] = {"sub": actor.user_id, "name": actor.username, "iat": now, "exp": now + ttl, "jti": session_id}
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(token: str, secret: str, now: datetime) -> tuple[str, str]:
    """(user id, session id) of a token signed here and not expired; whether its session is still in force is
    `sessions.check_session`'s question."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
    except jwt.PyJWTError as exc:
        raise Unauthenticated() from exc
    if claims.get("exp", 0) < now.timestamp():
        raise Unauthenticated("Phiên đăng nhập đã hết hạn, hãy đăng nhập lại", code="token_expired")
    if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("sub"), str):
        raise sessions.SessionEnded()  # a token from before sessions were recorded
    return claims["sub"], claims["jti"]
