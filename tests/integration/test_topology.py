"""Stream and durable-consumer reconciliation against a real nats-server.

nats-py's subscribe binds to an existing durable and silently ignores a new config; `ensure_consumer`
(create-or-update) is what carries a changed configuration to the server. The server never bounds
deliveries (`max_deliver` unlimited): an outage of any length must not make it drop a message.
"""

from __future__ import annotations

import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from shared.contracts import subjects
from shared.contracts.subjects import ALL_STREAMS, AWARDS_FROM_REVIEW, REVIEW_FROM_REGISTRATION
from shared.platform.topology import (
    ACK_WAIT_SECONDS,
    DUPLICATE_WINDOW_SECONDS,
    UNLIMITED_DELIVERIES,
    consumer_config,
    ensure_consumer,
    ensure_streams,
    ensure_topology,
)


async def max_deliver(js: JetStreamContext, consumer: subjects.ConsumerDef) -> int:
    info = await js.consumer_info(consumer.stream.name, consumer.durable)
    return int(info.config.max_deliver)


@pytest.mark.asyncio
async def test_ensure_consumer_lifts_the_delivery_bound_of_a_durable_created_by_an_older_release(js: JetStreamContext) -> None:
    await ensure_streams(js)
    older = consumer_config(REVIEW_FROM_REGISTRATION)
    older.max_deliver = 5 + 3  # what releases before the outage fix configured: the server dropped a message after 8
    await js.add_consumer("REGISTRATION", config=older)
    before = await max_deliver(js, REVIEW_FROM_REGISTRATION)

    await ensure_consumer(js, REVIEW_FROM_REGISTRATION)

    assert (before, await max_deliver(js, REVIEW_FROM_REGISTRATION)) == (8, UNLIMITED_DELIVERIES)
    info = await js.consumer_info("REGISTRATION", REVIEW_FROM_REGISTRATION.durable)
    assert info.config.ack_policy == AckPolicy.EXPLICIT
    assert info.config.filter_subjects == list(REVIEW_FROM_REGISTRATION.subjects)
    assert info.config.ack_wait == ACK_WAIT_SECONDS


@pytest.mark.asyncio
async def test_subscribing_with_a_new_config_leaves_an_existing_durable_unchanged(js: JetStreamContext) -> None:
    await ensure_streams(js)
    await ensure_consumer(js, AWARDS_FROM_REVIEW)

    sub = await js.pull_subscribe(
        AWARDS_FROM_REVIEW.subscribed_subject,
        durable=AWARDS_FROM_REVIEW.durable,
        stream="REVIEW",
        config=ConsumerConfig(max_deliver=42, ack_policy=AckPolicy.EXPLICIT),
    )
    await sub.unsubscribe()

    assert await max_deliver(js, AWARDS_FROM_REVIEW) == UNLIMITED_DELIVERIES  # why ensure_topology runs before the broker starts


@pytest.mark.asyncio
async def test_ensure_topology_creates_every_stream_and_consumer_and_is_repeatable(clean_nats: str, js: JetStreamContext) -> None:
    consumers = (REVIEW_FROM_REGISTRATION, AWARDS_FROM_REVIEW)

    await ensure_topology(clean_nats, consumers)
    await ensure_topology(clean_nats, consumers)

    names = sorted(str(s.config.name) for s in await js.streams_info())
    assert names == sorted(s.name for s in ALL_STREAMS)
    for s in ALL_STREAMS:
        info = await js.stream_info(s.name)
        assert info.config.subjects == list(s.subjects)
        assert info.config.duplicate_window == DUPLICATE_WINDOW_SECONDS
    for c in consumers:
        assert await max_deliver(js, c) == UNLIMITED_DELIVERIES


@pytest.mark.asyncio
async def test_ensure_streams_brings_a_stream_created_with_other_settings_back_to_the_declared_config(
    js: JetStreamContext,
) -> None:
    await js.add_stream(
        StreamConfig(name="REGISTRATION", subjects=["thidua.registration.>"], storage=StorageType.FILE, duplicate_window=5.0)
    )
    await js.publish("thidua.registration.nomination_withdrawn", b"{}", headers={"Nats-Msg-Id": "kept"})

    await ensure_streams(js)

    info = await js.stream_info("REGISTRATION")
    assert info.config.duplicate_window == DUPLICATE_WINDOW_SECONDS
    assert info.state.messages == 1  # an update, not a re-creation
