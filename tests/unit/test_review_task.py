"""A review task's transition table and the claim / release / reassign / decide rules."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.review.domain.task import (
    TRANSITIONS,
    Action,
    ReviewTask,
    TaskState,
    parent_in_path,
    require_reason,
    transition,
)
from shared.contracts.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.contracts.events import Actor, Role
from tests.unit.factories import actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
DISTRICT = unit("HN-SONTAY")
OTHER_DISTRICT = unit("HN-THANHXUAN")

# The table as the workflow specifies it, written out independently of the source.
EXPECTED: dict[tuple[TaskState, Action], TaskState] = {
    (TaskState.OPEN, Action.CLAIM): TaskState.CLAIMED,
    (TaskState.OPEN, Action.REASSIGN): TaskState.CLAIMED,
    (TaskState.OPEN, Action.CANCEL): TaskState.CANCELLED,
    (TaskState.CLAIMED, Action.RELEASE): TaskState.OPEN,
    (TaskState.CLAIMED, Action.REASSIGN): TaskState.CLAIMED,
    (TaskState.CLAIMED, Action.FORWARD): TaskState.FORWARDED,
    (TaskState.CLAIMED, Action.APPROVE): TaskState.APPROVED,
    (TaskState.CLAIMED, Action.RETURN): TaskState.RETURNED,
    (TaskState.CLAIMED, Action.REJECT): TaskState.REJECTED,
    (TaskState.CLAIMED, Action.CANCEL): TaskState.CANCELLED,
    (TaskState.OPEN, Action.ESCALATE): TaskState.OPEN,
    (TaskState.CLAIMED, Action.ESCALATE): TaskState.CLAIMED,
    (TaskState.OPEN, Action.SET_DUE_DATE): TaskState.OPEN,
    (TaskState.CLAIMED, Action.SET_DUE_DATE): TaskState.CLAIMED,
    (TaskState.OPEN, Action.TAKE_UP): TaskState.TAKEN_UP,
    (TaskState.CLAIMED, Action.TAKE_UP): TaskState.TAKEN_UP,
    (TaskState.OPEN, Action.REHOME): TaskState.OPEN,
    (TaskState.CLAIMED, Action.REHOME): TaskState.OPEN,
}
ALL_PAIRS = list(itertools.product(TaskState, Action))
TERMINAL = [s for s in TaskState if s not in (TaskState.OPEN, TaskState.CLAIMED)]

APPROVER = actor("u-approver", ("approver", "HN-SONTAY"), full_name="Trần Thị Duyệt")
OTHER_APPROVER = actor("u-other", ("approver", "HN-SONTAY"), full_name="Lê Văn Khác")
UNIT_ADMIN = actor("u-uadmin", ("unit_admin", "HN-SONTAY"), full_name="Phạm Quản Trị")
SYSTEM_ADMIN = actor("u-admin", ("admin", None))


def task(state: TaskState = TaskState.OPEN, claimant: str | None = None, claimant_name: str | None = None) -> ReviewTask:
    return ReviewTask(
        id="t-1",
        nomination_id="n-1",
        unit=DISTRICT,
        state=state,
        round=1,
        claimant_id=claimant,
        claimant_name=claimant_name,
    )


def claimed_by_approver() -> ReviewTask:
    return task(TaskState.CLAIMED, APPROVER.user_id, APPROVER.full_name)


# The transition table


def test_transition_table_is_exactly_the_specified_one() -> None:
    assert TRANSITIONS == EXPECTED


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_PAIRS])
def test_every_state_action_pair_either_moves_to_the_table_state_or_is_an_invalid_transition(
    state: TaskState, action: Action
) -> None:
    if (state, action) in EXPECTED:
        assert transition(state, action) is EXPECTED[(state, action)]
    else:
        with pytest.raises(InvalidTransition) as raised:
            transition(state, action)
        assert raised.value.code == "invalid_transition"
        assert raised.value.status == 409


@pytest.mark.parametrize("state", TERMINAL)
def test_no_action_leaves_a_finished_task(state: TaskState) -> None:
    for action in Action:
        with pytest.raises(InvalidTransition):
            transition(state, action)


# Claim


def test_approver_of_the_unit_can_claim_an_open_task() -> None:
    claimed = task().claim(APPROVER, NOW)
    assert claimed.state is TaskState.CLAIMED
    assert claimed.claimant_id == "u-approver"
    assert claimed.claimant_name == "Trần Thị Duyệt"


def test_claimant_name_falls_back_to_username_when_full_name_is_empty() -> None:
    claimed = task().claim(actor("u-x", ("approver", "HN-SONTAY")), NOW)
    assert claimed.claimant_name == "u-x-login"


def test_unit_admin_of_the_unit_can_claim_an_open_task() -> None:
    assert task().claim(UNIT_ADMIN, NOW).claimant_id == "u-uadmin"


def test_claiming_your_own_claimed_task_again_returns_the_same_task() -> None:
    claimed = task().claim(APPROVER, NOW)
    assert claimed.claim(APPROVER, NOW) is claimed


def test_second_claim_by_another_approver_is_a_conflict() -> None:
    claimed = task().claim(APPROVER, NOW)
    with pytest.raises(Conflict) as raised:
        claimed.claim(OTHER_APPROVER, NOW)
    assert raised.value.code == "task_already_claimed"
    assert raised.value.status == 409
    assert "Trần Thị Duyệt" in raised.value.title


@pytest.mark.parametrize(
    "outsider",
    [
        actor("u-sub", ("submitter", "HN-SONTAY")),
        actor("u-elsewhere", ("approver", "HN-THANHXUAN")),
        actor("u-elsewhere-admin", ("unit_admin", "HN-THANHXUAN")),
        actor("u-parent", ("approver", "HN")),
        actor("u-ops", ("ops", None)),
        actor("u-admin", ("admin", None)),
        actor("u-nobody"),
    ],
    ids=["submitter", "approver-elsewhere", "unit-admin-elsewhere", "approver-of-parent", "ops", "admin", "no-roles"],
)
def test_user_without_approver_or_unit_admin_role_on_the_unit_cannot_claim(outsider: Actor) -> None:
    with pytest.raises(Forbidden) as raised:
        task().claim(outsider, NOW)
    assert raised.value.code == "not_unit_approver"
    assert raised.value.status == 403


def test_outsider_is_forbidden_even_when_the_task_is_already_claimed() -> None:
    with pytest.raises(Forbidden):
        claimed_by_approver().claim(actor("u-sub", ("submitter", "HN-SONTAY")), NOW)


@pytest.mark.parametrize("state", TERMINAL)
def test_a_finished_task_cannot_be_claimed(state: TaskState) -> None:
    with pytest.raises(InvalidTransition):
        task(state).claim(APPROVER, NOW)


ROLES: list[Role] = ["submitter", "approver", "unit_admin", "ops", "admin"]
UNIT_CODES = ["HN-SONTAY", "HN-THANHXUAN", "HN", None]
grants = st.lists(st.tuples(st.sampled_from(ROLES), st.sampled_from(UNIT_CODES)), max_size=4)


@given(grants=grants)
def test_claim_succeeds_exactly_when_the_actor_approves_or_administers_the_unit(grants: list[tuple[Role, str | None]]) -> None:
    who = actor("u-any", *grants)
    entitled = any(role in ("approver", "unit_admin") and code == "HN-SONTAY" for role, code in grants)
    if entitled:
        assert task().claim(who, NOW).claimant_id == "u-any"
    else:
        with pytest.raises(Forbidden):
            task().claim(who, NOW)


# Release


def test_claimant_can_release_the_task_back_to_the_queue() -> None:
    released = claimed_by_approver().release(APPROVER)
    assert released.state is TaskState.OPEN
    assert released.claimant_id is None
    assert released.claimant_name is None


@pytest.mark.parametrize("admin", [UNIT_ADMIN, SYSTEM_ADMIN], ids=["unit-admin", "system-admin"])
def test_unit_admin_or_admin_can_release_someone_elses_task(admin: Actor) -> None:
    released = claimed_by_approver().release(admin)
    assert released.state is TaskState.OPEN
    assert released.claimant_id is None


@pytest.mark.parametrize(
    "other",
    [OTHER_APPROVER, actor("u-elsewhere-admin", ("unit_admin", "HN-THANHXUAN")), actor("u-ops", ("ops", None))],
    ids=["another-approver", "unit-admin-elsewhere", "ops"],
)
def test_nobody_else_can_release_a_claimed_task(other: Actor) -> None:
    with pytest.raises(Forbidden) as raised:
        claimed_by_approver().release(other)
    assert raised.value.code == "not_claimant"


def test_an_open_task_cannot_be_released() -> None:
    with pytest.raises(InvalidTransition):
        task().release(UNIT_ADMIN)


# Reassign


def test_unit_admin_can_assign_an_open_task_to_an_approver_of_the_unit() -> None:
    assigned = task().reassign(UNIT_ADMIN, OTHER_APPROVER)
    assert assigned.state is TaskState.CLAIMED
    assert assigned.claimant_id == "u-other"
    assert assigned.claimant_name == "Lê Văn Khác"


def test_unit_admin_can_move_a_claimed_task_to_another_approver() -> None:
    assigned = claimed_by_approver().reassign(UNIT_ADMIN, OTHER_APPROVER)
    assert assigned.state is TaskState.CLAIMED
    assert assigned.claimant_id == "u-other"


@pytest.mark.parametrize(
    "not_admin",
    [APPROVER, actor("u-elsewhere-admin", ("unit_admin", "HN-THANHXUAN")), actor("u-sub", ("submitter", "HN-SONTAY"))],
    ids=["approver", "unit-admin-elsewhere", "submitter"],
)
def test_only_a_unit_admin_may_reassign(not_admin: Actor) -> None:
    with pytest.raises(Forbidden) as raised:
        claimed_by_approver().reassign(not_admin, OTHER_APPROVER)
    assert raised.value.code == "not_unit_admin"


@pytest.mark.parametrize(
    "assignee",
    [
        actor("u-elsewhere", ("approver", "HN-THANHXUAN")),
        actor("u-sub", ("submitter", "HN-SONTAY")),
        actor("u-uadmin2", ("unit_admin", "HN-SONTAY")),
    ],
    ids=["approver-elsewhere", "submitter", "unit-admin-not-approver"],
)
def test_assignee_must_be_an_approver_of_the_unit(assignee: Actor) -> None:
    with pytest.raises(ValidationFailed) as raised:
        task().reassign(UNIT_ADMIN, assignee)
    assert raised.value.code == "assignee_not_approver"
    assert [f.field for f in raised.value.fields] == ["assignee"]


@pytest.mark.parametrize("state", TERMINAL)
def test_a_finished_task_cannot_be_reassigned(state: TaskState) -> None:
    with pytest.raises(InvalidTransition):
        task(state, APPROVER.user_id).reassign(UNIT_ADMIN, OTHER_APPROVER)


# Decide


def test_claimant_approving_at_the_awarding_level_approves_finally() -> None:
    assert claimed_by_approver().decide(APPROVER, Action.APPROVE, is_awarding_level=True).state is TaskState.APPROVED


def test_claimant_approving_below_the_awarding_level_forwards_to_the_parent() -> None:
    assert claimed_by_approver().decide(APPROVER, Action.APPROVE, is_awarding_level=False).state is TaskState.FORWARDED


@pytest.mark.parametrize("is_awarding_level", [True, False])
@pytest.mark.parametrize(("action", "result"), [(Action.RETURN, TaskState.RETURNED), (Action.REJECT, TaskState.REJECTED)])
def test_claimant_can_return_or_reject_at_any_level(action: Action, result: TaskState, is_awarding_level: bool) -> None:
    decided = claimed_by_approver().decide(APPROVER, action, is_awarding_level=is_awarding_level)
    assert decided.state is result
    assert decided.claimant_id == APPROVER.user_id


@pytest.mark.parametrize("decider", [OTHER_APPROVER, UNIT_ADMIN, SYSTEM_ADMIN], ids=["another-approver", "unit-admin", "admin"])
@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN, Action.REJECT])
def test_only_the_claimant_may_decide(decider: Actor, action: Action) -> None:
    with pytest.raises(Forbidden) as raised:
        claimed_by_approver().decide(decider, action, is_awarding_level=True)
    assert raised.value.code == "not_claimant"


@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN, Action.REJECT])
def test_deciding_an_unclaimed_task_is_an_invalid_transition(action: Action) -> None:
    with pytest.raises(InvalidTransition):
        task().decide(APPROVER, action, is_awarding_level=True)


@pytest.mark.parametrize("state", TERMINAL)
def test_deciding_a_finished_task_again_is_an_invalid_transition(state: TaskState) -> None:
    with pytest.raises(InvalidTransition):
        task(state, APPROVER.user_id).decide(APPROVER, Action.APPROVE, is_awarding_level=True)


@pytest.mark.parametrize("action", [Action.CLAIM, Action.RELEASE, Action.REASSIGN, Action.CANCEL])
def test_decide_accepts_only_approve_return_or_reject(action: Action) -> None:
    with pytest.raises(ValidationFailed) as raised:
        claimed_by_approver().decide(APPROVER, action, is_awarding_level=True)
    assert [f.field for f in raised.value.fields] == ["action"]


@pytest.mark.parametrize("state", [TaskState.OPEN, TaskState.CLAIMED])
def test_an_active_task_can_be_cancelled(state: TaskState) -> None:
    assert task(state).cancel().state is TaskState.CANCELLED


def test_a_decided_task_cannot_be_cancelled() -> None:
    with pytest.raises(InvalidTransition):
        task(TaskState.APPROVED).cancel()


# Reasons


@pytest.mark.parametrize("action", [Action.RETURN, Action.REJECT])
@pytest.mark.parametrize("comment", ["", "    ", "abcd", "  abcd  ", "\n\tab\n"])
def test_returning_or_rejecting_without_a_five_character_reason_is_refused(action: Action, comment: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        require_reason(action, comment)
    assert raised.value.code == "reason_required"
    assert [f.field for f in raised.value.fields] == ["comment"]


@pytest.mark.parametrize("action", [Action.RETURN, Action.REJECT])
def test_a_five_character_reason_is_enough_to_return_or_reject(action: Action) -> None:
    require_reason(action, "Thiếu")
    require_reason(action, "  thiếu minh chứng  ")


def test_approving_needs_no_reason() -> None:
    require_reason(Action.APPROVE, "")


@given(action=st.sampled_from(list(Action)), comment=st.text(max_size=12))
def test_a_reason_is_required_exactly_for_return_and_reject_with_short_comments(action: Action, comment: str) -> None:
    must_refuse = action in (Action.RETURN, Action.REJECT) and len(comment.strip()) < 5
    if must_refuse:
        with pytest.raises(ValidationFailed):
            require_reason(action, comment)
    else:
        require_reason(action, comment)


# The unit above


def test_parent_in_path_is_the_next_unit_up_the_nominations_chain() -> None:
    chain = path("HN-SONTAY-DST")
    assert parent_in_path(chain, "HN-SONTAY-DST") == unit("HN-SONTAY")
    assert parent_in_path(chain, "HN-SONTAY") == unit("HN")
    assert parent_in_path(chain, "HN") == unit("TLD")


def test_the_root_has_no_parent_in_the_path() -> None:
    assert parent_in_path(path("HN-SONTAY-DST"), "TLD") is None


def test_a_unit_outside_the_path_has_no_parent_in_it() -> None:
    assert parent_in_path(path("HN-SONTAY-DST"), "HN-THANHXUAN") is None
    assert parent_in_path([], "HN") is None
