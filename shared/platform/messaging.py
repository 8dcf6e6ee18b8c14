"""JetStream topology, the broker every service uses, event consumption with dead letters, and RPC.

About 500 lines, on purpose for now: the acknowledgement policy below spans the consumer, its back-off and the
topology it relies on (unlimited deliveries); splitting the topology out is the next step when this grows.

Acknowledgement policy, chosen once: MANUAL. FastStream's default (REJECT_ON_ERROR) terminates a
message whose handler raised, so it is never retried. Here every event handler acks on success.
A failure is one of two kinds (`shared.platform.faults`):
- a transient fault (the database or the bus unavailable): the message goes back, first in line, and the
  consumer stops pulling for a capped exponential back-off (0.5 s doubling to 30 s), or until the service's
  probes see the dependency back, for as long as the outage lasts; it never counts towards dead-lettering,
  and the server never gives up on the message either (`max_deliver` is unlimited);
- a failure that can never succeed (a bug, a domain error): naked with back-off, and after
  `max_attempts` such failures (or at once, for a message that cannot be decoded) copied to the
  DEADLETTER stream with its reason and terminated.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsRouter, PullSub
from faststream.nats.annotations import NatsMessage
from prometheus_client import CollectorRegistry, Counter
from pydantic import ValidationError

from shared.contracts import subjects
from shared.contracts.errors import Conflict, InconsistentEvent
from shared.contracts.events import EVENT_TYPES, Event
from shared.contracts.subjects import ConsumerDef
from shared.platform.assertions import Verifier
from shared.platform.buspermissions import inbox_prefix
from shared.platform.deadletters import DeadLetter
from shared.platform.faults import OUTAGE_BACKOFF, Backoff, describe, is_transient
from shared.platform.idempotency import Keeper
from shared.platform.largereplies import LargeReplies
from shared.platform.logs import logged_in_message_context
from shared.platform.rpc import RpcOperation, answer, encode_reply
from shared.platform.topology import consumer_config, nats_servers

log = logging.getLogger("thidua.messaging")

PUBLISH_TIMEOUT = 5.0


def make_broker(nats_url: str, service: str, **kwargs: Any) -> NatsBroker:
    return NatsBroker(
        nats_servers(nats_url),
        name=f"thidua-{service}",
        inbox_prefix=inbox_prefix(service),  # the only inbox its NATS user may subscribe to
        ack_policy=AckPolicy.MANUAL,
        graceful_timeout=15.0,
        logger=_broker_logger(service),
        log_level=logging.DEBUG,  # FastStream logs two lines per message at this level
        max_reconnect_attempts=-1,
        **kwargs,
    )


def _broker_logger(service: str) -> logging.Logger:
    logger = logging.getLogger(f"thidua.{service}.broker")
    logger.setLevel(logging.WARNING)  # FastStream's per-message and shutdown chatter; failures still show
    return logger


class PoisonMessage(Exception):
    """A message that can never be handled as sent: bad JSON, unknown schema version, wrong shape."""


def decode_event(subject: str, body: bytes) -> Event:
    event_type = EVENT_TYPES.get(subject)
    if event_type is None:
        raise PoisonMessage(f"unknown event subject {subject}")
    try:
        raw = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"malformed JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise PoisonMessage("payload is not a JSON object")
    version = raw.get("schema_version")
    if type(version) is not int or version not in event_type.SUPPORTED_VERSIONS:
        raise PoisonMessage(f"unsupported schema_version {version!r} for {subject}")
    try:
        return event_type.model_validate(raw)
    except ValidationError as exc:
        raise PoisonMessage(f"invalid {event_type.__name__}: {exc.error_count()} error(s): {exc.errors()[0]['msg']}") from exc


def deliveries(msg: Any) -> int:
    try:
        return int(msg.raw_message.metadata.num_delivered)
    except Exception:  # not a JetStream message (in-memory test broker)
        return 1


def message_key(msg: Any) -> str:
    """What identifies one message across its redeliveries: its stream sequence (or, in memory, its id)."""
    try:
        return f"seq:{msg.raw_message.metadata.sequence.stream}"
    except Exception:
        return f"id:{(msg.headers or {}).get('Nats-Msg-Id') or msg.message_id}"


class FailureCounts:
    """How many times each message failed for good in this process: the dead-letter budget.

    Counted here rather than read from the delivery count, which also counts the redeliveries of a
    transient fault. Kept in memory and bounded: a process that restarts gives a poison message
    `max_attempts` more tries, and a message another replica acked is forgotten as it ages out.
    """

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._counts: OrderedDict[str, int] = OrderedDict()

    def add(self, key: str) -> int:
        count = self._counts.pop(key, 0) + 1
        self._counts[key] = count
        while len(self._counts) > self.limit:
            self._counts.popitem(last=False)
        return count

    def forget(self, key: str) -> None:
        self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)


@dataclass
class Outage:
    """A dependency this consumer needs is unavailable: since when, why, and how many tries in a row failed."""

    since: float
    reason: str
    failures: int = 0
    last_failure: float = 0.0
    pause: float = 0.0


EventHandler = Callable[[Any], Awaitable[None]]
DeadLetterReason = str  # poison | handler_failed | inconsistent_event
FailureClass = str  # transient | failure
_dead_letter_counters: WeakKeyDictionary[CollectorRegistry, Counter] = WeakKeyDictionary()
_retry_counters: WeakKeyDictionary[CollectorRegistry, Counter] = WeakKeyDictionary()
# The consumers of each service (keyed by its registry), so that its `ops_dlq_*` requests find the one
# whose dead letter it is, and its readiness sees which of them wait out an outage.
consumers_of: WeakKeyDictionary[CollectorRegistry, dict[str, EventConsumer]] = WeakKeyDictionary()


def dead_letter_counter(registry: CollectorRegistry) -> Counter:
    """One counter per registry, shared by the service's consumers."""
    counter = _dead_letter_counters.get(registry)
    if counter is None:
        counter = Counter(
            "thidua_dead_letters",
            "Messages moved to the DEADLETTER stream, by why",
            ["service", "consumer", "reason"],
            registry=registry,
        )
        _dead_letter_counters[registry] = counter
    return counter


