"""Review wired on a real broker: a streamed submission becomes one task, even when the event is replayed."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from nats.js import JetStreamContext

from services.review import routes
from services.review import store as review_store
from shared.contracts import subjects
from shared.contracts.events import NominationSubmitted, NominationWithdrawn
from shared.contracts.subjects import REVIEW_FROM_REGISTRATION
from shared.platform.topology import ensure_topology
from tests.integration.conftest import NOW, SUBMITTER, count_rows, eventually, running_broker, snapshot, stream_count


@pytest.mark.asyncio
async def test_a_replayed_submission_on_the_stream_opens_one_task_and_a_withdrawal_cancels_it(
    service_context: Callable[..., Any], clean_nats: str, js: JetStreamContext
) -> None:
    ctx = await service_context("review")
    submitted = NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot(str(uuid.uuid4())))
    withdrawn = NominationWithdrawn(occurred_at=NOW, actor=SUBMITTER, nomination_id=submitted.nomination.id)
    await ensure_topology(clean_nats, (REVIEW_FROM_REGISTRATION,))

    async with running_broker(clean_nats, "review", lambda router, broker: routes.wire(router, broker, ctx)):
        # The same event twice under different message ids: the stream keeps both (a replay, not a re-publish).
        for msg_id in ("first", "replay"):
            await js.publish(submitted.SUBJECT, submitted.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id})
        await eventually(lambda: count_rows(ctx.engine, review_store.inbox), lambda n: n == 1)
        info = await eventually(
            lambda: js.consumer_info("REGISTRATION", REVIEW_FROM_REGISTRATION.durable),
            lambda i: i.num_pending == 0 and i.num_ack_pending == 0,
        )
        assert info.delivered.stream_seq == 2
        assert await count_rows(ctx.engine, review_store.tasks) == 1

        await js.publish(withdrawn.SUBJECT, withdrawn.model_dump_json().encode(), headers={"Nats-Msg-Id": "w"})
        await eventually(lambda: count_rows(ctx.engine, review_store.tasks, review_store.tasks.c.state == "cancelled"), bool)

    async with ctx.engine.connect() as conn:
        status = await conn.scalar(sa.select(review_store.nominations.c.status))
    assert status == "withdrawn"
    assert await count_rows(ctx.engine, review_store.outbox) == 1  # one TaskOpened, waiting for the relay
    assert await stream_count(js, subjects.DEADLETTER_STREAM.name) == 0
