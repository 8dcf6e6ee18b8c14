"""The JetStream topology: streams, durable consumers, buckets. Applied by the stream administrator only.

`apply_topology` (run by `thidua migrate` with the `admin` user, and by `thidua up` before it starts the
services) creates or updates every stream, every durable of `subjects.CONSUMERS`, the heartbeat bucket, the
dossier-file buckets and the operators' audit stream. Services have no right to create or change any of it
(shared.platform.buspermissions): at start-up they wait, not-ready, until their own durables exist.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as ServerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy, KeyValueConfig, ObjectStoreConfig, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError, ServerError, ServiceUnavailableError

from shared.contracts import subjects
from shared.contracts.subjects import ConsumerDef, StreamDef
from shared.platform.buspermissions import inbox_prefix
from shared.platform.deadletters import ensure_audit_stream

log = logging.getLogger("thidua.topology")

DUPLICATE_WINDOW_SECONDS = 600.0
ACK_WAIT_SECONDS = 30.0
TOPOLOGY_ATTEMPTS = 4
TOPOLOGY_BACKOFF_SECONDS = 0.25
# What a server answers while it is busy with the same stream: no answer when instances race to create a
# replicated stream; 500 "error creating store for stream" (10049) when a stream of that name was deleted a
# moment before and its files are still going; 503 while a cluster elects a leader. Each passes: look again.
TRANSIENT_TOPOLOGY_ERRORS = (nats.errors.TimeoutError, ServerError, ServiceUnavailableError)
INSTANCE_TTL_SECONDS = 30.0
DEFAULT_STAGING_TTL_SECONDS = 6 * 3600.0
STAGING_TTL_VARIABLE = "THIDUA_ATTACHMENT_STAGING_TTL_SECONDS"  # the portal's setting of the same name


def staging_ttl(environment: Mapping[str, str]) -> float:
    """How long an upload waits in the staging bucket, as the portal is configured (fixed when the bucket is made)."""
    return float(environment.get(STAGING_TTL_VARIABLE, DEFAULT_STAGING_TTL_SECONDS))


def nats_servers(nats_url: str) -> list[str]:
    """THIDUA_NATS_URL may list a cluster's nodes, comma-separated, each with its credentials:
    `nats://review:pw@nats-1:4222,nats://review:pw@nats-2:4222`. nats-py takes a list, not such a string;
    servers it discovers from the cluster carry no credentials, so every node is listed."""
    return [url.strip() for url in nats_url.split(",") if url.strip()]


def redacted(nats_url: str) -> str:
    """The URL(s) without passwords, for messages and logs."""
    return ",".join(re.sub(r"//([^:@/]+):[^@/]*@", r"//\1:***@", url) for url in nats_servers(nats_url))


async def _again_or_raise(exc: Exception, attempt: int, event: str, **about: str) -> None:
    """After a transient answer (TRANSIENT_TOPOLOGY_ERRORS): the error itself on the last attempt, else a warning and a
    pause growing with each attempt before the caller asks again."""
    if attempt == TOPOLOGY_ATTEMPTS:
        raise exc
    log.warning(event, extra={**about, "attempt": attempt, "error": repr(exc)})
    await asyncio.sleep(TOPOLOGY_BACKOFF_SECONDS * attempt)


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
            except TRANSIENT_TOPOLOGY_ERRORS as exc:
                await _again_or_raise(exc, attempt, "topology.stream_retry", stream=s.name)


# The server never gives up on a message: a bounded max_deliver would drop it silently (an advisory nobody
# reads) once an outage had lasted that many back-offs. Giving up is the handler's decision, for poison only.
UNLIMITED_DELIVERIES = -1


def consumer_config(consumer: ConsumerDef) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=consumer.durable,
        # one subject as filter_subject (as every durable had before it took a list), several as filter_subjects
        filter_subject=consumer.subjects[0] if len(consumer.subjects) == 1 else None,
        filter_subjects=list(consumer.subjects) if len(consumer.subjects) > 1 else None,
        ack_policy=ServerAckPolicy.EXPLICIT,
        deliver_policy=DeliverPolicy.NEW if consumer.from_creation else DeliverPolicy.ALL,
        ack_wait=ACK_WAIT_SECONDS,
        max_deliver=UNLIMITED_DELIVERIES,
        max_ack_pending=1000,
    )


async def ensure_consumer(js: JetStreamContext, consumer: ConsumerDef) -> None:
    """Create or update a durable consumer (subscribe alone never updates an existing one)."""
    for attempt in range(1, TOPOLOGY_ATTEMPTS + 1):
        try:
            await js.add_consumer(consumer.stream.name, config=consumer_config(consumer))
            return
        except TRANSIENT_TOPOLOGY_ERRORS as exc:  # e.g. two replicas of a service creating the same durable at once
            await _again_or_raise(exc, attempt, "topology.consumer_retry", durable=consumer.durable)


async def ensure_topology(nats_url: str, consumers: tuple[ConsumerDef, ...], *, replicas: int = 1) -> None:
    nc = await nats.connect(nats_servers(nats_url), name="thidua-topology", connect_timeout=5, max_reconnect_attempts=3)
    try:
        js = nc.jetstream()
        await ensure_streams(js, replicas)
        for c in consumers:
            await ensure_consumer(js, c)
    finally:
        await nc.close()


async def ensure_buckets(
    js: JetStreamContext, replicas: int = 1, staging_ttl_seconds: float = DEFAULT_STAGING_TTL_SECONDS
) -> None:
    """The heartbeat bucket, the two dossier-file buckets and each service's large-replies bucket, created when missing
    (their settings never change)."""
    try:
        await js.key_value(subjects.INSTANCES_BUCKET)
    except BucketNotFoundError:
        await js.create_key_value(
            KeyValueConfig(bucket=subjects.INSTANCES_BUCKET, history=1, ttl=INSTANCE_TTL_SECONDS, replicas=replicas)
        )
    buckets: dict[str, tuple[str, float | None]] = {
        subjects.ATTACHMENTS_BUCKET: ("Thi Đua: tài liệu hồ sơ (registration)", None),
        subjects.STAGING_BUCKET: ("Thi Đua: tệp tải lên chờ nộp (portal)", staging_ttl_seconds),
    }
    for service in subjects.REPLYING_SERVICES:
        buckets[subjects.replies_bucket(service)] = (f"Thi Đua: kết quả RPC lớn ({service})", subjects.REPLIES_TTL_SECONDS)
    for bucket, (description, ttl) in buckets.items():
        try:
            await js.object_store(bucket)
        except BucketNotFoundError:
            config = ObjectStoreConfig(
                bucket=bucket, description=description, ttl=ttl, storage=StorageType.FILE, replicas=replicas
            )
            await js.create_object_store(bucket, config=config)


async def _raised_instead(exc: Exception) -> None:
    """nats-py's default prints each failed attempt with its traceback; the failure that matters is raised."""


