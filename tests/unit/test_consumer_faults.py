"""EventConsumer on an outage: a transient fault is naked with back-off and never counted; poison still dead-letters.

A hand-written stand-in for JetStream redelivers a naked message with its delivery count raised, as the
server does; the consumer's decisions (ack, nak with which delay, term, copy to DEADLETTER) are recorded.
The real server's side of it is proven in tests/e2e/test_database_outage.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from prometheus_client import CollectorRegistry

from shared.contracts import subjects
from shared.contracts.errors import Conflict, InconsistentEvent, ServiceUnavailable
from shared.contracts.events import Actor, NominationWithdrawn, RoleGrant
from shared.contracts.subjects import ConsumerDef
from shared.platform.faults import Backoff
from shared.platform.messaging import EventConsumer

SERVICE = "testsvc"
CONSUMER = ConsumerDef("testsvc-registration", subjects.REGISTRATION_STREAM, (subjects.NOMINATION_WITHDRAWN,))
QUICK = Backoff(base=0.001, cap=0.004)
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SUBMITTER = Actor(
    user_id="u-dst", username="cdcs.dst", full_name="Cán bộ CĐCS", roles=(RoleGrant(role="submitter", unit_code="HN-SONTAY-DST"),)
)


@dataclass
class Sequence:
    stream: int


@dataclass
class Metadata:
    num_delivered: int
    sequence: Sequence


@dataclass
class RawMessage:
    subject: str
    metadata: Metadata


@dataclass
class Delivery:
    """One delivery of a stored message, and what the consumer answered."""

    body: bytes
    raw_message: RawMessage
    headers: dict[str, str] = field(default_factory=dict)
    outcome: tuple[str, float | None] | None = None

    async def ack(self) -> None:
        self.outcome = ("ack", None)

    async def nack(self, delay: float | None = None) -> None:
        self.outcome = ("nak", delay)

    async def reject(self) -> None:
        self.outcome = ("term", None)


class Stream:
    """Redelivers a message while the consumer naks it, counting deliveries as JetStream does."""

    def __init__(self, event: NominationWithdrawn, seq: int = 7) -> None:
        self.body = event.model_dump_json().encode()
        self.seq = seq
        self.deliveries: list[Delivery] = []
        self.pauses: list[float] = []  # how long the consumer stopped pulling after each delivery lost to an outage

    async def deliver_until_settled(self, consumer: EventConsumer, limit: int = 200) -> Delivery:
        for n in range(1, limit + 1):
            delivery = Delivery(
                body=self.body,
                raw_message=RawMessage(subjects.NOMINATION_WITHDRAWN, Metadata(n, Sequence(self.seq))),
                headers={"Nats-Msg-Id": f"msg-{self.seq}"},
            )
            self.deliveries.append(delivery)
            failures_before = consumer.outage.failures if consumer.outage else 0
            await consumer.handle(delivery)
            assert delivery.outcome is not None, "the consumer left a message without an answer"
            if consumer.outage is not None and consumer.outage.failures > failures_before:
                self.pauses.append(consumer.outage.pause)
            if delivery.outcome[0] != "nak":
                return delivery
        raise AssertionError(f"still naked after {limit} deliveries")

    def naks(self) -> list[float | None]:
        return [d.outcome[1] for d in self.deliveries if d.outcome and d.outcome[0] == "nak"]


class Bus:
    """The broker as the consumer uses it: publishing a dead letter to the DEADLETTER stream."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes, dict[str, str]]] = []

    async def publish(self, body: bytes, subject: str, *, headers: dict[str, str], stream: str, **_options: Any) -> None:
        assert stream == subjects.DEADLETTER_STREAM.name
        self.published.append((subject, body, headers))


