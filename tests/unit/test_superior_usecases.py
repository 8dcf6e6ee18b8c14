"""Escalation by authority through review's use cases on an in-memory store: the timer alerts the superior and leaves
the task with its unit; an alerted superior urges, sets a new due date, or receives a forward step directly (never the
lower unit's final decision); operators read only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from services.review.domain.task import TaskState
from services.review.store.records import Roster, TaskRecord
from services.review.usecases import escalation, intake, queues, superior, tasks
from services.review.usecases.context import ReviewContext
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import (
    NominationForwarded,
    NominationSnapshot,
    NominationSubmitted,
    Nominee,
    Recipient,
    TaskEscalated,
    TaskOpened,
    TaskSentBack,
)
from shared.contracts.operations.review import QueueQuery, ReceiveDirectly, SetDueDate, TaskRef, UrgeTask
from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import FixedClock
from tests.fakes import default_rulebook
from tests.fakes.review import FakeUnitOfWork
from tests.unit.factories import actor, path

OPENED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội: a district task is due 16/3
LATE = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
SUBMITTER = actor("u-dst", ("submitter", "HN-SONTAY-DST"))
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Phạm Quang Huy")
HANOI = actor("u-hanoi", ("approver", "HN"), full_name="Đỗ Mạnh Cường")
OPS = actor("u-ops", ("ops", None), full_name="Vận hành")


@dataclass
class Review:
    uow: FakeUnitOfWork
    clock: FixedClock
    context: ReviewContext

    def tasks_of(self, nomination_id: str) -> list[TaskRecord]:
        return sorted(
            (r for r in self.uow.data.tasks.values() if r.task.nomination_id == nomination_id), key=lambda r: r.opened_at
        )

    async def fire(self) -> None:
        await escalation.fire_due_timers(self.context, instance="test", batch_size=100)


@pytest.fixture
def review() -> Review:
    uow = FakeUnitOfWork()
    clock = FixedClock(OPENED)
    return Review(uow, clock, ReviewContext(clock=clock, unit_of_work=lambda: uow, rules=default_rulebook()))


async def overdue(review: Review, award_code: str, awarding_level: str) -> TaskRecord:
    """A district task for this award, overdue since 17/3 with the city alerted."""
    for code, who in (("HN-SONTAY", SONTAY), ("HN", HANOI)):
        await review.uow.rosters.put(Roster(code, (Recipient(user_id=who.user_id, full_name=who.full_name),), OPENED), new=True)
    nom = NominationSnapshot(
        id=str(uuid.uuid4()),
        unit_path=path("HN-SONTAY-DST"),
        award_code=award_code,
        award_name=award_code,
        awarding_level=awarding_level,
        catalog_version="union-2024.1",
        period="2026",
        nominee=Nominee(kind="individual", name="Nguyễn Văn An"),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    )
    await intake.on_submitted(review.context, NominationSubmitted(occurred_at=OPENED, actor=SUBMITTER, nomination=nom))
    review.clock.at = LATE
    await review.fire()
    [record] = review.tasks_of(nom.id)
    return record


@pytest.mark.asyncio
async def test_the_timer_leaves_the_overdue_task_with_its_unit_alerts_the_city_and_waits_for_it_to_lapse(
    review: Review,
) -> None:
    record = await overdue(review, "bang_khen_ldld_tp", "city")
    task = record.task
    assert (task.holder.code, task.state, [u.code for u in task.alerted], task.escalations) == (
        "HN-SONTAY",
        TaskState.OPEN,
        ["HN"],
        1,
    )
    [event] = review.uow.published(TaskEscalated)
    assert (event.from_unit.code, event.to_unit.code, event.reason) == ("HN-SONTAY", "HN", "overdue")
    told = {(n.user_id, n.kind, n.unit_code) for n in review.uow.data.notifications.values()}
    assert {("u-sontay", "overdue", "HN-SONTAY"), ("u-hanoi", "escalated_in", "HN")} <= told
    [lapse] = [t for t in review.uow.data.timers.values() if t.generation == task.generation]
    assert lapse.kind == "escalate"
    assert lapse.fire_at.astimezone(VIETNAM_TZ).date() == date(2026, 3, 24)  # five working days for the city

    page = await queues.list_queue(review.context, HANOI, QueueQuery(unit_code="HN", state="escalated_in"))
    assert [i.id for i in page.items] == [task.id]
    assert (await queues.list_queue(review.context, HANOI, QueueQuery(unit_code="HN"))).total == 0


@pytest.mark.asyncio
async def test_operators_read_an_overdue_task_but_neither_urge_nor_set_a_due_date(review: Review) -> None:
    record = await overdue(review, "bang_khen_ldld_tp", "city")
    view = await queues.get_task(review.context, OPS, TaskRef(task_id=record.id))
    assert (view.can_act, view.superior_actions, view.is_escalated) == (False, [], True)
    with pytest.raises(Forbidden) as refused:
        await superior.urge(review.context, OPS, UrgeTask(task_id=record.id, message="Đề nghị xử lý ngay"))
    assert refused.value.code == "not_alerted_superior"
    with pytest.raises(Forbidden):
        await superior.set_due_date(
            review.context, SONTAY, SetDueDate(task_id=record.id, due_on=date(2026, 3, 20), reason="Tự gia hạn cho mình")
        )


@pytest.mark.asyncio
async def test_a_new_due_date_is_bounded_by_the_rule_and_restarts_the_units_timers(review: Review) -> None:
    record = await overdue(review, "bang_khen_ldld_tp", "city")
    with pytest.raises(ValidationFailed) as too_late:
        await superior.set_due_date(
            review.context, HANOI, SetDueDate(task_id=record.id, due_on=date(2026, 4, 30), reason="Gia hạn dài hạn")
        )
    assert (too_late.value.code, too_late.value.fields[0].field) == ("due_too_late", "due_on")
    view = await superior.set_due_date(
        review.context, HANOI, SetDueDate(task_id=record.id, due_on=date(2026, 3, 20), reason="Chờ biên bản Hội đồng")
    )
    assert (view.is_escalated, view.superior_actions) == (False, [])
    assert view.due_at is not None
    assert view.due_at.astimezone(VIETNAM_TZ).date() == date(2026, 3, 20)
    [sent] = review.uow.published(TaskSentBack)
    assert (sent.from_unit.code, sent.to_unit.code) == ("HN", "HN-SONTAY")
    changed = review.uow.data.tasks[record.id].task
    kinds = sorted(t.kind for t in review.uow.data.timers.values() if t.generation == changed.generation)
    assert "escalate" in kinds
    assert any(n.kind == "sent_back" and n.user_id == "u-sontay" for n in review.uow.data.notifications.values())


@pytest.mark.asyncio
async def test_the_city_receives_a_forward_step_directly_exactly_as_if_the_district_had_forwarded_it(review: Review) -> None:
    record = await overdue(review, "bang_khen_ldld_tp", "city")
    view = await superior.receive_directly(review.context, HANOI, ReceiveDirectly(task_id=record.id))
    assert (view.state, view.comment) == ("taken_up", "Cấp trên nhận trực tiếp do quá hạn")
    lower, own = review.tasks_of(record.task.nomination_id)
    assert lower.task.state is TaskState.TAKEN_UP
    assert (own.task.unit.code, own.task.holder.code, own.task.state) == ("HN", "HN", TaskState.OPEN)
    [forwarded] = review.uow.published(NominationForwarded)
    assert (forwarded.from_unit.code, forwarded.to_unit.code) == ("HN-SONTAY", "HN")
    assert review.uow.published(TaskOpened)[-1].task.task_id == own.id
    # the city's own task is the city's to decide, with its own council; the district has nothing left to do
    await tasks.claim(review.context, HANOI, TaskRef(task_id=own.id))
    with pytest.raises(Forbidden):
        await tasks.claim(review.context, SONTAY, TaskRef(task_id=own.id))


@pytest.mark.asyncio
async def test_the_district_giay_khen_is_the_districts_to_decide_and_cannot_be_received_by_the_city(review: Review) -> None:
    record = await overdue(review, "giay_khen_ldld_huyen", "district")
    view = await queues.get_task(review.context, HANOI, TaskRef(task_id=record.id))
    assert view.superior_actions == ["urge", "set_due_date"]
    with pytest.raises(Conflict) as refused:
        await superior.receive_directly(review.context, HANOI, ReceiveDirectly(task_id=record.id))
    assert refused.value.code == "final_decision_is_lower_units"
    assert "Liên đoàn Lao động thị xã Sơn Tây" in refused.value.title
    assert review.uow.data.tasks[record.id].task.state is TaskState.OPEN
    assert review.uow.published(NominationForwarded) == []


@pytest.mark.asyncio
async def test_a_lapsed_city_is_escalated_in_turn_to_tong_ldld(review: Review) -> None:
    record = await overdue(review, "bang_khen_ldld_tp", "city")
    review.clock.at = LATE + timedelta(days=10)
    await review.fire()
    task = review.uow.data.tasks[record.id].task
    assert ([u.code for u in task.alerted], task.holder.code) == (["HN", "TLD"], "HN-SONTAY")
    assert [(e.from_unit.code, e.to_unit.code) for e in review.uow.published(TaskEscalated)] == [
        ("HN-SONTAY", "HN"),
        ("HN", "TLD"),
    ]
