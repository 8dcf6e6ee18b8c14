"""A review task's life: a small explicit transition table and the decisions an approver makes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.contracts.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.contracts.events import Actor, TaskSnapshot
from shared.contracts.values import UnitRef


class TaskState(StrEnum):
    OPEN = "open"  # in the unit's queue, nobody working on it
    CLAIMED = "claimed"  # one approver is working on it
    FORWARDED = "forwarded"  # approved here, a task opened at the parent unit
    APPROVED = "approved"  # final approval at the awarding level
    RETURNED = "returned"  # back to the submitter for correction
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the nomination was withdrawn
    TAKEN_UP = "taken_up"  # overdue here, received directly by the superior, whose own task opened at its level


class Action(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    FORWARD = "forward"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    CANCEL = "cancel"
    ESCALATE = "escalate"  # overdue (or no active approver): a superior is alerted; the task stays in its unit's queue
    SET_DUE_DATE = "set_due_date"  # a superior alerted to the overdue task gives it a new due date
    TAKE_UP = "take_up"  # the superior receives the dossier directly ("xét vượt cấp"), where the route passes through it
    REHOME = "rehome"  # the tree was reorganised: the task follows its nomination to the new superior


TRANSITIONS: dict[tuple[TaskState, Action], TaskState] = {
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
    (TaskState.CLAIMED, Action.ESCALATE): TaskState.CLAIMED,  # the unit keeps working on it; its superior watches
    (TaskState.OPEN, Action.SET_DUE_DATE): TaskState.OPEN,
    (TaskState.CLAIMED, Action.SET_DUE_DATE): TaskState.CLAIMED,
    (TaskState.OPEN, Action.TAKE_UP): TaskState.TAKEN_UP,
    (TaskState.CLAIMED, Action.TAKE_UP): TaskState.TAKEN_UP,
    (TaskState.OPEN, Action.REHOME): TaskState.OPEN,
    (TaskState.CLAIMED, Action.REHOME): TaskState.OPEN,  # the old holder's approver no longer holds it
}

STATE_LABELS_VI: dict[TaskState, str] = {
    TaskState.OPEN: "Chờ nhận",
    TaskState.CLAIMED: "Đang xử lý",
    TaskState.FORWARDED: "Đã chuyển cấp trên",
    TaskState.APPROVED: "Đã phê duyệt",
    TaskState.RETURNED: "Đã trả lại",
    TaskState.REJECTED: "Không duyệt",
    TaskState.CANCELLED: "Đã hủy (rút hồ sơ)",
    TaskState.TAKEN_UP: "Cấp trên nhận trực tiếp do quá hạn",
}

ACTIVE_STATES = frozenset({TaskState.OPEN, TaskState.CLAIMED})


def transition(state: TaskState, action: Action) -> TaskState:
    new = TRANSITIONS.get((state, action))
    if new is None:
        raise InvalidTransition(f"Không thể thực hiện khi nhiệm vụ ở trạng thái “{STATE_LABELS_VI[state]}”")
    return new


@dataclass(frozen=True)
class ReviewTask:
    """A nomination's review at one level. `unit` is the level whose decision it is, and its queue holds the task
    (`queue_unit` is the same unit; before issue 17 an overdue task moved to an ancestor's queue). `alerted` are
    the ancestors told that the task is overdue here, the lowest first: each may watch it, urge the unit or set a
    new due date; none decides it in the unit's name."""

    id: str
    nomination_id: str
    unit: UnitRef
    state: TaskState
    round: int
    claimant_id: str | None = None
    claimant_name: str | None = None
    due_at: datetime | None = None
    queue_unit: UnitRef | None = None
    escalations: int = 0  # how many times a superior was alerted, over the task's life
    generation: int = 0  # bumped by every alert and new due date, so that timers set for an earlier one do nothing
    alerted: tuple[UnitRef, ...] = ()

    @property
    def holder(self) -> UnitRef:
        return self.queue_unit or self.unit

    @property
    def is_escalated(self) -> bool:
        """Overdue here with a superior alerted."""
        return bool(self.alerted)

    @property
    def alerted_top(self) -> UnitRef | None:
        """The highest ancestor alerted so far: the next to be alerted is the one above it."""
        return self.alerted[-1] if self.alerted else None

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    def snapshot(self) -> TaskSnapshot:
        return TaskSnapshot(**self.snapshot_fields())

    def snapshot_fields(self) -> dict[str, Any]:
        """The snapshot's fields, as the task holds them (escalation builds thousands without validating them again)."""
        return dict(
            task_id=self.id,
            nomination_id=self.nomination_id,
            unit=self.unit,
            state=self.state.value,
            round=self.round,
            claimant_id=self.claimant_id,
            claimant_name=self.claimant_name,
            due_at=self.due_at,
            queue_unit=self.holder,
            escalations=self.escalations,
            alerted=list(self.alerted),
        )

    def claim(self, actor: Actor, now: datetime) -> ReviewTask:
        require_approver(actor, self.holder)
        if self.state is TaskState.CLAIMED and self.claimant_id == actor.user_id:
            return self  # claiming your own task again changes nothing
        if self.state is TaskState.CLAIMED:
            raise Conflict(f"Hồ sơ đã được {self.claimant_name} nhận xử lý", code="task_already_claimed")
        return replace(self, state=transition(self.state, Action.CLAIM), claimant_id=actor.user_id, claimant_name=_name(actor))

    def release(self, actor: Actor) -> ReviewTask:
        if self.claimant_id != actor.user_id and not is_unit_admin(actor, self.holder):
            raise Forbidden("Chỉ người đang xử lý hoặc quản trị đơn vị được trả nhiệm vụ về hộp việc", code="not_claimant")
        return replace(self, state=transition(self.state, Action.RELEASE), claimant_id=None, claimant_name=None)

    def reassign(self, actor: Actor, assignee: Actor) -> ReviewTask:
        if not is_unit_admin(actor, self.holder):
            raise Forbidden("Chỉ quản trị đơn vị được giao lại nhiệm vụ", code="not_unit_admin")
        if not assignee.has_role("approver", self.holder.code):
            raise ValidationFailed.on(
                "assignee", "Người được giao không phải người duyệt của đơn vị", code="assignee_not_approver"
            )
        return replace(
            self, state=transition(self.state, Action.REASSIGN), claimant_id=assignee.user_id, claimant_name=_name(assignee)
        )

    def decide(self, actor: Actor, action: Action, *, is_awarding_level: bool) -> ReviewTask:
        """Approve (final here, or forward to the parent), return or reject; only the claimant may."""
        if self.state is not TaskState.CLAIMED:
            transition(self.state, action)  # raises with the state in the message
        if self.claimant_id != actor.user_id:
            raise Forbidden("Bạn cần nhận xử lý hồ sơ trước khi quyết định", code="not_claimant")
        if action is Action.APPROVE and not is_awarding_level:
            action = Action.FORWARD
        if action not in (Action.APPROVE, Action.FORWARD, Action.RETURN, Action.REJECT):
            raise ValidationFailed.on("action", "Thao tác phải là approve, return hoặc reject")
        return replace(self, state=transition(self.state, action))

    def cancel(self) -> ReviewTask:
        return replace(self, state=transition(self.state, Action.CANCEL))

    def alert(self, superior: UnitRef) -> ReviewTask:
        """Overdue (or no active approver): `superior` is alerted; the task stays in its unit's queue, claim and all."""
        return replace(
            self,
            state=transition(self.state, Action.ESCALATE),
            alerted=(*self.alerted, superior),
            escalations=self.escalations + 1,
            generation=self.generation + 1,
        )

    def with_new_due_date(self, new_due: datetime, now: datetime) -> ReviewTask:
        """A superior's new due date: no longer overdue, no superior alerted until it lapses again."""
        if new_due <= now:
            raise ValidationFailed.on("due_on", "Hạn mới phải sau thời điểm hiện tại", code="due_in_past")
        return replace(
            self, state=transition(self.state, Action.SET_DUE_DATE), due_at=new_due, alerted=(), generation=self.generation + 1
        )

    def taken_up(self) -> ReviewTask:
        """The superior received the dossier directly: this level's step closes, unclaimed."""
        return replace(
            self,
            state=transition(self.state, Action.TAKE_UP),
            claimant_id=None,
            claimant_name=None,
            generation=self.generation + 1,
        )

    def rehome(self, new_path: list[UnitRef]) -> ReviewTask:
        """The task after a reorganisation changed its nomination's path: its level's unit and its holder
        become the units at the same levels on the new path. A new holder means a move, unclaimed; the due
        date and the timers' generation stay (no new deadline)."""
        at_level = {u.level: u for u in new_path}
        unit = at_level.get(self.unit.level, self.unit)
        holder = at_level.get(self.holder.level, self.holder)
        alerted = tuple(at_level.get(u.level, u) for u in self.alerted)
        if (unit, holder, alerted) == (self.unit, self.holder, self.alerted):
            return self
        if holder.code == self.holder.code:
            return replace(self, unit=unit, queue_unit=holder, alerted=alerted)
        return replace(
            self,
            state=transition(self.state, Action.REHOME),
            unit=unit,
            queue_unit=holder,
            alerted=alerted,
            claimant_id=None,
            claimant_name=None,
        )


def escalation_chain(task: ReviewTask) -> list[UnitRef]:
    """The task's own unit and the superiors alerted that it is overdue there: each can see the task; only the unit
    decides it."""
    return [task.unit, *task.alerted]


def require_approver(actor: Actor, unit: UnitRef) -> None:
    if not (actor.has_role("approver", unit.code) or actor.has_role("unit_admin", unit.code)):
        raise Forbidden("Bạn không phải người duyệt của đơn vị này", code="not_unit_approver")


def is_unit_admin(actor: Actor, unit: UnitRef) -> bool:
    return actor.is_admin or actor.has_role("unit_admin", unit.code)


def require_reason(action: Action, comment: str) -> None:
    if action in (Action.RETURN, Action.REJECT) and len(comment.strip()) < 5:
        raise ValidationFailed.on("comment", "Cần ghi rõ lý do (ít nhất 5 ký tự)", code="reason_required")


def parent_in_path(path: list[UnitRef], unit_code: str) -> UnitRef | None:
    """The unit above `unit_code` on the nomination's path to the root."""
    for i, unit in enumerate(path):
        if unit.code == unit_code:
            return path[i + 1] if i + 1 < len(path) else None
    return None


def _name(actor: Actor) -> str:
    return actor.full_name or actor.username
