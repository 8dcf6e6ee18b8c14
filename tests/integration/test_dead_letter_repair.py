"""Operators repair dead letters (`shared.platform.deadletters`) on a real nats-server.

A FastStream broker runs `EventConsumer` on the REGISTRATION stream, so every dead letter here is made
the way production makes it; the repair functions then read, discard and replay it with nats-py.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext

from shared.contracts import subjects
from shared.contracts.errors import NotFound, ValidationFailed
from shared.contracts.events import NominationSubmitted, NominationWithdrawn
from shared.contracts.subjects import ConsumerDef
from shared.platform import deadletters
from shared.platform.clock import FixedClock
from shared.platform.messaging import EventConsumer
from shared.platform.outbox import first_delivery
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from tests.integration.conftest import NOW, SUBMITTER, eventually, running_broker, snapshot, stream_count

SERVICE = "review"
CONSUMER = ConsumerDef(
    "opstest-registration", subjects.REGISTRATION_STREAM, (subjects.NOMINATION_WITHDRAWN, subjects.NOMINATION_SUBMITTED)
)
DLQ = subjects.DEADLETTER_STREAM.name


def withdrawn(nomination_id: str) -> NominationWithdrawn:
    return NominationWithdrawn(
        occurred_at=NOW, actor=SUBMITTER, nomination_id=nomination_id, correlation_id=nomination_id, reason="Nộp nhầm"
    )


class Handler:
    """Fails while `broken`; once fixed, records its effect through the idempotent inbox, like every service."""

    def __init__(self, ctx: ServiceContext | None = None) -> None:
        self.ctx = ctx
        self.broken = False
        self.calls = 0
        self.effects: list[str] = []

    async def ignore(self, event: NominationSubmitted) -> None:
        pass

    async def __call__(self, event: NominationWithdrawn) -> None:
        self.calls += 1
        if self.broken:
            raise RuntimeError("cơ sở dữ liệu tạm thời không kết nối được")
        if self.ctx is None:
            self.effects.append(event.nomination_id)
            return
        async with self.ctx.engine.begin() as conn:
            from services.review import store

            if await first_delivery(conn, store.inbox, CONSUMER.durable, event, NOW):
                self.effects.append(event.nomination_id)


@asynccontextmanager
async def consuming(nats_url: str, handler: Handler, *, max_attempts: int = 2) -> AsyncIterator[NatsBroker]:
    await ensure_topology(nats_url, (CONSUMER,))

    def wire(router: NatsRouter, broker: NatsBroker) -> None:
        EventConsumer(
            broker,
            SERVICE,
            CONSUMER,
            {NominationWithdrawn: handler, NominationSubmitted: handler.ignore},
            max_attempts=max_attempts,
            retry_delay=0.05,
        ).register(router)

    async with running_broker(nats_url, SERVICE, wire) as broker:
        yield broker


async def publish(js: JetStreamContext, subject: str, payload: bytes, **headers: str) -> int:
    ack = await js.publish(subject, payload, headers={"Nats-Msg-Id": str(uuid.uuid4()), **headers})
    return int(ack.seq)


async def dead_letter_count(js: JetStreamContext, n: int, within: float = 5.0) -> None:
    await eventually(lambda: stream_count(js, DLQ), lambda count: count >= n, within=within)


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe, bool, within=within)


@pytest.mark.asyncio
async def test_a_poison_message_is_listed_shown_and_discarded_with_who_and_why_in_the_audit_trail(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Handler()
    body = b'{"event_id": "not closed'
    async with consuming(clean_nats, handler):
        seq = await publish(js, subjects.NOMINATION_SUBMITTED, body, **{"Thidua-Correlation-Id": "n-42"})
        await dead_letter_count(js, 1)

    [letter] = await deadletters.list_dead_letters(js)
    assert letter.service == SERVICE
    assert letter.consumer == CONSUMER.durable
    assert letter.original_subject == subjects.NOMINATION_SUBMITTED
    assert letter.original_stream == "REGISTRATION"
    assert letter.original_seq == seq
    assert letter.deliveries == 1
    assert "malformed JSON" in letter.reason
    assert letter.payload == body.decode()
    assert letter.event_id is None  # the payload does not parse
    assert letter.correlation_id == "n-42"
    assert letter.headers["Thidua-Dlq-Subject"] == subjects.NOMINATION_SUBMITTED
    assert await deadletters.get_dead_letter(js, letter.seq) == letter

    with pytest.raises(ValidationFailed) as refused:
        await deadletters.discard(js, letter.seq, by="ops", reason="  xoá ")
    assert refused.value.fields[0].field == "reason"
    assert "ít nhất 5 ký tự" in refused.value.fields[0].message
    assert await stream_count(js, DLQ) == 1  # a refused discard removes nothing

    clock = FixedClock(NOW)
    entry = await deadletters.discard(
        js, letter.seq, by="Nguyễn Vận Hành", reason="JSON hỏng do công cụ thử, không có dữ liệu thật", clock=clock
    )

    assert await stream_count(js, DLQ) == 0
    assert await deadletters.list_dead_letters(js) == []
    with pytest.raises(NotFound):
        await deadletters.get_dead_letter(js, letter.seq)
    [audit] = await deadletters.list_audit(js)
    assert audit == entry.model_copy(update={"seq": audit.seq})
    assert (audit.action, audit.dlq_seq, audit.by) == ("discard", letter.seq, "Nguyễn Vận Hành")
    assert audit.reason == "JSON hỏng do công cụ thử, không có dữ liệu thật"
    assert audit.original_subject == subjects.NOMINATION_SUBMITTED
    assert audit.at == NOW


@pytest.mark.asyncio
async def test_a_failed_event_replayed_after_the_fix_is_processed_once_and_a_second_replay_is_refused(
    clean_nats: str, js: JetStreamContext, service_context: Callable[..., Any]
) -> None:
    handler = Handler(await service_context("review"))
    handler.broken = True
    event = withdrawn("n-replay")
    async with consuming(clean_nats, handler, max_attempts=2):
        await publish(js, event.SUBJECT, event.model_dump_json().encode(), **{"Thidua-Correlation-Id": "n-replay"})
        await dead_letter_count(js, 1)
        [letter] = await deadletters.list_dead_letters(js)
        assert letter.deliveries == 2
        assert "cơ sở dữ liệu tạm thời không kết nối được" in letter.reason  # Vietnamese survives the headers
        assert letter.event_id == str(event.event_id)
        assert letter.event_type == "NominationWithdrawn"
        assert letter.nomination_id == "n-replay"
        assert handler.effects == []

        handler.broken = False  # the operator fixed the cause
        result = await deadletters.replay(js, letter.seq, by="ops")
        await wait_until(lambda: handler.effects == ["n-replay"])

        assert (result.subject, result.stream, result.duplicate) == (event.SUBJECT, "REGISTRATION", False)
        assert await stream_count(js, DLQ) == 0
        replayed = await js.get_msg("REGISTRATION", result.stream_seq)
        assert replayed.data == event.model_dump_json().encode()
        assert replayed.headers is not None
        assert replayed.headers["Nats-Msg-Id"].startswith(f"replay:{letter.seq}:")
        assert replayed.headers["Thidua-Correlation-Id"] == "n-replay"
        assert not any(k.startswith("Thidua-Dlq-") for k in replayed.headers)

        with pytest.raises(NotFound):
            await deadletters.replay(js, letter.seq, by="ops")

        # Even a copy that escaped the duplicate window changes nothing twice: the inbox knows the event id.
        await publish(js, event.SUBJECT, event.model_dump_json().encode())
        await eventually(lambda: asyncio.sleep(0.05, handler.calls), lambda calls: calls == 4)

    assert handler.effects == ["n-replay"]
    [audit] = await deadletters.list_audit(js)
    assert (audit.action, audit.dlq_seq, audit.by, audit.replayed_to_seq) == ("replay", letter.seq, "ops", result.stream_seq)
    assert audit.event_id == str(event.event_id)


@pytest.mark.asyncio
async def test_two_operators_replaying_the_same_dead_letter_at_once_publish_it_once(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Handler()
    handler.broken = True
    event = withdrawn("n-race")
    async with consuming(clean_nats, handler, max_attempts=1):
        await publish(js, event.SUBJECT, event.model_dump_json().encode())
        await dead_letter_count(js, 1)
        [letter] = await deadletters.list_dead_letters(js)
        handler.broken = False
        before = await stream_count(js, "REGISTRATION")

        outcomes = await asyncio.gather(
            deadletters.replay(js, letter.seq, by="an"), deadletters.replay(js, letter.seq, by="binh"), return_exceptions=True
        )
        await wait_until(lambda: handler.effects == ["n-race"])
        await asyncio.sleep(0.3)

    results = [o for o in outcomes if isinstance(o, deadletters.ReplayResult)]
    assert results, outcomes
    assert all(isinstance(o, deadletters.ReplayResult | NotFound) for o in outcomes), outcomes
    assert await stream_count(js, "REGISTRATION") == before + 1  # same replay id: the stream kept one
    assert handler.effects == ["n-race"]
    assert await stream_count(js, DLQ) == 0


@pytest.mark.asyncio
async def test_dead_letters_are_listed_newest_first_per_service_and_counted(clean_nats: str, js: JetStreamContext) -> None:
    handler = Handler()
    async with consuming(clean_nats, handler):
        for i in range(3):
            await publish(js, subjects.NOMINATION_WITHDRAWN, f"bad {i}".encode())
        await dead_letter_count(js, 3)
    other = NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot("n-awards"))
    await js.publish(
        subjects.deadletter_subject("awards"),
        other.model_dump_json().encode(),
        headers={"Thidua-Dlq-Service": "awards", "Thidua-Dlq-Subject": other.SUBJECT, "Thidua-Dlq-Reason": "lỗi thử"},
    )

    everything = await deadletters.list_dead_letters(js)
    assert [d.service for d in everything] == ["awards", SERVICE, SERVICE, SERVICE]
    assert [d.payload for d in everything[1:]] == ["bad 2", "bad 1", "bad 0"]
    assert everything[0].nomination_id == "n-awards"
    assert everything[0].event_type == "NominationSubmitted"
    assert everything[0].reason == "lỗi thử"
    assert [d.payload for d in await deadletters.list_dead_letters(js, service=SERVICE, limit=2)] == ["bad 2", "bad 1"]
    assert await deadletters.list_dead_letters(js, service="registration") == []
    assert await deadletters.dead_letter_counts(js) == {"awards": 1, SERVICE: 3}

    await deadletters.discard(js, everything[2].seq, by="ops", reason="thử nghiệm xoá giữa dòng")
    assert [d.payload for d in await deadletters.list_dead_letters(js, service=SERVICE)] == ["bad 2", "bad 0"]