def retry_counter(registry: CollectorRegistry) -> Counter:
    """Messages naked for another try, by class: `transient` (waited out) or `failure` (counts towards the DLQ)."""
    counter = _retry_counters.get(registry)
    if counter is None:
        counter = Counter(
            "thidua_event_retries",
            "Event deliveries naked for another try, by class of failure",
            ["service", "consumer", "fault"],
            registry=registry,
        )
        _retry_counters[registry] = counter
    return counter


class EventConsumer:
    """Decodes, dispatches by event type, acks, waits out outages, retries failures, and dead-letters poison."""

    def __init__(
        self,
        broker: NatsBroker,
        service: str,
        consumer: ConsumerDef,
        handlers: Mapping[type[Event], EventHandler],
        *,
        max_attempts: int = 5,
        retry_delay: float = 0.5,
        outage_backoff: Backoff = OUTAGE_BACKOFF,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.broker = broker
        self.service = service
        self.consumer = consumer
        self.handlers = {cls.SUBJECT: fn for cls, fn in handlers.items()}
        if set(self.handlers) != set(consumer.subjects):
            raise ValueError(
                f"{consumer.durable} takes {sorted(consumer.subjects)} but handles {sorted(self.handlers)}: "
                "the durable's subjects (shared.contracts.subjects) and its handlers must be the same events"
            )
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.outage_backoff = outage_backoff
        self.failures = FailureCounts()
        self.outage: Outage | None = None
        self._wake = asyncio.Event()
        self._stopping = False
        self.dead_letters = dead_letter_counter(registry) if registry is not None else None
        self.retries = retry_counter(registry) if registry is not None else None
        if registry is not None:
            consumers_of.setdefault(registry, {})[consumer.durable] = self

    @logged_in_message_context  # subject and nomination id on its log lines; one event.processed line each
    async def handle(self, msg: Any) -> None:
        subject = msg.raw_message.subject
        handler = self.handlers.get(subject)
        if handler is None:
            await msg.ack()  # not one of this durable's subjects (one created before its filter was narrowed)
            return
        delivered = deliveries(msg)
        try:
            event = decode_event(subject, msg.body)
        except PoisonMessage as exc:
            await self.dead_letter(msg, str(exc), delivered, kind="poison")
            return
        try:
            await handler(event)
        except InconsistentEvent as exc:  # it contradicts the service's own record: no retry will change that
            log.warning("event.inconsistent", extra={"subject": subject, "consumer": self.consumer.durable, "error": str(exc)})
            await self.dead_letter(msg, f"inconsistent_event: {exc}", delivered, kind="inconsistent_event")
            return
        except Exception as exc:
            if is_transient(exc):
                await self.wait_out(msg, exc, delivered)
            else:
                await self.failed(msg, exc, delivered)
            return
        self.recovered()
        self.failures.forget(message_key(msg))
        await msg.ack()

    async def wait_out(self, msg: Any, exc: Exception, delivered: int) -> None:
        """A dependency is down: hand the message back without counting it, and stop pulling for the back-off.

        The message goes back at once, so that it is the first redelivered when this consumer pulls again (the
        server serves redeliveries before new messages): the stream's order survives the outage. The back-off
        is the consumer's pause, which `resume()` (the service's probes see the dependency back) and `stop()`
        cut short; every replica pauses the same way after its own first failure.
        """
        now = time.monotonic()
        if self.outage is None:
            self.outage = Outage(since=now, reason=describe(exc))
        self.outage.failures += 1
        self.outage.reason = describe(exc)
        self.outage.last_failure = now
        self.outage.pause = self.outage_backoff.delay(self.outage.failures)
        log.warning(
            "event.dependency_unavailable",
            extra={
                "subject": msg.raw_message.subject,
                "consumer": self.consumer.durable,
                "delivery": delivered,
                "retry_in_seconds": self.outage.pause,
                "error": self.outage.reason,
            },
        )
        self._count_retry("transient")
        await msg.nack()
        if self._stopping:
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.outage.pause)

    async def failed(self, msg: Any, exc: Exception, delivered: int) -> None:
        """A failure that a retry may not cure: nak with back-off until `max_attempts` of them, then dead-letter."""
        failures = self.failures.add(message_key(msg))
        log.warning(
            "event.handler_failed",
            extra={
                "subject": msg.raw_message.subject,
                "consumer": self.consumer.durable,
                "delivery": delivered,
                "failures": failures,
                "error": repr(exc),
            },
            exc_info=failures >= self.max_attempts,
        )
        if failures >= self.max_attempts:
            if await self.dead_letter(msg, f"handler failed {failures} times: {exc!r}", delivered, kind="handler_failed"):
                self.failures.forget(message_key(msg))
            return
        self._count_retry("failure")
        await msg.nack(delay=self.retry_delay * failures)

    def recovered(self) -> None:
        if self.outage is not None:
            log.info(
                "event.dependency_recovered",
                extra={
                    "consumer": self.consumer.durable,
                    "waited_seconds": round(time.monotonic() - self.outage.since, 1),
                    "tries": self.outage.failures,
                },
            )
            self.outage = None

    def waiting_on(self) -> str | None:
        """Why this consumer is waiting out an outage, if it is (for /readyz and the heartbeat).

        An outage nobody has retried for longer than the longest pause is over as far as this consumer knows:
        its message went to another replica, or nothing has come since.
        """
        if self.outage is None or time.monotonic() - self.outage.last_failure > self.outage.pause + 5.0:
            return None
        return self.outage.reason

    def resume(self) -> None:
        """The dependency is back (the service's readiness probe just passed again): end a pause now."""
        self._wake.set()

    def stop(self) -> None:
        """Shutdown: a consumer pausing for an outage stops waiting at once (its message is already back)."""
        self._stopping = True
        self._wake.set()

    def _count_retry(self, fault: FailureClass) -> None:
        if self.retries is not None:
            self.retries.labels(self.service, self.consumer.durable, fault).inc()

    async def dead_letter(self, msg: Any, reason: str, delivered: int, *, kind: DeadLetterReason = "handler_failed") -> bool:
        """Copy the message to DEADLETTER and terminate it; False (and naked) when the copy could not be stored."""
        raw = msg.raw_message
        try:
            stream_seq = str(raw.metadata.sequence.stream)
        except Exception:
            stream_seq = ""
        headers = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")}
        original_id = (msg.headers or {}).get("Nats-Msg-Id", "")
        headers.update(
            {
                "Nats-Msg-Id": f"dlq:{self.consumer.durable}:{self.consumer.stream.name}:{stream_seq or original_id}",
                "Thidua-Dlq-Reason": reason[:1000],
                "Thidua-Dlq-Service": self.service,
                "Thidua-Dlq-Consumer": self.consumer.durable,
                "Thidua-Dlq-Subject": raw.subject,
                "Thidua-Dlq-Stream": self.consumer.stream.name,
                "Thidua-Dlq-Stream-Seq": stream_seq,
                "Thidua-Dlq-Deliveries": str(delivered),
                "Thidua-Dlq-Original-Msg-Id": original_id,
            }
        )
        try:
            await self.broker.publish(
                msg.body,
                subjects.deadletter_subject(self.service),
                headers=headers,
                stream=subjects.DEADLETTER_STREAM.name,
                timeout=PUBLISH_TIMEOUT,
            )
        except Exception:
            log.exception("deadletter.publish_failed", extra={"subject": raw.subject})
            await msg.nack(delay=self.retry_delay * 4)
            return False
        log.error("event.dead_lettered", extra={"subject": raw.subject, "reason": reason})
        if self.dead_letters is not None:
            self.dead_letters.labels(self.service, self.consumer.durable, kind).inc()
        await msg.reject()
        return True

    async def retry_dead_letter(self, letter: DeadLetter) -> None:
        """Run this consumer's handler again on one of its dead letters (after a fix).

        Only this consumer gets it (a replay to the subject would reach every consumer of it); the inbox
        still drops an event already handled, so running it twice is harmless. The operator tool that asked
        removes the letter afterwards (`deadletters.retry`); a failure leaves it where it is.
        """
        handler = self.handlers.get(letter.original_subject)
        if handler is None or letter.consumer != self.consumer.durable:
            raise Conflict(f"Thư lỗi số {letter.seq} không thuộc {self.consumer.durable}", code="dead_letter_other_consumer")
        try:
            event = decode_event(letter.original_subject, letter.payload.encode())
        except PoisonMessage as exc:
            raise Conflict(
                f"Thư lỗi số {letter.seq} không đọc được ({exc}); chỉ có thể loại bỏ", code="dead_letter_unreadable"
            ) from exc
        try:
            await handler(event)
        except Exception as exc:
            log.warning("deadletter.retry_failed", extra={"seq": letter.seq, "error": repr(exc)})
            raise Conflict(f"Xử lý lại thư lỗi số {letter.seq} vẫn lỗi: {exc!r}", code="dead_letter_retry_failed") from exc

    def register(self, router: NatsRouter) -> None:
        # The message reaches the handler as its "body" (`itself`): a parameter typed NatsMessage would be a FastStream
        # context field, which fast_depends resolves in a worker thread for every message, and FastStream's own JSON
        # decoding would be wasted (decode_event reads the bytes).
        async def consume(msg: Any) -> None:
            await self.handle(msg)

        consume.__name__ = f"consume_{self.consumer.durable.replace('-', '_')}"
        router.subscriber(
            self.consumer.subscribed_subject,
            stream=JStream(self.consumer.stream.name, declare=False),
            durable=self.consumer.durable,
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            config=consumer_config(self.consumer),
            # FastStream passes its own default here, over the connection's: the service's inbox, its only one
            inbox_prefix=f"{inbox_prefix(self.service)}.".encode(),
            decoder=itself,
        )(consume)


