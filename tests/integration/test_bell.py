"""The bell on a real nats-server, on SQLite and PostgreSQL: review reads its own events back (`review-bell`) and
awards' (`review-awards`) and notes them for the people concerned, once per event and recipient however often the
stream delivers it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.js import JetStreamContext

from services.review import routes
from services.review import store as review_store
from services.review.usecases import tasks
from services.review.usecases.context import ReviewContext
from shared.contracts import subjects
from shared.contracts.events import (
    AwardGranted,
    DecisionSnapshot,
    Event,
    NominationSubmitted,
    Recipient,
    UnitApproversChanged,
)
from shared.contracts.operations.review import DecideTask, TaskRef
from shared.contracts.subjects import REVIEW_BELL_FROM_REVIEW, REVIEW_FROM_AWARDS, REVIEW_FROM_PORTAL, REVIEW_FROM_REGISTRATION
from shared.platform.messaging import make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from tests.integration.conftest import NOW, SUBMITTER, UNITS, approver, count_rows, eventually, running_broker, snapshot

SONTAY = approver("ld.sontay", "Phạm Quang Huy", "HN-SONTAY")
SONTAY_2 = approver("ld.sontay2", "Ngô Văn Nam", "HN-SONTAY")


@dataclass
class Bell:
    review: ServiceContext
    js: JetStreamContext
    publisher: NatsBroker

    async def send(self, event: Event, msg_id: str | None = None) -> None:
        """An event on its stream; another `msg_id` for the same event is a replay the stream keeps."""
        headers = {"Nats-Msg-Id": msg_id or str(event.event_id)}
        await self.js.publish(event.SUBJECT, event.model_dump_json().encode(), headers=headers)

    async def relay(self) -> int:
        """Review's outbox onto the REVIEW stream, as the service's relay does."""

        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(self.publisher, subject, payload, headers)

        return await OutboxRelay(self.review.engine, review_store.outbox, publish, self.review.clock).publish_batch()

    async def notes(self, user_id: str) -> list[dict[str, Any]]:
        n = review_store.notifications
        async with self.review.engine.connect() as conn:
            rows = await conn.execute(sa.select(n).where(n.c.user_id == user_id).order_by(n.c.id))
            return [dict(r) for r in rows.mappings()]

    async def settled(self) -> None:
        """Every durable of review has nothing pending or unacknowledged."""
        for durable in (REVIEW_FROM_REGISTRATION, REVIEW_BELL_FROM_REVIEW, REVIEW_FROM_AWARDS, REVIEW_FROM_PORTAL):
            await eventually(
                lambda d=durable: self.js.consumer_info(d.stream.name, d.durable),  # type: ignore[misc]
                lambda i: i.num_pending == 0 and i.num_ack_pending == 0,
            )


@pytest_asyncio.fixture
async def bell(service_context: Callable[..., Any], clean_nats: str, js: JetStreamContext) -> AsyncIterator[Bell]:
    review: ServiceContext = await service_context("review")
    await ensure_topology(clean_nats, (REVIEW_FROM_REGISTRATION, REVIEW_FROM_PORTAL, REVIEW_BELL_FROM_REVIEW, REVIEW_FROM_AWARDS))
    publisher = make_broker(clean_nats, "tests")
    await publisher.start()
    try:
        async with running_broker(clean_nats, "review", lambda router, broker: routes.wire(router, broker, review)):
            system = Bell(review, js, publisher)
            roster = [Recipient(user_id=a.user_id, full_name=a.full_name) for a in (SONTAY, SONTAY_2)]
            await system.send(UnitApproversChanged(occurred_at=NOW, unit_code="HN-SONTAY", approvers=roster))
            await eventually(lambda: count_rows(review.engine, review_store.unit_rosters), lambda n: n == 1)
            yield system
    finally:
        await publisher.stop()


def granted(nomination_id: str) -> AwardGranted:
    decision = DecisionSnapshot(
        decision_id=str(uuid.uuid4()),
        number=15,
        number_text="15/QĐ-LĐLĐ",
        year=2026,
        issuer=UNITS["HN-SONTAY"].ref(),
        issued_at=NOW,
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen của LĐLĐ thị xã",
        prize_amount_vnd=0,
    )
    return AwardGranted(occurred_at=NOW, actor=SONTAY, nomination_id=nomination_id, decision=decision)


@pytest.mark.asyncio
async def test_the_units_approvers_get_one_batched_note_for_two_new_dossiers_even_when_events_are_redelivered(
    bell: Bell,
) -> None:
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        await bell.send(NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=snapshot(str(uuid.uuid4()), name=name)))
    await eventually(lambda: count_rows(bell.review.engine, review_store.outbox), lambda n: n == 2)
    assert await bell.relay() == 2  # two TaskOpened on the REVIEW stream

    await eventually(lambda: bell.notes("u-sontay2"), lambda notes: len(notes) == 1 and notes[0]["count"] == 2)
    # The stream hands review both events again (a replay under new message ids): nothing more.
    for msg in await _review_events(bell.js):
        await bell.js.publish(msg.subject, msg.data, headers={"Nats-Msg-Id": f"replay-{msg.seq}"})
    await bell.settled()

    for user_id in ("u-sontay", "u-sontay2"):
        [note] = await bell.notes(user_id)
        assert (note["kind"], note["count"], note["unit_code"], note["read_at"]) == ("new_in_queue", 2, "HN-SONTAY", None)
        assert note["text"].startswith("2 hồ sơ mới chờ xét tại")
    assert await bell.notes(SUBMITTER.user_id) == []


@pytest.mark.asyncio
async def test_the_submitter_gets_the_decision_note_with_its_number_once(bell: Bell) -> None:
    nomination = snapshot(str(uuid.uuid4()))
    await bell.send(NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nomination))
    await eventually(lambda: count_rows(bell.review.engine, review_store.tasks), lambda n: n == 1)
    async with bell.review.engine.connect() as conn:
        task_id = await conn.scalar(sa.select(review_store.tasks.c.id))
    context = ReviewContext.of(bell.review)
    await tasks.claim(context, SONTAY, TaskRef(task_id=task_id))
    await tasks.decide(context, SONTAY, DecideTask.model_validate({"task_id": task_id, "action": "approve"}))
    await bell.relay()

    award = granted(nomination.id)
    await bell.send(award)
    await bell.send(award, msg_id="replayed")  # delivered twice
    await bell.settled()

    # Two durables on two streams: the approval's note and the decision's may be written in either order.
    notes = await bell.notes(SUBMITTER.user_id)
    assert sorted(n["kind"] for n in notes) == ["approved", "decided"]
    [decided] = [n for n in notes if n["kind"] == "decided"]
    assert (decided["kind"], decided["nomination_id"], decided["event_id"]) == ("decided", nomination.id, str(award.event_id))
    assert "quyết định khen thưởng số 15/QĐ-LĐLĐ" in decided["text"]
    # The claimant's own claim told nobody; the approvers were told once of the new dossier.
    assert [n["kind"] for n in await bell.notes(SONTAY.user_id)] == ["new_in_queue"]


async def _review_events(js: JetStreamContext) -> list[Any]:
    info = await js.stream_info(subjects.REVIEW_STREAM.name)
    return [await js.get_msg(subjects.REVIEW_STREAM.name, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)]


@pytest.mark.asyncio
async def test_the_bells_durables_added_to_a_running_installation_leave_the_streams_history_alone(
    clean_nats: str, js: JetStreamContext
) -> None:
    await ensure_topology(clean_nats, ())
    old = granted(str(uuid.uuid4()))
    await js.publish(old.SUBJECT, old.model_dump_json().encode(), headers={"Nats-Msg-Id": str(old.event_id)})

    await ensure_topology(clean_nats, (REVIEW_BELL_FROM_REVIEW, REVIEW_FROM_AWARDS))  # the upgrade adds them
    new = granted(str(uuid.uuid4()))
    await js.publish(new.SUBJECT, new.model_dump_json().encode(), headers={"Nats-Msg-Id": str(new.event_id)})

    info = await js.consumer_info(subjects.AWARDS_STREAM.name, REVIEW_FROM_AWARDS.durable)
    assert info.num_pending == 1  # the decision published after the upgrade, not the one before
