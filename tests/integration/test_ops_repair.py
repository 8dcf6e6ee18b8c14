"""Operators' views of a service's own data: a stuck outbox and how to retry it, nominations stuck at a step.

Real databases (SQLite and PostgreSQL), a real nats-server for the relay that recovers, a fixed clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.registration import routes as registration_routes
from services.registration import store
from services.registration.usecases import reactions as registration_reactions
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor, RoleGrant, TaskOpened, TaskSnapshot
from shared.platform.clock import FixedClock
from shared.platform.messaging import publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.outbox_ops import outbox_operations, outbox_retry, outbox_status
from shared.platform.service import ServiceContext
from shared.rules import reference
from tests.integration.conftest import SUBMITTER, draft, path_of, stream_count

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
OPS = Actor(user_id="u-ops", username="ops", roles=(RoleGrant(role="ops"),))
ADMIN = Actor(user_id="u-admin", username="admin", roles=(RoleGrant(role="admin"),))


@pytest_asyncio.fixture
async def registration(service_context: Callable[..., Any]) -> ServiceContext:
    ctx: ServiceContext = await service_context("registration", clock=FixedClock(START))
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    return ctx


def clock_of(ctx: ServiceContext) -> FixedClock:
    assert isinstance(ctx.clock, FixedClock)
    return ctx.clock


async def broken_publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
    raise ConnectionError("nats: no responders available for request")


@pytest.mark.asyncio
async def test_a_failing_outbox_shows_its_backlog_and_error_and_publishes_after_a_retry(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft("Nguyễn Văn An"))
    clock_of(registration).advance(timedelta(minutes=10))
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft("Trần Thị Bình"))
    stuck = OutboxRelay(registration.engine, store.outbox, broken_publish, registration.clock)
    assert await stuck.publish_batch() == 0
    assert await stuck.publish_batch() == 0
    clock_of(registration).advance(timedelta(minutes=5))
    ops = outbox_operations(registration, store.outbox)

    status = await ops["ops_outbox_status"](OPS, {})

    assert status["pending"] == 2
    assert status["oldest_pending_age_seconds"] == 15 * 60
    assert status["oldest_pending_at"] == START.isoformat().replace("+00:00", "Z")
    assert status["failing_count"] == 1  # the relay stops at the first failing row, keeping order
    [failing] = status["failing"]
    assert failing["attempts"] == 2
    assert "no responders" in failing["last_error"]
    assert failing["subject"] == "thidua.registration.nomination_submitted"

    with pytest.raises(Forbidden):
        await ops["ops_outbox_status"](SUBMITTER, {})
    with pytest.raises(Forbidden):
        await ops["ops_outbox_retry"](SUBMITTER, {})
    assert await ops["ops_outbox_retry"](ADMIN, {"ids": [failing["id"] + 1]}) == {"retried": 0}  # not failing

    assert await ops["ops_outbox_retry"](OPS, {}) == {"retried": 1}
    after_retry = await outbox_status(registration.engine, store.outbox, registration.clock.now())
    assert (after_retry.pending, after_retry.failing_count) == (2, 0)

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(broker, subject, payload, headers)

    assert await OutboxRelay(registration.engine, store.outbox, publish, registration.clock).publish_batch() == 2
    healthy = await outbox_status(registration.engine, store.outbox, registration.clock.now())
    assert (healthy.pending, healthy.oldest_pending_age_seconds, healthy.failing) == (0, None, [])
    assert await stream_count(js, "REGISTRATION") == 2
    assert await outbox_retry(registration.engine, store.outbox) == 0


def opened(nomination_id: str, at: datetime) -> TaskOpened:
    task = TaskSnapshot(
        task_id=f"t-{nomination_id}", nomination_id=nomination_id, unit=path_of("HN-SONTAY")[0], state="open", round=1
    )
    return TaskOpened(occurred_at=at, correlation_id=nomination_id, task=task)


@pytest.mark.asyncio
async def test_nominations_waiting_longer_than_the_threshold_are_listed_oldest_first_with_the_step_they_stopped_at(
    registration: ServiceContext,
) -> None:
    clock = clock_of(registration)
    rpc = registration_routes.operations(registration)
    queued = await rpc["submit"](SUBMITTER, draft("Nguyễn Văn An"))  # day 0
    clock.advance(timedelta(hours=6))
    queued_at_sontay = opened(queued["id"], clock.now())  # queued at Sơn Tây, day 0 + 6 h
    await registration_reactions.on_review_event(RegistrationContext.of(registration), queued_at_sontay)
    clock.advance(timedelta(days=1))
    withdrawn = await rpc["submit"](SUBMITTER, draft("Lê Văn Cường"))  # day 1, then withdrawn: final
    await rpc["withdraw"](SUBMITTER, {"id": withdrawn["id"], "reason": "Nộp nhầm"})
    clock.advance(timedelta(days=1))
    submitted = await rpc["submit"](SUBMITTER, draft("Trần Thị Bình"))  # day 2, nothing since
    clock.advance(timedelta(days=2))  # now: day 4 + 6 h

    older_than_3d = await rpc["ops_stuck"](OPS, {"older_than_seconds": 3 * 86400})
    older_than_1d = await rpc["ops_stuck"](ADMIN, {"older_than_seconds": 86400})

    assert older_than_3d["total"] == 1
    [item] = older_than_3d["items"]
    assert item["id"] == queued["id"]
    assert item["status"] == "in_review"
    assert item["step"]["step"] == "queued"
    assert item["step"]["label"] == "Chuyển vào hộp việc"
    assert item["step"]["unit_code"] == "HN-SONTAY"
    assert item["step"]["at"] == (START + timedelta(hours=6)).isoformat()
    assert item["waiting_seconds"] == 4 * 86400
    assert item["nominee_name"] == "Nguyễn Văn An"
    assert [i["id"] for i in older_than_1d["items"]] == [queued["id"], submitted["id"]]
    assert older_than_1d["items"][1]["step"]["step"] == "submitted"
    limited = await rpc["ops_stuck"](OPS, {"older_than_seconds": 86400, "limit": 1})
    assert (limited["total"], len(limited["items"])) == (2, 1)
    with pytest.raises(Forbidden):
        await rpc["ops_stuck"](SUBMITTER, {})
