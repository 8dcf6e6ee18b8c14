"""JetStream topology, the broker every service uses, event consumption with dead letters, and RPC.

Acknowledgement policy, chosen once: MANUAL. FastStream's default (REJECT_ON_ERROR) terminates a
message whose handler raised, so it is never retried. Here every event handler acks on success,
naks with back-off on failure, and after `max_attempts` deliveries (or at once, for a message that
cannot be decoded) copies the message to the DEADLETTER stream with its reason and terminates it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from weakref import WeakKeyDictionary

import nats
from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsRouter, PullSub
from faststream.nats.annotations import NatsMessage
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as ServerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from prometheus_client import CollectorRegistry, Counter
from pydantic import ValidationError

from shared.contracts import subjects
from shared.contracts.errors import Conflict
from shared.contracts.events import EVENT_TYPES, Event
from shared.contracts.subjects import ConsumerDef, StreamDef
from shared.platform import deadletters
from shared.platform.deadletters import AuditEntry, DeadLetter
from shared.platform.logs import logged_in_message_context
from shared.platform.rpc import RpcOperation, answer

log = logging.getLogger("thidua.messaging")

PUBLISH_TIMEOUT = 5.0
DUPLICATE_WINDOW_SECONDS = 600.0
ACK_WAIT_SECONDS = 30.0
TOPOLOGY_ATTEMPTS = 4


def nats_servers(nats_url: str) -> list[str]:
    """THIDUA_NATS_URL may list a cluster's nodes, comma-separated, each with its credentials:
    `nats://review:pw@nats-1:4222,nats://review:pw@nats-2:4222`. nats-py takes a list, not such a string;
    servers it discovers from the cluster carry no credentials, so every node is listed."""
    return [url.strip() for url in nats_url.split(",") if url.strip()]


def make_broker(nats_url: str, service: str, **kwargs: Any) -> NatsBroker:
    return NatsBroker(
        nats_servers(nats_url),
        name=f"thidua-{service}",
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


async def ensure_streams(js: JetStreamContext, replicas: int = 1, streams: tuple[StreamDef, ...] = subjects.ALL_STREAMS) -> None:
    """Create or update every stream with the configuration in this file."""
    for s in streams:
        config = StreamConfig(
            name=s.name,
            subjects=list(s.subjects),
            storage=StorageType.FILE,
            num_replicas=replicas,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
        )
        for attempt in range(1, TOPOLOGY_ATTEMPTS + 1):
            try:
                try:
                    await js.stream_info(s.name)
                except NotFoundError:
                    await js.add_stream(config)
                else:
                    await js.update_stream(config)
                break
            except nats.errors.TimeoutError:
                # Several instances starting at once race to create the same replicated stream, and a
                # cluster may leave one of the concurrent requests unanswered: look again.
                if attempt == TOPOLOGY_ATTEMPTS:
                    raise
                log.warning("topology.stream_timeout", extra={"stream": s.name, "attempt": attempt})


def consumer_config(consumer: ConsumerDef, max_attempts: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=consumer.durable,
        filter_subject=consumer.filter_subject,
        ack_policy=ServerAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_SECONDS,
        # Our handler dead-letters at max_attempts; the server bound is a backstop above it.
        max_deliver=max_attempts + 3,
        max_ack_pending=1000,
    )


async def ensure_consumer(js: JetStreamContext, consumer: ConsumerDef, max_attempts: int) -> None:
    """Create or update a durable consumer (subscribe alone never updates an existing one)."""
    for attempt in range(1, TOPOLOGY_ATTEMPTS + 1):
        try:
            await js.add_consumer(consumer.stream.name, config=consumer_config(consumer, max_attempts))
            return
        except nats.errors.TimeoutError:  # two replicas of a service creating the same durable at once
            if attempt == TOPOLOGY_ATTEMPTS:
                raise
            log.warning("topology.consumer_timeout", extra={"durable": consumer.durable, "attempt": attempt})


async def ensure_topology(nats_url: str, consumers: tuple[ConsumerDef, ...], *, replicas: int = 1, max_attempts: int = 5) -> None:
    nc = await nats.connect(nats_servers(nats_url), name="thidua-topology", connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await ensure_streams(js, replicas)
        for c in consumers:
            await ensure_consumer(js, c, max_attempts)
    finally:
        await nc.close()


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


EventHandler = Callable[[Any], Awaitable[None]]
DeadLetterReason = str  # poison | handler_failed | max_deliveries
_dead_letter_counters: WeakKeyDictionary[CollectorRegistry, Counter] = WeakKeyDictionary()
# The consumers of each service (keyed by its registry), so that its `ops_dlq_*` requests find the one
# whose dead letter it is.
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


class EventConsumer:
    """Decodes, dispatches by event type, acks, retries with back-off, and dead-letters."""

    def __init__(
        self,
        broker: NatsBroker,
        service: str,
        consumer: ConsumerDef,
        handlers: Mapping[type[Event], EventHandler],
        *,
        max_attempts: int = 5,
        retry_delay: float = 0.5,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.broker = broker
        self.service = service
        self.consumer = consumer
        self.handlers = {cls.SUBJECT: fn for cls, fn in handlers.items()}
        self.max_attempts = max_attempts
        self.retry_delay = retry_delay
        self.dead_letters = dead_letter_counter(registry) if registry is not None else None
        if registry is not None:
            consumers_of.setdefault(registry, {})[consumer.durable] = self

    @logged_in_message_context  # subject and nomination id on its log lines; one event.processed line each
    async def handle(self, msg: Any) -> None:
        subject = msg.raw_message.subject
        handler = self.handlers.get(subject)
        if handler is None:
            await msg.ack()  # another consumer's concern: facts we do not react to
            return
        delivered = deliveries(msg)
        if delivered > self.max_attempts:
            await self.dead_letter(msg, f"delivered {delivered} times without success", delivered, kind="max_deliveries")
            return
        try:
            event = decode_event(subject, msg.body)
        except PoisonMessage as exc:
            await self.dead_letter(msg, str(exc), delivered, kind="poison")
            return
        try:
            await handler(event)
        except Exception as exc:
            log.warning(
                "event.handler_failed",
                extra={"subject": subject, "consumer": self.consumer.durable, "delivery": delivered, "error": repr(exc)},
                exc_info=delivered >= self.max_attempts,
            )
            if delivered >= self.max_attempts:
                await self.dead_letter(msg, f"handler failed {delivered} times: {exc!r}", delivered, kind="handler_failed")
            else:
                await msg.nack(delay=self.retry_delay * delivered)
            return
        await msg.ack()

    async def dead_letter(self, msg: Any, reason: str, delivered: int, *, kind: DeadLetterReason = "handler_failed") -> None:
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
            return
        log.error("event.dead_lettered", extra={"subject": raw.subject, "reason": reason})
        if self.dead_letters is not None:
            self.dead_letters.labels(self.service, self.consumer.durable, kind).inc()
        await msg.reject()

    async def retry_dead_letter(self, js: JetStreamContext, letter: DeadLetter, *, by: str) -> AuditEntry:
        """Run this consumer's handler again on one of its dead letters (after a fix), then remove it.

        Only this consumer gets it (a replay to the subject would reach every consumer of it); the inbox
        still drops an event already handled. A failure leaves the dead letter where it is.
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
        return await deadletters.resolve(js, letter, "retry", by=by)

    def register(self, router: NatsRouter) -> None:
        async def consume(msg: NatsMessage) -> None:
            await self.handle(msg)

        consume.__name__ = f"consume_{self.consumer.durable.replace('-', '_')}"
        router.subscriber(
            self.consumer.filter_subject,
            stream=JStream(self.consumer.stream.name, declare=False),
            durable=self.consumer.durable,
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            config=consumer_config(self.consumer, self.max_attempts),
        )(consume)


def register_rpc(router: NatsRouter, service: str, operations: Mapping[str, RpcOperation]) -> None:
    """Answer `thidua.rpc.<service>.<op>` requests; replicas share the work through a queue group."""
    for name, operation in operations.items():

        def bind(op: RpcOperation, op_name: str) -> Callable[[NatsMessage], Awaitable[dict[str, Any]]]:
            async def reply(msg: NatsMessage) -> dict[str, Any]:
                return await answer(msg.body, op, subject=msg.raw_message.subject)

            reply.__name__ = f"rpc_{service}_{op_name}"
            return reply

        router.subscriber(subjects.rpc_subject(service, name), queue=f"thidua-{service}-rpc", max_workers=8)(
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
