"""Escalation and send-back of a review task, the units that may look and act, and the reminder schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.review.domain.deadlines import ReminderRule, end_of_day, escalated_due_at, reminder_times
from services.review.domain.task import Action, ReviewTask, TaskState, escalation_chain
from shared.contracts.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.contracts.values import VIETNAM_TZ
from tests.unit.factories import actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
DISTRICT, CITY, NATIONAL = unit("HN-SONTAY"), unit("HN"), unit("TLD")
PATH = path("HN-SONTAY-DST")
DISTRICT_APPROVER = actor("u-district", ("approver", "HN-SONTAY"), full_name="Người duyệt quận")
CITY_APPROVER = actor("u-city", ("approver", "HN"), full_name="Người duyệt thành phố")
OTHER_CITY_APPROVER = actor("u-city2", ("approver", "HN"), full_name="Người duyệt thứ hai")


def district_task(state: TaskState = TaskState.OPEN, claimant: str | None = None) -> ReviewTask:
    return ReviewTask(
        id="t-1",
        nomination_id="n-1",
        unit=DISTRICT,
        state=state,
        round=1,
        claimant_id=claimant,
        claimant_name="Ai đó" if claimant else None,
        due_at=NOW,
    )


@pytest.mark.parametrize("state", [TaskState.OPEN, TaskState.CLAIMED])
def test_escalating_moves_the_task_to_the_parent_unclaimed_with_a_new_due_date_and_generation(state: TaskState) -> None:
    task = district_task(state, DISTRICT_APPROVER.user_id if state is TaskState.CLAIMED else None)
    new_due = NOW + timedelta(days=7)
    moved = task.escalate(CITY, new_due)
    assert (moved.state, moved.holder, moved.unit, moved.claimant_id) == (TaskState.OPEN, CITY, DISTRICT, None)
    assert (moved.due_at, moved.escalations, moved.generation) == (new_due, 1, 1)
    assert moved.is_escalated
    assert not task.is_escalated


@pytest.mark.parametrize("state", [TaskState.FORWARDED, TaskState.APPROVED, TaskState.RETURNED, TaskState.CANCELLED])
def test_a_finished_task_never_escalates(state: TaskState) -> None:
    with pytest.raises(InvalidTransition):
        district_task(state).escalate(CITY, NOW)


def test_after_escalation_only_the_parent_claims_and_the_lower_unit_is_read_only() -> None:
    moved = district_task().escalate(CITY, NOW + timedelta(days=7))
    with pytest.raises(Forbidden):
        moved.claim(DISTRICT_APPROVER, NOW)
    taken = moved.claim(CITY_APPROVER, NOW)
    assert taken.claimant_id == CITY_APPROVER.user_id
    # the parent decides with the task's own level: approving a district task below the awarding level forwards it
    assert taken.decide(CITY_APPROVER, Action.APPROVE, is_awarding_level=False).state is TaskState.FORWARDED


def test_the_parent_sends_an_escalated_task_back_down_with_a_new_due_date() -> None:
    moved = district_task().escalate(CITY, NOW + timedelta(days=7)).claim(CITY_APPROVER, NOW)
    new_due = end_of_day(date(2026, 3, 10))
    back = moved.send_back(CITY_APPROVER, new_due, NOW)
    assert (back.holder, back.state, back.claimant_id, back.due_at) == (DISTRICT, TaskState.OPEN, None, new_due)
    assert back.generation == moved.generation + 1
    assert back.escalations == 1
    assert back.claim(DISTRICT_APPROVER, NOW).claimant_id == DISTRICT_APPROVER.user_id


def test_send_back_needs_an_escalated_task_an_approver_of_the_holder_a_free_task_and_a_future_date() -> None:
    with pytest.raises(InvalidTransition):
        district_task().send_back(DISTRICT_APPROVER, NOW + timedelta(days=3), NOW)
    moved = district_task().escalate(CITY, NOW + timedelta(days=7))
    with pytest.raises(Forbidden):
        moved.send_back(DISTRICT_APPROVER, NOW + timedelta(days=3), NOW)
    with pytest.raises(Conflict):
        moved.claim(OTHER_CITY_APPROVER, NOW).send_back(CITY_APPROVER, NOW + timedelta(days=3), NOW)
    with pytest.raises(ValidationFailed) as err:
        moved.send_back(CITY_APPROVER, NOW - timedelta(seconds=1), NOW)
    assert err.value.fields[0].field == "due_on"


def test_the_escalation_chain_runs_from_the_tasks_unit_to_the_holder() -> None:
    task = district_task()
    assert escalation_chain(PATH, task) == [DISTRICT]
    twice = task.escalate(CITY, NOW).escalate(NATIONAL, NOW)
    assert escalation_chain(PATH, twice) == [DISTRICT, CITY, NATIONAL]
    assert twice.escalations == 2
    assert twice.generation == 2


def test_an_escalated_task_is_due_five_working_days_later_skipping_the_weekend() -> None:
    friday = datetime(2026, 3, 6, 3, 0, tzinfo=UTC)
    assert escalated_due_at(friday).astimezone(VIETNAM_TZ).date() == date(2026, 3, 13)


def test_an_escalation_in_the_tet_week_waits_for_the_holiday() -> None:
    before_tet = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # Friday before Tết 2026 (off Monday 16/2 – Friday 20/2)
    # five working days: 23, 24, 25, 26, 27 February (without the holiday it would be Friday 20/2)
    assert escalated_due_at(before_tet).astimezone(VIETNAM_TZ).date() == date(2026, 2, 27)


def test_reminders_at_eighty_percent_and_on_the_morning_of_the_due_date() -> None:
    opened = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    due = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
    times = reminder_times(opened, due)
    assert times["before_due"] == opened + (due - opened) * 0.8
    assert times["due_day"] == datetime(2026, 3, 12, 8, 0, tzinfo=VIETNAM_TZ)


@given(
    opened_minutes=st.integers(0, 60 * 24 * 60),
    span_minutes=st.integers(1, 60 * 24 * 60),
    share=st.floats(0.05, 0.95),
)
def test_every_reminder_falls_between_opening_and_the_due_date(opened_minutes: int, span_minutes: int, share: float) -> None:
    opened = NOW + timedelta(minutes=opened_minutes)
    due = opened + timedelta(minutes=span_minutes)
    rule = ReminderRule(effective_from=date(2024, 1, 1), share=share, due_day_time=time(8, 0))
    for at in reminder_times(opened, due, rule).values():
        assert opened <= at < due