async def apply_topology(nats_url: str, *, replicas: int = 1, staging_ttl_seconds: float = DEFAULT_STAGING_TTL_SECONDS) -> None:
    """Everything the system needs on the bus, as the administrator: idempotent, run on every `thidua migrate`."""
    nc = await nats.connect(
        nats_servers(nats_url), name="thidua-admin", connect_timeout=5, max_reconnect_attempts=3, error_cb=_raised_instead
    )
    try:
        js = nc.jetstream()
        await ensure_streams(js, replicas)
        for c in subjects.CONSUMERS:
            await ensure_consumer(js, c)
        await ensure_buckets(js, replicas, staging_ttl_seconds)
        await ensure_audit_stream(js, replicas)
    finally:
        await nc.close()


async def wait_for_topology(nats_url: str, service: str, consumers: tuple[ConsumerDef, ...]) -> None:
    """Until every durable this service pulls from exists: a service never creates them (it may not)."""
    if not consumers:
        return
    nc = await nats.connect(
        nats_servers(nats_url),
        name=f"thidua-{service}-topology",
        inbox_prefix=inbox_prefix(service),
        connect_timeout=5,
        max_reconnect_attempts=3,
    )
    try:
        await _wait_for_durables(nc.jetstream(), consumers, service)
    finally:
        await nc.close()


async def _wait_for_durables(js: JetStreamContext, consumers: tuple[ConsumerDef, ...], service: str) -> None:
    # faults knows every database driver's errors: imported by a service starting, not by the operators' commands
    from shared.platform.faults import OUTAGE_BACKOFF, describe

    for consumer in consumers:
        attempt = 0
        while True:
            try:
                await js.consumer_info(consumer.stream.name, consumer.durable)
                break
            except Exception as exc:  # not found, not permitted, no JetStream yet: the same answer, wait
                attempt += 1
                pause = OUTAGE_BACKOFF.delay(attempt)
                log.warning(
                    "topology.waiting",
                    extra={
                        "service": service,
                        "durable": consumer.durable,
                        "error": describe(exc),
                        "hint": "run `thidua migrate` (it applies the bus topology as the admin user)",
                        "retry_in_seconds": pause,
                    },
                )
                await asyncio.sleep(pause)