class Handler:
    """Fails the first calls with what `failures` gives, then succeeds."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.handled: list[str] = []

    async def __call__(self, event: NominationWithdrawn) -> None:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.handled.append(event.nomination_id)


def withdrawn(nomination_id: str = "n-1") -> NominationWithdrawn:
    return NominationWithdrawn(occurred_at=NOW, actor=SUBMITTER, nomination_id=nomination_id, reason="Nộp nhầm")


def consumer_with(
    handler: Callable[[NominationWithdrawn], Any], *, max_attempts: int = 3, backoff: Backoff = QUICK
) -> tuple[EventConsumer, Bus, CollectorRegistry]:
    bus, registry = Bus(), CollectorRegistry()
    consumer = EventConsumer(
        cast(Any, bus),
        SERVICE,
        CONSUMER,
        {NominationWithdrawn: handler},
        max_attempts=max_attempts,
        retry_delay=0.01,
        outage_backoff=backoff,
        registry=registry,
    )
    return consumer, bus, registry


def retries(registry: CollectorRegistry, fault: str) -> float:
    labels = {"service": SERVICE, "consumer": CONSUMER.durable, "fault": fault}
    return registry.get_sample_value("thidua_event_retries_total", labels) or 0.0


def refused() -> ConnectionRefusedError:
    return ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


@pytest.mark.asyncio
async def test_a_database_outage_far_longer_than_max_attempts_is_waited_out_and_never_dead_lettered() -> None:
    handler = Handler([refused() for _ in range(25)])
    consumer, bus, registry = consumer_with(handler, max_attempts=3)
    stream = Stream(withdrawn())

    last = await stream.deliver_until_settled(consumer)

    assert last.outcome == ("ack", None)
    assert last.raw_message.metadata.num_delivered == 26
    assert handler.handled == ["n-1"]
    assert bus.published == []  # no dead letter, though 25 deliveries failed and max_attempts is 3
    assert stream.naks() == [None] * 25  # back at once, first in line for when the consumer pulls again
    assert stream.pauses == [QUICK.delay(n) for n in range(1, 26)]  # the consumer's capped exponential back-off
    assert stream.pauses[:4] == [0.001, 0.002, 0.004, 0.004]
    assert retries(registry, "transient") == 25
    assert retries(registry, "failure") == 0
    assert consumer.waiting_on() is None  # recovered


@pytest.mark.asyncio
async def test_a_service_answering_503_is_waited_out_like_a_database_outage() -> None:
    handler = Handler([ServiceUnavailable() for _ in range(6)])
    consumer, bus, _ = consumer_with(handler, max_attempts=2)

    last = await Stream(withdrawn()).deliver_until_settled(consumer)

    assert last.outcome == ("ack", None)
    assert bus.published == []


@pytest.mark.asyncio
async def test_a_poison_message_is_still_dead_lettered_after_max_attempts_failures() -> None:
    handler = Handler([RuntimeError("boom") for _ in range(10)])
    consumer, bus, registry = consumer_with(handler, max_attempts=3)
    stream = Stream(withdrawn("n-poison"))

    last = await stream.deliver_until_settled(consumer)

    assert last.outcome == ("term", None)
    assert handler.calls == 3
    assert stream.naks() == [0.01, 0.02]  # retry_delay × failures
    [(subject, _, headers)] = bus.published
    assert subject == subjects.deadletter_subject(SERVICE)
    assert "handler failed 3 times: RuntimeError('boom')" in headers["Thidua-Dlq-Reason"]
    assert headers["Thidua-Dlq-Stream-Seq"] == "7"
    assert retries(registry, "failure") == 2
    assert retries(registry, "transient") == 0


@pytest.mark.asyncio
async def test_an_event_that_contradicts_the_services_record_is_dead_lettered_at_once_as_inconsistent() -> None:
    handler = Handler([InconsistentEvent("approval for award X, nomination n-1 asks for Y")])
    consumer, bus, registry = consumer_with(handler, max_attempts=5)

    last = await Stream(withdrawn()).deliver_until_settled(consumer)

    assert last.outcome == ("term", None)
    assert handler.calls == 1  # never retried: no retry changes what the service knows
    [(_, _, headers)] = bus.published
    assert headers["Thidua-Dlq-Reason"] == "inconsistent_event: approval for award X, nomination n-1 asks for Y"
    labels = {"service": SERVICE, "consumer": CONSUMER.durable, "reason": "inconsistent_event"}
    assert registry.get_sample_value("thidua_dead_letters_total", labels) == 1


@pytest.mark.asyncio
async def test_only_real_failures_count_when_an_outage_comes_first() -> None:
    """Ten deliveries lost to an outage, then a bug: the bug still gets its three tries, no fewer."""
    handler = Handler([*(refused() for _ in range(10)), *(Conflict("trạng thái lạ") for _ in range(5))])
    consumer, bus, registry = consumer_with(handler, max_attempts=3)
    stream = Stream(withdrawn("n-late-poison"))

    last = await stream.deliver_until_settled(consumer)

    assert last.outcome == ("term", None)
    assert handler.calls == 13
    [(_, _, headers)] = bus.published
    assert headers["Thidua-Dlq-Deliveries"] == "13"
    assert "handler failed 3 times" in headers["Thidua-Dlq-Reason"]
    assert (retries(registry, "transient"), retries(registry, "failure")) == (10, 2)


@pytest.mark.asyncio
async def test_a_failure_count_is_kept_per_message_and_forgotten_once_it_is_handled() -> None:
    handler = Handler([RuntimeError("flaky"), RuntimeError("flaky")])
    consumer, bus, _ = consumer_with(handler, max_attempts=3)

    first = await Stream(withdrawn("n-a"), seq=1).deliver_until_settled(consumer)
    assert first.outcome == ("ack", None)
    assert len(consumer.failures) == 0

    handler.failures = [RuntimeError("flaky"), RuntimeError("flaky")]
    second = await Stream(withdrawn("n-b"), seq=2).deliver_until_settled(consumer)

    assert second.outcome == ("ack", None)  # two failures each: neither reached three
    assert bus.published == []


@pytest.mark.asyncio
async def test_while_waiting_the_consumer_says_why_and_stops_pulling_for_the_backoff() -> None:
    pause = Backoff(base=0.2, cap=0.2)
    handler = Handler([refused()])
    consumer, _, _ = consumer_with(handler, backoff=pause)
    delivery = Delivery(
        body=withdrawn().model_dump_json().encode(),
        raw_message=RawMessage(subjects.NOMINATION_WITHDRAWN, Metadata(1, Sequence(3))),
    )

    started = time.monotonic()
    await consumer.handle(delivery)
    held = time.monotonic() - started

    assert delivery.outcome == ("nak", None)
    assert held >= 0.19  # the pull loop waits for the handler: nothing else is fetched meanwhile
    assert consumer.waiting_on() == "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)"


@pytest.mark.asyncio
async def test_stopping_the_service_cuts_an_outage_pause_short() -> None:
    handler = Handler([refused()])
    consumer, _, _ = consumer_with(handler, backoff=Backoff(base=30.0, cap=30.0))
    delivery = Delivery(
        body=withdrawn().model_dump_json().encode(),
        raw_message=RawMessage(subjects.NOMINATION_WITHDRAWN, Metadata(1, Sequence(3))),
    )

    handling: asyncio.Task[None] = asyncio.ensure_future(consumer.handle(delivery))
    await asyncio.sleep(0.05)
    assert not handling.done()  # pausing for 30 s
    consumer.stop()
    await asyncio.wait_for(handling, 1.0)

    assert delivery.outcome == ("nak", None)  # handed back before the pause: the server redelivers it to whoever runs next


@pytest.mark.asyncio
async def test_the_dependency_coming_back_ends_the_pause_at_once() -> None:
    handler = Handler([refused()])
    consumer, _, _ = consumer_with(handler, backoff=Backoff(base=30.0, cap=30.0))
    delivery = Delivery(
        body=withdrawn().model_dump_json().encode(),
        raw_message=RawMessage(subjects.NOMINATION_WITHDRAWN, Metadata(1, Sequence(3))),
    )

    handling: asyncio.Task[None] = asyncio.ensure_future(consumer.handle(delivery))
    await asyncio.sleep(0.05)
    assert not handling.done()
    consumer.resume()  # what the runtime does when its readiness probe passes again
    await asyncio.wait_for(handling, 1.0)

    again = Delivery(body=delivery.body, raw_message=RawMessage(subjects.NOMINATION_WITHDRAWN, Metadata(2, Sequence(3))))
    await consumer.handle(again)
    assert again.outcome == ("ack", None)
    assert consumer.waiting_on() is None
