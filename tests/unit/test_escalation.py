"""Escalation by authority: an overdue task stays in its unit's queue, its superiors are alerted up the tree, and what
each may do with it (urge, a new due date, receive a forward step directly; never decide in the unit's name); the
dated rules per level and award kind; and the reminder schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.review.domain import authority
from services.review.domain.deadlines import ReminderRule, end_of_day, reminder_times
from services.review.domain.task import ReviewTask, TaskState, escalation_chain
from services.review.usecases.escalation import escalated_event
from services.review.usecases.policy import policy_of
from shared.contracts.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.contracts.events import TaskEscalated
from shared.contracts.values import VIETNAM_TZ
from shared.rules.rulebook import Rulebook
from tests.unit.factories import actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
DISTRICT, CITY, NATIONAL = unit("HN-SONTAY"), unit("HN"), unit("TLD")
PATH = path("HN-SONTAY-DST")
DISTRICT_APPROVER = actor("u-district", ("approver", "HN-SONTAY"), full_name="Người duyệt quận")
CITY_APPROVER = actor("u-city", ("approver", "HN"), full_name="Người duyệt thành phố")
CITY_ADMIN = actor("u-city-admin", ("unit_admin", "HN"), full_name="Quản trị thành phố")
NATIONAL_APPROVER = actor("u-tld", ("approver", "TLD"), full_name="Người duyệt Tổng Liên đoàn")
OPS = actor("u-ops", ("ops", None), full_name="Vận hành")
ADMIN = actor("u-admin", ("admin", None), full_name="Quản trị hệ thống")
RULE = authority.AuthorityRule(
    effective_from=date(2024, 1, 1),
    actions=frozenset({"urge", "set_due_date", "receive_directly"}),
    max_new_due_working_days=10,
    lapse_working_days=5,
    source="test",
    confirmed=False,
)


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
        queue_unit=DISTRICT,
    )


@pytest.mark.parametrize("state", [TaskState.OPEN, TaskState.CLAIMED])
def test_an_overdue_task_stays_in_its_units_queue_claim_and_all_while_its_superior_is_alerted(state: TaskState) -> None:
    task = district_task(state, DISTRICT_APPROVER.user_id if state is TaskState.CLAIMED else None)
    alerted = task.alert(CITY)
    assert (alerted.state, alerted.holder, alerted.unit, alerted.claimant_id) == (state, DISTRICT, DISTRICT, task.claimant_id)
    assert (alerted.alerted, alerted.escalations, alerted.generation, alerted.due_at) == ((CITY,), 1, 1, NOW)
    assert alerted.is_escalated
    assert not task.is_escalated


@pytest.mark.parametrize("state", [s for s in TaskState if s not in (TaskState.OPEN, TaskState.CLAIMED)])
def test_a_finished_task_never_escalates(state: TaskState) -> None:
    with pytest.raises(InvalidTransition):
        district_task(state).alert(CITY)


def test_the_superior_never_claims_or_decides_the_lower_units_task_its_own_unit_still_does() -> None:
    alerted = district_task().alert(CITY)
    with pytest.raises(Forbidden):
        alerted.claim(CITY_APPROVER, NOW)
    assert alerted.claim(DISTRICT_APPROVER, NOW).claimant_id == DISTRICT_APPROVER.user_id


def test_escalation_continues_up_the_tree_from_the_highest_superior_alerted() -> None:
    task = district_task()
    assert authority.next_to_alert(task, PATH) == CITY
    once = task.alert(CITY)
    assert authority.next_to_alert(once, PATH) == NATIONAL
    twice = once.alert(NATIONAL)
    assert authority.next_to_alert(twice, PATH) is None  # Tổng LĐLĐ alerted: nobody above
    assert escalation_chain(twice) == [DISTRICT, CITY, NATIONAL]
    assert (twice.escalations, twice.generation) == (2, 2)


def test_only_approvers_and_unit_admins_of_an_alerted_superior_may_act_operators_and_admins_read_only() -> None:
    alerted = district_task().alert(CITY)
    assert authority.may_act(alerted, CITY_APPROVER, "urge", RULE) == CITY
    assert authority.may_act(alerted, CITY_ADMIN, "set_due_date", RULE) == CITY
    for reader in (DISTRICT_APPROVER, NATIONAL_APPROVER, OPS, ADMIN):
        with pytest.raises(Forbidden) as refused:
            authority.may_act(alerted, reader, "urge", RULE)
        assert refused.value.code == "not_alerted_superior"
    # once the city let it lapse, Tổng LĐLĐ may act too
    assert authority.may_act(alerted.alert(NATIONAL), NATIONAL_APPROVER, "urge", RULE) == NATIONAL


def test_a_superior_acts_only_on_an_active_task_overdue_with_it_alerted() -> None:
    with pytest.raises(Conflict) as not_overdue:
        authority.may_act(district_task(), CITY_APPROVER, "urge", RULE)
    assert not_overdue.value.code == "not_overdue_below"
    closed = district_task(TaskState.CLAIMED, DISTRICT_APPROVER.user_id).alert(CITY).taken_up()
    with pytest.raises(InvalidTransition):
        authority.may_act(closed, CITY_APPROVER, "urge", RULE)


def test_an_action_the_rule_leaves_out_is_refused() -> None:
    only_urge = RULE.model_copy(update={"actions": frozenset({"urge"})})
    with pytest.raises(Forbidden) as refused:
        authority.may_act(district_task().alert(CITY), CITY_APPROVER, "set_due_date", only_urge)
    assert refused.value.code == "action_not_allowed"


def test_a_new_due_date_ends_the_alert_and_restarts_the_timers() -> None:
    alerted = district_task().alert(CITY)
    new_due = end_of_day(date(2026, 3, 10))
    renewed = alerted.with_new_due_date(new_due, NOW)
    assert (renewed.due_at, renewed.alerted, renewed.is_escalated) == (new_due, (), False)
    assert renewed.generation == alerted.generation + 1
    assert renewed.escalations == 1
    with pytest.raises(ValidationFailed) as past:
        alerted.with_new_due_date(NOW - timedelta(seconds=1), NOW)
    assert past.value.fields[0].field == "due_on"


# Per award kind: the district's Giấy khen is decided at the district (final at the lower unit); the city's Bằng khen
# and Tổng LĐLĐ's awards pass through the city (the district's step is a forward).
@pytest.mark.parametrize(
    ("awarding_level", "may_receive"),
    [("district", False), ("city", True), ("national", True)],
)
def test_the_direct_superior_receives_a_forward_step_but_never_the_final_decision_of_the_lower_unit(
    awarding_level: str, may_receive: bool
) -> None:
    alerted = district_task().alert(CITY)
    actions = authority.actions_for(alerted, CITY_APPROVER, RULE, PATH, awarding_level)
    assert ("receive_directly" in actions) is may_receive
    assert actions[:2] == ["urge", "set_due_date"]
    if may_receive:
        authority.require_forward_step(alerted, CITY, PATH, awarding_level)
        taken = alerted.taken_up()
        assert (taken.state, taken.claimant_id) == (TaskState.TAKEN_UP, None)
    else:
        with pytest.raises(Conflict) as refused:
            authority.require_forward_step(alerted, CITY, PATH, awarding_level)
        assert refused.value.code == "final_decision_is_lower_units"


def test_a_higher_ancestor_alerted_later_may_urge_but_not_receive_directly() -> None:
    twice = district_task().alert(CITY).alert(NATIONAL)
    assert authority.actions_for(twice, NATIONAL_APPROVER, RULE, PATH, "national") == ["urge", "set_due_date"]
    with pytest.raises(Forbidden) as refused:
        authority.require_forward_step(twice, NATIONAL, PATH, "national")
    assert refused.value.code == "not_direct_superior"


def test_the_shipped_rules_are_dated_unconfirmed_and_campaigns_have_their_own() -> None:
    rules = policy_of(Rulebook()).authority
    assert rules
    assert all(not r.confirmed and r.source for r in rules)
    yearly = authority.rule_for("district", "yearly", date(2026, 3, 2), rules)
    campaign = authority.rule_for("district", "campaign", date(2026, 3, 2), rules)
    assert (yearly.max_new_due_working_days, yearly.lapse_working_days) == (10, 5)
    assert (campaign.max_new_due_working_days, campaign.lapse_working_days) == (5, 3)
    with pytest.raises(LookupError):
        authority.rule_for("district", "yearly", date(2023, 12, 31), rules)


def test_the_most_specific_rule_in_force_wins() -> None:
    general = RULE
    district_only = RULE.model_copy(update={"level": "district", "lapse_working_days": 2})
    later = RULE.model_copy(update={"effective_from": date(2027, 1, 1), "level": "district", "lapse_working_days": 9})
    rules = (general, district_only, later)
    assert authority.rule_for("district", "yearly", date(2026, 6, 1), rules).lapse_working_days == 2
    assert authority.rule_for("city", "yearly", date(2026, 6, 1), rules).lapse_working_days == 5
    assert authority.rule_for("district", "yearly", date(2027, 6, 1), rules).lapse_working_days == 9


def test_reminders_at_eighty_percent_and_on_the_morning_of_the_due_date() -> None:
    opened = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    due = datetime(2026, 3, 12, 2, 0, tzinfo=UTC)
    times = reminder_times(opened, due, policy_of(Rulebook()).deadlines.reminder_on(date(2026, 3, 2)))
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


@pytest.mark.parametrize("state", [TaskState.OPEN, TaskState.CLAIMED])
@pytest.mark.parametrize("reason", ["overdue", "no_approver"])
def test_the_batchs_escalation_event_is_the_validated_event_byte_for_byte(state: TaskState, reason: str) -> None:
    """The timer batch builds TaskEscalated without validating again (values it already holds checked): what it
    serialises must be exactly what the validated model serialises, and read back as the same event."""
    before = district_task(state, claimant="u-district" if state is TaskState.CLAIMED else None)
    alerted = before.alert(CITY).alert(NATIONAL)  # a second alert: `alerted` holds two units
    fast = escalated_event(alerted, CITY, NATIONAL, reason, before.due_at, NOW + timedelta(days=20))  # type: ignore[arg-type]
    validated = TaskEscalated(
        event_id=fast.event_id,
        occurred_at=NOW + timedelta(days=20),
        correlation_id=alerted.nomination_id,
        task=alerted.snapshot(),
        from_unit=CITY,
        to_unit=NATIONAL,
        reason=reason,
        was_due_at=before.due_at,
    )
    assert fast.model_dump_json() == validated.model_dump_json()
    assert TaskEscalated.model_validate_json(fast.model_dump_json()) == validated
