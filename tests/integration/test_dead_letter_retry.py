"""The ops page repairs a dead letter through the service whose consumer gave up on it (`ops_dlq_retry`), on a
real nats-server: only that consumer runs again; then the operator tool (`deadletters.retry`, `discard`) removes
the letter and the audit trail says who did it. Nobody but operations may."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry

from shared.contracts import subjects
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import NominationSubmitted, NominationWithdrawn
from shared.platform import deadletters
from shared.platform.clock import FixedClock
from shared.platform.deadletter_ops import dead_letter_operations
from shared.platform.messaging import EventConsumer
from shared.platform.service import ServiceContext
from shared.platform.settings import ServiceSettings
from shared.platform.topology import ensure_topology
from tests.integration.conftest import APPROVER_SONTAY, NOW, OPS, running_broker, stream_count
from tests.integration.test_dead_letter_repair import CONSUMER, DLQ, SERVICE, Handler, dead_letter_count, publish, withdrawn


@asynccontextmanager
async def review_like(nats_url: str, handler: Handler) -> AsyncIterator[tuple[NatsBroker, dict[str, Any]]]:
    """A service with one consumer and the ops operations the runtime gives every service."""
    await ensure_topology(nats_url, (CONSUMER,))
    registry = CollectorRegistry()
    settings = ServiceSettings(service=SERVICE)
    ctx = ServiceContext(engine=None, clock=FixedClock(NOW), settings=settings, rules=settings.rulebook(), registry=registry)  # type: ignore[arg-type]

    def wire(router: NatsRouter, broker: NatsBroker) -> None:
        EventConsumer(
            broker,
            SERVICE,
            CONSUMER,
            {NominationWithdrawn: handler, NominationSubmitted: handler.ignore},
            max_attempts=2,
            retry_delay=0.05,
            registry=registry,
        ).register(router)

    async with running_broker(nats_url, SERVICE, wire) as broker:
        yield broker, dead_letter_operations(ctx, broker.connection.jetstream)


@pytest.mark.asyncio
async def test_the_owning_service_retries_its_dead_letter_once_fixed_and_records_who(
    clean_nats: str, js: JetStreamContext
) -> None:
    handler = Handler()
    handler.broken = True
    nomination_id = str(uuid.uuid4())
    async with review_like(clean_nats, handler) as (_, ops):
        await publish(js, subjects.NOMINATION_WITHDRAWN, withdrawn(nomination_id).model_dump_json().encode())
        await dead_letter_count(js, 1)
        [letter] = await deadletters.list_dead_letters(js)

        with pytest.raises(Forbidden):
            await ops["ops_dlq_retry"](APPROVER_SONTAY, {"seq": letter.seq})
        with pytest.raises(Conflict) as still_broken:
            await ops["ops_dlq_retry"](OPS, {"seq": letter.seq})
        assert still_broken.value.code == "dead_letter_retry_failed"
        assert await stream_count(js, DLQ) == 1  # a failed retry keeps the letter

        handler.broken = False

        async def run_again(letter: deadletters.DeadLetter) -> None:
            assert await ops["ops_dlq_retry"](OPS, {"seq": letter.seq}) == {"seq": letter.seq, "handled": True}

        entry = await deadletters.retry(js, letter.seq, by="ops", run_again=run_again)
        assert entry.action == "retry"
        assert entry.by == "ops"
        assert handler.effects == [nomination_id]
        assert await deadletters.list_dead_letters(js) == []
        assert [a.action for a in await deadletters.list_audit(js)] == ["retry"]


@pytest.mark.asyncio
async def test_an_unreadable_dead_letter_can_only_be_discarded_with_a_reason(clean_nats: str, js: JetStreamContext) -> None:
    handler = Handler()
    async with review_like(clean_nats, handler) as (_, ops):
        await publish(js, subjects.NOMINATION_SUBMITTED, b"{not json")
        await dead_letter_count(js, 1)
        [letter] = await deadletters.list_dead_letters(js)

        with pytest.raises(Conflict) as unreadable:
            await ops["ops_dlq_retry"](OPS, {"seq": letter.seq})
        assert unreadable.value.code == "dead_letter_unreadable"
        with pytest.raises(ValidationFailed):
            await deadletters.discard(js, letter.seq, by="ops", reason="x")
        entry = await deadletters.discard(js, letter.seq, by="ops", reason="Tin thử nghiệm gửi nhầm")
        assert entry.action == "discard"
        assert await deadletters.list_dead_letters(js) == []


@pytest.mark.asyncio
async def test_a_service_refuses_a_dead_letter_of_another_service(clean_nats: str, js: JetStreamContext) -> None:
    handler = Handler()
    async with review_like(clean_nats, handler):
        await js.publish(
            subjects.deadletter_subject("awards"),
            b"{}",
            headers={"Thidua-Dlq-Service": "awards", "Thidua-Dlq-Consumer": "awards-review", "Nats-Msg-Id": "x-1"},
        )
    [letter] = await deadletters.list_dead_letters(js)
    async with review_like(clean_nats, handler) as (_, ops):
        with pytest.raises(Conflict) as other:
            await ops["ops_dlq_retry"](OPS, {"seq": letter.seq})
    assert other.value.code == "dead_letter_other_service"
    assert await stream_count(js, DLQ) == 1
