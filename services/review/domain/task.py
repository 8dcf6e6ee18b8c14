"""A review task's life: a small explicit transition table and the decisions an approver makes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shared.contracts import Actor
from shared.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.reference import UnitRef


class TaskState(StrEnum):
    OPEN = "open"  # in the unit's queue, nobody working on it
    CLAIMED = "claimed"  # one approver is working on it
    FORWARDED = "forwarded"  # approved here, a task opened at the parent unit
    APPROVED = "approved"  # final approval at the awarding level
    RETURNED = "returned"  # back to the submitter for correction
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the nomination was withdrawn


class Action(StrEnum):
    CLAIM = "claim"
    RELEASE = "release"
    REASSIGN = "reassign"
    FORWARD = "forward"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    CANCEL = "cancel"


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
}

STATE_LABELS_VI: dict[TaskState, str] = {
    TaskState.OPEN: "Chờ nhận",
    TaskState.CLAIMED: "Đang xử lý",
    TaskState.FORWARDED: "Đã chuyển cấp trên",
    TaskState.APPROVED: "Đã phê duyệt",
    TaskState.RETURNED: "Đã trả lại",
    TaskState.REJECTED: "Không duyệt",
    TaskState.CANCELLED: "Đã hủy (rút hồ sơ)",
}

ACTIVE_STATES = frozenset({TaskState.OPEN, TaskState.CLAIMED})


def transition(state: TaskState, action: Action) -> TaskState:
    new = TRANSITIONS.get((state, action))
    if new is None:
        raise InvalidTransition(f"Không thể thực hiện khi nhiệm vụ ở trạng thái “{STATE_LABELS_VI[state]}”")
    return new


@dataclass(frozen=True)
class ReviewTask:
    id: str
    nomination_id: str
    unit: UnitRef
    state: TaskState
    round: int
    claimant_id: str | None = None
    claimant_name: str | None = None
    due_at: datetime | None = None

    def claim(self, actor: Actor, now: datetime) -> ReviewTask:
        require_approver(actor, self.unit)
        if self.state is TaskState.CLAIMED and self.claimant_id == actor.user_id:
            return self  # claiming your own task again changes nothing
        if self.state is TaskState.CLAIMED:
            raise Conflict(f"Hồ sơ đã được {self.claimant_name} nhận xử lý", code="task_already_claimed")
        return replace(self, state=transition(self.state, Action.CLAIM), claimant_id=actor.user_id, claimant_name=_name(actor))

    def release(self, actor: Actor) -> ReviewTask:
        if self.claimant_id != actor.user_id and not is_unit_admin(actor, self.unit):
            raise Forbidden("Chỉ người đang xử lý hoặc quản trị đơn vị được trả nhiệm vụ về hộp việc", code="not_claimant")
        return replace(self, state=transition(self.state, Action.RELEASE), claimant_id=None, claimant_name=None)

    def reassign(self, actor: Actor, assignee: Actor) -> ReviewTask:
        if not is_unit_admin(actor, self.unit):
            raise Forbidden("Chỉ quản trị đơn vị được giao lại nhiệm vụ", code="not_unit_admin")
        if not assignee.has_role("approver", self.unit.code):
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
