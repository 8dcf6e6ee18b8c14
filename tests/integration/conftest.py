"""Helpers for the integration tests: a nats-py JetStream client, polling, brokers, and event builders.

Everything here talks to the real nats-server of the session (`clean_nats`) and to the fresh
databases of `service_context`; nothing is mocked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import nats
import pytest_asyncio
import sqlalchemy as sa
from faststream.nats import NatsBroker, NatsRouter
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.registration import routes
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.events import Actor, NominationSnapshot, Nominee, RoleGrant
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW
from shared.contracts.values import UnitRef
from shared.platform.messaging import make_broker
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_streams, ensure_topology
from shared.rules import reference
from shared.rules.reference import load_units

T = TypeVar("T")

UNITS = {u.code: u for u in load_units()}
SUBMITTER = Actor(
    user_id="u-dst",
    username="cdcs.dst",
    full_name="Cán bộ CĐCS Đường sắt",
    roles=(RoleGrant(role="submitter", unit_code="HN-SONTAY-DST"),),
)


def approver(username: str, full_name: str, unit_code: str) -> Actor:
    """An approver of one unit, with a user id derived from the username ('ld.sontay' -> 'u-sontay')."""
    user_id = "u-" + username.rsplit(".", maxsplit=1)[-1]
    grant = RoleGrant(role="approver", unit_code=unit_code)
    return Actor(user_id=user_id, username=username, full_name=full_name, roles=(grant,))


APPROVER_SONTAY = approver("ld.sontay", "Lãnh đạo LĐLĐ Sơn Tây", "HN-SONTAY")


async def eventually(
    probe: Callable[[], Awaitable[T]], until: Callable[[T], bool], *, within: float = 5.0, interval: float = 0.02
) -> T:
    """Poll `probe` until `until(result)`; fail with the last result after `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        result = await probe()
        if until(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {result!r}")
        await asyncio.sleep(interval)


@pytest_asyncio.fixture
async def nc(clean_nats: str) -> AsyncIterator[NatsClient]:
    """A plain nats-py connection to the session's server, every stream deleted beforehand."""
    client = await nats.connect(clean_nats, name="thidua-tests")
    yield client
    await client.close()


@pytest_asyncio.fixture
async def js(nc: NatsClient) -> JetStreamContext:
    return nc.jetstream()


@pytest_asyncio.fixture
async def broker(clean_nats: str, js: JetStreamContext) -> AsyncIterator[NatsBroker]:
    """A started broker as registration runs it, with every stream in place (the relay publishes through it)."""
    await ensure_streams(js)
    b = make_broker(clean_nats, "registration")
    await b.start()
    yield b
    await b.stop()


async def stream_count(js: JetStreamContext, stream: str) -> int:
    try:
        info = await js.stream_info(stream)
    except NotFoundError:
        return 0
    return int(info.state.messages)


async def stream_messages(js: JetStreamContext, stream: str) -> list[Any]:
    """Every message stored in `stream`, in order (RawStreamMsg: .subject, .data, .headers, .seq)."""
    info = await js.stream_info(stream)
    first, last = info.state.first_seq, info.state.last_seq
    if info.state.messages == 0:
        return []
    return [await js.get_msg(stream, seq) for seq in range(first, last + 1)]


@asynccontextmanager
async def running_broker(
    nats_url: str, service: str, wire: Callable[[NatsRouter, NatsBroker], None] | None = None
) -> AsyncIterator[NatsBroker]:
    """A started FastStream broker (streams and consumers must already exist), stopped on exit."""
    broker = make_broker(nats_url, service)
    if wire is not None:
        router = NatsRouter()
        wire(router, broker)
        broker.include_router(router)
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


async def count_rows(engine: AsyncEngine, table: sa.Table, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table).where(*where)) or 0)


def path_of(code: str) -> list[UnitRef]:
    chain: list[UnitRef] = []
    unit = UNITS.get(code)
    while unit is not None:
        chain.append(unit.ref())
        unit = UNITS.get(unit.parent) if unit.parent else None
    return chain


def snapshot(
    nomination_id: str,
    *,
    unit_code: str = "HN-SONTAY-DST",
    award_code: str = "giay_khen_ldld_huyen",
    awarding_level: str = "district",
    name: str = "Nguyễn Văn An",
    kind: str = "individual",
) -> NominationSnapshot:
    return NominationSnapshot(
        id=nomination_id,
        unit_path=path_of(unit_code),
        award_code=award_code,
        award_name=award_code,
        awarding_level=awarding_level,
        catalog_version="union-2024.1",
        period="2026",
        nominee=Nominee.model_validate({"kind": kind, "name": name}),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    )


NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
OPS = Actor(user_id="u-ops", username="ops", full_name="Cán bộ vận hành", roles=(RoleGrant(role="ops"),))


def draft(name: str = "Nguyễn Văn An") -> dict[str, Any]:
    """What a CĐCS of Sơn Tây submits for a district Giấy khen (the body of registration's `submit`)."""
    return {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }


# Registration on a real broker, for the tests of its RPC operations (a test file may define its own, e.g. with a clock).
@pytest_asyncio.fixture
async def registration(service_context: Callable[..., Any], clean_nats: str) -> AsyncIterator[ServiceContext]:
    """Registration wired on a started broker, as `thidua up` runs it (minus HTTP and the relay)."""
    ctx: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS))
    async with running_broker(clean_nats, "registration", lambda router, broker: routes.wire(router, broker, ctx)):
        yield ctx
