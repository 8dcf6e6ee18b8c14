"""The transactional outbox against a real nats-server, on SQLite and PostgreSQL.

A use case writes its state change and its event in one transaction; `OutboxRelay` publishes the
row with `Nats-Msg-Id = event_id`, so a re-publish after a crash is dropped by the stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio
import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from sqlalchemy import event

from services.registration import routes as registration_routes
from services.registration import store
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts import subjects
from shared.contracts.events import NominationWithdrawn
from shared.platform.messaging import publish_event
from shared.platform.outbox import OutboxRelay, Publish
from shared.platform.outbox import enqueue as real_enqueue
from shared.platform.outbox_ops import outbox_retry
from shared.platform.service import ServiceContext
from shared.platform.topology import DUPLICATE_WINDOW_SECONDS
from shared.rules import reference
from tests.integration.conftest import NOW, SUBMITTER, count_rows, draft, eventually, stream_count, stream_messages

STREAM = subjects.REGISTRATION_STREAM.name


@pytest_asyncio.fixture
async def registration(service_context: Callable[..., Any]) -> ServiceContext:
    ctx: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    return ctx


def relay_for(ctx: ServiceContext, broker: NatsBroker, *, publish: Publish | None = None, **kwargs: Any) -> OutboxRelay:
    """A relay of registration's outbox, publishing to `broker` (or through `publish`)."""

    async def to_broker(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(broker, subject, payload, headers)

    return OutboxRelay(ctx.engine, store.outbox, publish or to_broker, ctx.clock, **kwargs)


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[OutboxRelay]:
    relay.start()
    try:
        yield relay
    finally:
        await relay.stop(flush_timeout=5.0)


class Outage:
    """The bus as the relay sees it: every publish refused while `down`, then published."""

    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker
        self.down = True

    async def publish(self, subject: str, payload: bytes, headers: dict[str, str]) -> None:
        if self.down:
            raise ConnectionError("nats unavailable")
        await publish_event(self.broker, subject, payload, headers)


async def outbox_rows(ctx: ServiceContext) -> list[Any]:
    async with ctx.engine.connect() as conn:
        return list((await conn.execute(sa.select(store.outbox).order_by(store.outbox.c.id))).mappings().all())


@pytest.mark.asyncio
async def test_relay_publishes_a_submitted_nomination_with_its_event_id_as_msg_id(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    nomination = await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
    [row] = await outbox_rows(registration)
    assert row["published_at"] is None

    published = await relay_for(registration, broker).publish_batch()

    assert published == 1
    [msg] = await stream_messages(js, STREAM)
    assert msg.subject == subjects.NOMINATION_SUBMITTED
    assert msg.headers["Nats-Msg-Id"] == row["event_id"]
    body = json.loads(msg.data)
    assert body["event_id"] == row["event_id"]
    assert body["nomination"]["id"] == nomination["id"]
    assert body["nomination"]["unit_path"][0]["code"] == "HN-SONTAY-DST"
    [row] = await outbox_rows(registration)
    assert row["published_at"] is not None


@pytest.mark.asyncio
async def test_republishing_a_row_after_a_crash_before_marking_it_adds_no_second_stream_message(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
    relay = relay_for(registration, broker)
    assert await relay.publish_batch() == 1
    assert await stream_count(js, STREAM) == 1
    # The relay died after the PubAck but before its commit: the row is pending again.
    async with registration.engine.begin() as conn:
        await conn.execute(store.outbox.update().values(published_at=None))
    assert await relay.pending() == 1

    assert await relay.publish_batch() == 1

    assert await stream_count(js, STREAM) == 1
    assert await relay.pending() == 0
    info = await js.stream_info(STREAM)
    assert info.config.duplicate_window == DUPLICATE_WINDOW_SECONDS


@pytest.mark.asyncio
async def test_the_stream_acks_a_republished_event_id_as_a_duplicate(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
    acks: list[Any] = []

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        acks.append(await js.publish(subject, payload, headers=headers))

    relay = OutboxRelay(registration.engine, store.outbox, publish, registration.clock)
    await relay.publish_batch()
    async with registration.engine.begin() as conn:
        await conn.execute(store.outbox.update().values(published_at=None))
    await relay.publish_batch()

    assert [bool(a.duplicate) for a in acks] == [False, True]
    assert acks[0].seq == acks[1].seq == 1


@pytest.mark.asyncio
async def test_rows_of_several_use_cases_are_published_in_commit_order(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    first = await registration_routes.operations(registration)["submit"](SUBMITTER, draft("Nguyễn Văn An"))
    second = await registration_routes.operations(registration)["submit"](SUBMITTER, draft("Trần Thị Bình"))
    await registration_routes.operations(registration)["withdraw"](SUBMITTER, {"id": first["id"], "reason": "Nộp nhầm"})

    await relay_for(registration, broker, batch_size=2).flush()

    messages = await stream_messages(js, STREAM)
    assert [m.subject for m in messages] == [
        subjects.NOMINATION_SUBMITTED,
        subjects.NOMINATION_SUBMITTED,
        subjects.NOMINATION_WITHDRAWN,
    ]
    bodies = [json.loads(m.data) for m in messages]
    assert bodies[0]["nomination"]["id"] == first["id"]
    assert bodies[1]["nomination"]["id"] == second["id"]
    assert bodies[2]["nomination_id"] == first["id"]
    assert [m.headers["Nats-Msg-Id"] for m in messages] == [r["event_id"] for r in await outbox_rows(registration)]


async def withdrawals(ctx: ServiceContext, count: int) -> list[str]:
    """`count` outbox rows written straight into the outbox (one transaction), their event ids in id order."""
    events = [NominationWithdrawn(occurred_at=NOW, actor=SUBMITTER, nomination_id=f"n-{i}") for i in range(count)]
    async with ctx.engine.begin() as conn:
        await real_enqueue(conn, store.outbox, *events)
    return [str(e.event_id) for e in events]


@pytest.mark.asyncio
async def test_a_batch_published_without_waiting_for_each_ack_reaches_the_stream_in_id_order(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    event_ids = await withdrawals(registration, 250)

    await relay_for(registration, broker, batch_size=100).flush()

    messages = await stream_messages(js, STREAM)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == event_ids
    assert all(r["published_at"] is not None for r in await outbox_rows(registration))


@pytest.mark.asyncio
async def test_a_failure_inside_a_batch_marks_only_the_rows_before_it_and_the_rest_goes_out_once(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    event_ids = await withdrawals(registration, 10)
    failing = {event_ids[4]}

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        if headers["Nats-Msg-Id"] in failing:
            raise TimeoutError("no PubAck")
        await publish_event(broker, subject, payload, headers)

    relay = OutboxRelay(registration.engine, store.outbox, publish, registration.clock)
    assert await relay.publish_batch() == 4
    rows = await outbox_rows(registration)
    assert [r["published_at"] is not None for r in rows] == [True] * 4 + [False] * 6
    assert rows[4]["attempts"] == 1
    assert "no PubAck" in rows[4]["last_error"]
    assert all(r["attempts"] == 0 for r in rows[5:])  # published, but left pending behind the failure

    failing.clear()
    assert await relay.publish_batch() == 6
    messages = await stream_messages(js, STREAM)
    # the rows after the failure reached the stream in the first batch; publishing them again added nothing
    assert sorted(m.headers["Nats-Msg-Id"] for m in messages) == sorted(event_ids)
    assert [m.headers["Nats-Msg-Id"] for m in messages] == event_ids[:4] + event_ids[5:] + [event_ids[4]]


@pytest.mark.asyncio
async def test_a_rolled_back_use_case_leaves_no_outbox_row_and_publishes_nothing(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []

    async def enqueue_then_fail(conn: Any, outbox: sa.Table, *events: Any) -> None:
        await real_enqueue(conn, outbox, *events)
        written.append(await conn.scalar(sa.select(sa.func.count()).select_from(outbox)))
        raise RuntimeError("database went away before commit")

    monkeypatch.setattr(store.sql, "enqueue", enqueue_then_fail)

    with pytest.raises(RuntimeError, match="before commit"):
        await registration_routes.operations(registration)["submit"](SUBMITTER, draft())

    assert written == [1]  # the row existed inside the transaction
    assert await count_rows(registration.engine, store.outbox) == 0
    assert await count_rows(registration.engine, store.nominations) == 0
    assert await relay_for(registration, broker).publish_batch() == 0
    assert await stream_count(js, STREAM) == 0


@pytest.mark.asyncio
async def test_a_failed_publish_keeps_the_row_pending_with_its_error_and_a_later_batch_sends_it(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
    outage = Outage(broker)
    relay = relay_for(registration, broker, publish=outage.publish)
    assert await relay.publish_batch() == 0
    [row] = await outbox_rows(registration)
    assert row["published_at"] is None
    assert row["attempts"] == 1
    assert "nats unavailable" in row["last_error"]
    assert await stream_count(js, STREAM) == 0

    outage.down = False
    assert await relay.publish_batch() == 1
    assert await stream_count(js, STREAM) == 1


@pytest.mark.asyncio
async def test_a_running_relay_publishes_a_use_cases_events_without_waiting_for_its_poll(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    relay = relay_for(registration, broker, poll_interval=30.0)
    async with running(relay):
        await asyncio.sleep(0.1)  # let the loop finish its first (empty) pass and wait on its poll
        await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
        await eventually(lambda: stream_count(js, STREAM), lambda n: n == 1, within=5.0)
    assert await relay.pending() == 0


@pytest.mark.asyncio
async def test_any_transaction_that_wrote_outbox_rows_wakes_the_relay_when_it_ends(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    """No write path has to remember to wake the relay (the portal's user changes call nothing): `enqueue` marks the
    connection and the relay wakes when the pool takes it back, after the commit; a rolled-back write publishes nothing."""
    relay = relay_for(registration, broker, poll_interval=30.0)
    async with running(relay):
        await asyncio.sleep(0.1)  # the first (empty) pass is done: the relay waits on its 30 s poll
        with contextlib.suppress(RuntimeError):
            async with registration.engine.begin() as conn:  # rolled back
                await real_enqueue(conn, store.outbox, NominationWithdrawn(nomination_id=str(uuid4()), occurred_at=NOW))
                raise RuntimeError("rolled back")
        async with registration.engine.begin() as conn:
            await real_enqueue(conn, store.outbox, NominationWithdrawn(nomination_id=str(uuid4()), occurred_at=NOW))
        await eventually(lambda: stream_count(js, STREAM), lambda n: n == 1, within=5.0)
        await eventually(relay.pending, lambda n: n == 0, within=5.0)  # marked published once its batch commits
        assert event.contains(registration.engine.sync_engine, "checkin", relay._checked_in)
    assert not event.contains(registration.engine.sync_engine, "checkin", relay._checked_in)  # stopped: woken no more


@pytest.mark.asyncio
async def test_a_failed_publish_is_tried_again_within_the_retry_interval_not_the_poll(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    outage = Outage(broker)
    relay = relay_for(registration, broker, publish=outage.publish, poll_interval=30.0, retry_interval=0.2)
    async with running(relay):
        await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
        await eventually(lambda: outbox_rows(registration), lambda rows: rows[0]["attempts"] >= 2, within=5.0)
        outage.down = False
        await eventually(lambda: stream_count(js, STREAM), lambda n: n == 1, within=5.0)


@pytest.mark.asyncio
async def test_an_operators_retry_wakes_a_failing_relay_at_once(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    """`ops_outbox_retry` writes no outbox row, only clears the failures; the relay still wakes when it commits."""
    outage = Outage(broker)
    relay = relay_for(registration, broker, publish=outage.publish, poll_interval=30.0, retry_interval=30.0)
    async with running(relay):
        await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
        await eventually(lambda: outbox_rows(registration), lambda rows: rows[0]["attempts"] >= 1, within=5.0)
        outage.down = False
        assert await outbox_retry(registration.engine, store.outbox) == 1
        await eventually(lambda: stream_count(js, STREAM), lambda n: n == 1, within=5.0)


@pytest.mark.asyncio
async def test_a_relay_that_could_not_read_its_outbox_tries_again_within_the_retry_interval(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database away when the relay looked (nothing was written meanwhile to wake it): the rows committed before
    go out a retry interval after it is back, not a poll later."""
    await registration_routes.operations(registration)["submit"](SUBMITTER, draft())
    relay = relay_for(registration, broker, poll_interval=30.0, retry_interval=0.2)
    real_publish_batch, failures = relay.publish_batch, [ConnectionRefusedError("database unavailable")] * 2

    async def publish_batch() -> int:
        if failures:
            raise failures.pop()
        return await real_publish_batch()

    monkeypatch.setattr(relay, "publish_batch", publish_batch)
    async with running(relay):
        await eventually(lambda: stream_count(js, STREAM), lambda n: n == 1, within=5.0)


@pytest.mark.asyncio
async def test_two_relay_replicas_publish_every_row_exactly_once(
    registration: ServiceContext, broker: NatsBroker, js: JetStreamContext
) -> None:
    for i in range(10):
        await registration_routes.operations(registration)["submit"](SUBMITTER, draft(f"Người số {i}"))
    sent: list[str] = []

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        sent.append(headers["Nats-Msg-Id"])
        await asyncio.sleep(0.01)  # a slow network keeps the batches' transactions overlapping
        await publish_event(broker, subject, payload, headers)

    replicas = [OutboxRelay(registration.engine, store.outbox, publish, registration.clock, batch_size=3) for _ in range(2)]
    await asyncio.gather(*(r.flush() for r in replicas))

    expected = sorted(r["event_id"] for r in await outbox_rows(registration))
    if registration.engine.dialect.name == "postgresql":
        assert sorted(sent) == expected  # SKIP LOCKED: nobody sent a row twice
    else:
        # SQLite: the relay publishes outside the single write lock, so two relays may send a row twice;
        # the stream's duplicate window (Nats-Msg-Id = event id) keeps one.
        assert sorted(set(sent)) == expected
    assert await replicas[0].pending() == 0
    assert await stream_count(js, STREAM) == 10
