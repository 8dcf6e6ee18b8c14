"""EventConsumer on a real broker: retries with back-off, dead letters, and a pipeline that keeps flowing.

A FastStream broker pulls from a durable consumer on the REGISTRATION stream; the tests publish raw
bytes with nats-py and read the DEADLETTER stream back with `js.get_msg`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import pytest
from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext

from shared.contracts import subjects
from shared.contracts.events import NominationSubmitted, NominationWithdrawn
from shared.contracts.subjects import ConsumerDef
from shared.platform.messaging import EventConsumer
from shared.platform.topology import ensure_topology
from tests.integration.conftest import NOW, SUBMITTER, eventually, running_broker, snapshot, stream_count, stream_messages

SERVICE = "testsvc"
CONSUMER = ConsumerDef("testsvc-registration", subjects.REGISTRATION_STREAM, (subjects.NOMINATION_WITHDRAWN,))
# The same durable as a release before the filters were narrowed created it: every event of the stream.
WIDE = ConsumerDef(CONSUMER.durable, subjects.REGISTRATION_STREAM, subjects.REGISTRATION_STREAM.subjects)
DLQ = subjects.DEADLETTER_STREAM.name
WITHDRAWN = subjects.NOMINATION_WITHDRAWN


def withdrawn(nomination_id: str = "n-1", **overrides: Any) -> bytes:
    event = NominationWithdrawn(occurred_at=NOW, actor=SUBMITTER, nomination_id=nomination_id, reason="Nộp nhầm")
    return json.dumps({**event.model_dump(mode="json"), **overrides}).encode()


class Recorder:
    """The handler under our control: records every call, fails as told."""

    def __init__(self, fail: Callable[[NominationWithdrawn, int], bool] = lambda _e, _n: False) -> None:
        self.fail = fail
        self.calls: list[str] = []
        self.handled: list[str] = []

    async def __call__(self, event: NominationWithdrawn) -> None:
        self.calls.append(event.nomination_id)
        if self.fail(event, self.calls.count(event.nomination_id)):
            raise RuntimeError(f"boom {event.nomination_id}")
        self.handled.append(event.nomination_id)


@asynccontextmanager
async def consuming(
    nats_url: str, handler: Recorder, *, max_attempts: int = 3, retry_delay: float = 0.05, durable: ConsumerDef = CONSUMER
) -> AsyncIterator[NatsBroker]:
    await ensure_topology(nats_url, (durable,))

    def wire(router: NatsRouter, broker: NatsBroker) -> None:
        EventConsumer(
            broker, SERVICE, CONSUMER, {NominationWithdrawn: handler}, max_attempts=max_attempts, retry_delay=retry_delay
        ).register(router)

    async with running_broker(nats_url, SERVICE, wire) as broker:
        yield broker


async def publish(js: JetStreamContext, payload: bytes, subject: str = WITHDRAWN, **headers: str) -> int:
    ack = await js.publish(subject, payload, headers={"Nats-Msg-Id": str(uuid.uuid4()), **headers})
    return int(ack.seq)


async def dead_letters(js: JetStreamContext, count: int = 1, within: float = 5.0) -> list[Any]:
    await eventually(lambda: stream_count(js, DLQ), lambda n: n >= count, within=within)
    return await stream_messages(js, DLQ)


async def settled(js: JetStreamContext) -> Any:
    """Wait until the consumer has nothing pending and nothing unacknowledged."""

    async def info() -> Any:
        return await js.consumer_info(CONSUMER.stream.name, CONSUMER.durable)

    return await eventually(info, lambda i: i.num_pending == 0 and i.num_ack_pending == 0)


async def wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe, bool, within=within)


@pytest.mark.asyncio
async def test_malformed_json_is_dead_lettered_at_once_with_its_reason_and_original_bytes(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Recorder()
    body = b'{"event_id": "not closed'
    async with consuming(clean_nats, handler):
        seq = await publish(js, body, **{"Nats-Msg-Id": "original-1", "Thidua-Correlation-Id": "corr-1"})
        [dead] = await dead_letters(js)
        await settled(js)

    assert handler.calls == []
    assert dead.subject == subjects.deadletter_subject(SERVICE) == "thidua.deadletter.testsvc"
    assert dead.data == body
    h = dead.headers
    assert "malformed JSON" in h["Thidua-Dlq-Reason"]
    assert h["Thidua-Dlq-Subject"] == WITHDRAWN
    assert h["Thidua-Dlq-Deliveries"] == "1"
    assert h["Thidua-Dlq-Service"] == SERVICE
    assert h["Thidua-Dlq-Consumer"] == CONSUMER.durable
    assert h["Thidua-Dlq-Stream"] == "REGISTRATION"
    assert h["Thidua-Dlq-Stream-Seq"] == str(seq)
    assert h["Thidua-Dlq-Original-Msg-Id"] == "original-1"
    assert h["Thidua-Correlation-Id"] == "corr-1"  # the sender's own headers travel along


@pytest.mark.asyncio
async def test_an_unknown_schema_version_is_dead_lettered_with_the_version_in_the_reason(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Recorder()
    body = withdrawn(schema_version=99)
    async with consuming(clean_nats, handler):
        await publish(js, body)
        [dead] = await dead_letters(js)
        await settled(js)

    assert handler.calls == []
    assert dead.data == body
    assert "unsupported schema_version 99" in dead.headers["Thidua-Dlq-Reason"]
    assert dead.headers["Thidua-Dlq-Subject"] == WITHDRAWN


@pytest.mark.asyncio
async def test_a_payload_of_the_wrong_shape_is_dead_lettered_as_invalid(clean_nats: str, js: JetStreamContext) -> None:
    handler = Recorder()
    async with consuming(clean_nats, handler):
        await publish(js, json.dumps({"schema_version": 1, "nomination_id": "n-1"}).encode())  # no occurred_at
        await publish(js, b"[1, 2, 3]")
        dead = await dead_letters(js, 2)
        await settled(js)

    assert handler.calls == []
    reasons = [d.headers["Thidua-Dlq-Reason"] for d in dead]
    assert reasons[0].startswith("invalid NominationWithdrawn")
    assert reasons[1] == "payload is not a JSON object"


@pytest.mark.asyncio
async def test_a_handler_that_always_fails_is_retried_then_dead_lettered_after_max_attempts(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Recorder(fail=lambda _e, _n: True)
    body = withdrawn("n-poison")
    async with consuming(clean_nats, handler, max_attempts=3, retry_delay=0.05):
        await publish(js, body)
        [dead] = await dead_letters(js)
        info = await settled(js)
        await asyncio.sleep(0.3)  # a terminated message must not come back
        assert handler.calls == ["n-poison"] * 3

    assert handler.handled == []
    assert dead.data == body
    reason = dead.headers["Thidua-Dlq-Reason"]
    assert "handler failed 3 times" in reason
    assert "RuntimeError('boom n-poison')" in reason
    assert dead.headers["Thidua-Dlq-Deliveries"] == "3"
    assert info.delivered.stream_seq == 1
    assert await stream_count(js, DLQ) == 1


@pytest.mark.asyncio
async def test_a_handler_that_fails_twice_then_succeeds_is_acked_and_not_dead_lettered(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Recorder(fail=lambda _e, n: n <= 2)
    async with consuming(clean_nats, handler, max_attempts=3, retry_delay=0.05):
        await publish(js, withdrawn("n-flaky"))
        await wait_for(lambda: handler.handled == ["n-flaky"])
        await settled(js)

    assert handler.calls == ["n-flaky"] * 3
    assert await stream_count(js, DLQ) == 0
    assert await stream_count(js, "REGISTRATION") == 1  # limits retention: still there for replay


@pytest.mark.asyncio
async def test_valid_messages_behind_a_poison_message_are_handled_while_it_is_being_retried(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Recorder(fail=lambda e, _n: e.nomination_id == "n-poison")
    good = [f"n-{i}" for i in range(5)]
    # Back-off of 0.5 s then 1.0 s: the poison message reaches the DLQ after about 1.5 s.
    async with consuming(clean_nats, handler, max_attempts=3, retry_delay=0.5):
        await publish(js, withdrawn("n-poison"))
        for nomination_id in good:
            await publish(js, withdrawn(nomination_id))

        await wait_for(lambda: sorted(handler.handled) == good, within=1.2)
        assert await stream_count(js, DLQ) == 0  # still being retried, yet the others went past it

        [dead] = await dead_letters(js, within=5.0)
        await settled(js)

    assert handler.calls.count("n-poison") == 3
    assert json.loads(dead.data)["nomination_id"] == "n-poison"
    assert sorted(handler.handled) == good


@pytest.mark.asyncio
async def test_events_the_durable_does_not_take_never_reach_the_service(clean_nats: str, js: JetStreamContext) -> None:
    handler = Recorder()
    other = NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot("n-other"))
    async with consuming(clean_nats, handler):
        await publish(js, other.model_dump_json().encode(), subject=subjects.NOMINATION_SUBMITTED)
        await publish(js, withdrawn("n-mine"))
        await wait_for(lambda: handler.handled == ["n-mine"])
        info = await settled(js)

    assert handler.calls == ["n-mine"]
    assert info.delivered.stream_seq == 2
    assert info.num_pending == 0
    assert info.config.filter_subject == subjects.NOMINATION_WITHDRAWN


@pytest.mark.asyncio
async def test_a_durable_still_taking_every_event_has_the_others_acked_and_ignored(clean_nats: str, js: JetStreamContext) -> None:
    handler = Recorder()
    other = NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot("n-other"))
    async with consuming(clean_nats, handler, durable=WIDE):
        await publish(js, other.model_dump_json().encode(), subject=subjects.NOMINATION_SUBMITTED)
        await publish(js, withdrawn("n-mine"))
        await wait_for(lambda: handler.handled == ["n-mine"])
        await settled(js)

    assert handler.calls == ["n-mine"]
    assert await stream_count(js, DLQ) == 0


@pytest.mark.asyncio
async def test_messages_published_before_the_service_starts_are_consumed_from_the_durable(
    clean_nats: str, js: JetStreamContext
) -> None:
    await ensure_topology(clean_nats, (CONSUMER,))
    for i in range(3):
        await publish(js, withdrawn(f"n-{i}"))
    handler = Recorder()

    async with consuming(clean_nats, handler):
        await wait_for(lambda: len(handler.handled) == 3)
        await settled(js)

    assert handler.handled == ["n-0", "n-1", "n-2"]  # in stream order, one at a time


def test_a_consumer_whose_handlers_are_not_its_durable_s_subjects_refuses_to_start() -> None:
    with pytest.raises(ValueError, match="testsvc-registration takes"):
        EventConsumer(cast(Any, None), SERVICE, CONSUMER, {NominationWithdrawn: Recorder(), NominationSubmitted: Recorder()})
    with pytest.raises(ValueError, match="must be the same events"):
        EventConsumer(cast(Any, None), SERVICE, WIDE, {NominationWithdrawn: Recorder()})
