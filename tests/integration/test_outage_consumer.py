"""EventConsumer on a real nats-server while the handler's database is down: waited out, in order, never dead-lettered.

The handler's "database" is a switch: while it is off the handler raises what asyncpg raises when PostgreSQL
refuses connections. The durable's real redelivery decides what comes back and when.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry

from shared.contracts.events import NominationWithdrawn
from shared.platform.faults import Backoff
from shared.platform.messaging import EventConsumer
from shared.platform.topology import UNLIMITED_DELIVERIES, ensure_topology
from tests.integration.conftest import eventually, running_broker, stream_count
from tests.integration.test_dead_letters import CONSUMER, DLQ, SERVICE, publish, settled, wait_for, withdrawn

QUICK = Backoff(base=0.02, cap=0.1)


class Database:
    """Up or down, as the test says; a handler that needs it records what it handled, in order."""

    def __init__(self) -> None:
        self.up = False
        self.refused = 0
        self.handled: list[str] = []

    async def handle(self, event: NominationWithdrawn) -> None:
        if not self.up:
            self.refused += 1
            raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")
        self.handled.append(event.nomination_id)


@asynccontextmanager
async def consuming(nats_url: str, database: Database, registry: CollectorRegistry) -> AsyncIterator[EventConsumer]:
    await ensure_topology(nats_url, (CONSUMER,))
    consumers: list[EventConsumer] = []

    def wire(router: NatsRouter, broker: NatsBroker) -> None:
        consumer = EventConsumer(
            broker,
            SERVICE,
            CONSUMER,
            {NominationWithdrawn: database.handle},
            max_attempts=2,
            retry_delay=0.05,
            outage_backoff=QUICK,
            registry=registry,
        )
        consumer.register(router)
        consumers.append(consumer)

    async with running_broker(nats_url, SERVICE, wire):
        yield consumers[0]


@pytest.mark.asyncio
async def test_an_outage_of_many_times_max_attempts_deliveries_is_waited_out_in_stream_order(
    clean_nats: str, js: JetStreamContext
) -> None:
    database = Database()
    registry = CollectorRegistry()
    published = [f"n-{i}" for i in range(5)]
    async with consuming(clean_nats, database, registry) as consumer:
        for nomination_id in published:
            await publish(js, withdrawn(nomination_id))
        await wait_for(lambda: database.refused >= 20, within=10.0)  # ten times max_attempts
        assert await stream_count(js, DLQ) == 0
        assert consumer.waiting_on() == "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 5432)"

        database.up = True
        await wait_for(lambda: len(database.handled) == len(published), within=5.0)
        info = await settled(js)

    assert database.handled == published  # the outage did not reorder the stream
    assert await stream_count(js, DLQ) == 0
    assert info.config.max_deliver == UNLIMITED_DELIVERIES
    assert info.num_redelivered == 0  # everything acked
    labels = {"service": SERVICE, "consumer": CONSUMER.durable}
    assert registry.get_sample_value("thidua_event_retries_total", {**labels, "fault": "transient"}) == database.refused
    assert registry.get_sample_value("thidua_dead_letters_total", {**labels, "reason": "handler_failed"}) is None


@pytest.mark.asyncio
async def test_during_an_outage_only_the_first_message_is_tried_and_the_rest_wait_unpulled(
    clean_nats: str, js: JetStreamContext
) -> None:
    database = Database()
    async with consuming(clean_nats, database, CollectorRegistry()):
        for i in range(3):
            await publish(js, withdrawn(f"n-{i}"))
        await wait_for(lambda: database.refused >= 6, within=10.0)

        async def info() -> Any:
            return await js.consumer_info(CONSUMER.stream.name, CONSUMER.durable)

        waiting = await eventually(info, lambda i: i.num_pending == 2)
        database.up = True
        await wait_for(lambda: database.handled == ["n-0", "n-1", "n-2"], within=5.0)

    assert waiting.delivered.stream_seq == 1