async def itself(msg: NatsMessage) -> NatsMessage:
    """A subscriber's decoder that hands the handler the message itself."""
    return msg


def register_rpc(
    router: NatsRouter,
    service: str,
    operations: Mapping[str, RpcOperation],
    callers: Verifier | None = None,
    keeper: Keeper | None = None,
    broker: NatsBroker | None = None,
) -> None:
    """Answer `thidua.rpc.<service>.<op>` requests, from proven callers only (`callers`, see
    shared.platform.assertions); replicas share the work through a queue group. With `broker`, a reply too large for
    one message is kept in the service's replies bucket for its caller (shared.platform.largereplies)."""
    # a lambda: the broker connects at start-up, after this is wired
    spill = LargeReplies(lambda: broker.connection.jetstream()).spill_for(service) if broker is not None else None  # noqa: PLW0108
    for name, operation in operations.items():

        def bind(op: RpcOperation, op_name: str) -> Callable[[Any], Awaitable[bytes]]:
            async def reply(msg: Any) -> bytes:  # the NatsMessage itself (decoder=itself: see EventConsumer.register)
                # the bytes `fitting` measured, sent as they are (the caller decodes JSON without a content type)
                replied = await answer(msg.body, op, subject=msg.raw_message.subject, callers=callers, keeper=keeper, spill=spill)
                return encode_reply(replied)

            reply.__name__ = f"rpc_{service}_{op_name}"
            return reply

        router.subscriber(subjects.rpc_subject(service, name), queue=f"thidua-{service}-rpc", max_workers=8, decoder=itself)(
            bind(operation, name)
        )


async def publish_event(broker: NatsBroker, subject: str, payload: bytes, headers: dict[str, str]) -> None:
    """The outbox relay's publish: JetStream, waiting for the PubAck."""
    await broker.publish(payload, subject, headers=headers, stream=_stream_of(subject), timeout=PUBLISH_TIMEOUT)


def _stream_of(subject: str) -> str:
    for s in subjects.ALL_STREAMS:
        if any(subject.startswith(p.rstrip(">")) for p in s.subjects):
            return s.name
    raise ValueError(f"no stream captures {subject}")
