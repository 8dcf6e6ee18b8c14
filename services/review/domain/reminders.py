"""When a task's timers fire and whom its reminders and alerts notify, with what words.

Every active task has timers for its current due date (`generation`): `before_due` (at the configured share
of the time), `due_day` (the morning of the due date) and `escalate` (the due date itself: its superior is alerted).
Once a superior is alerted, one `escalate` timer waits for the rule's lapse period: if nobody set a new due date
by then, the unit above the superior is alerted too. A unit the portal announced with no active approver escalates
at once instead, and gets no reminders.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.review.domain.deadlines import ReminderRule, reminder_times
from services.review.domain.task import ReviewTask
from shared.contracts.events import Recipient
from shared.contracts.operations.review import NOTIFICATION_TEXT_MAX
from shared.contracts.values import LEVELS, VIETNAM_TZ

REMINDER_KINDS = ("before_due", "due_day")
NOTIFICATION_TEXT = {
    "before_due": "Sắp đến hạn xử lý ({due})",
    "due_day": "Hôm nay là hạn xử lý ({due})",
    "escalated_in": "Quá hạn ở cấp dưới: {unit} chưa xử lý, hạn {due}",
    "overdue": "Quá hạn xử lý (hạn {due}); đã báo {superior}",
    "urged": "{superior} đôn đốc: {message}",
    "sent_back": "{superior} đặt hạn mới {due}: {message}",
    "reorganised_in": "Chuyển đến theo sắp xếp tổ chức, hạn xử lý giữ nguyên {due}",
}
TEXT_LIMIT = NOTIFICATION_TEXT_MAX  # the reply's bound


def parent_of_holder_exists(task: ReviewTask) -> bool:
    return task.holder.level != LEVELS[-1]  # the top level has no unit above it


def without_approver(task: ReviewTask, roster: Sequence[Recipient] | None) -> bool:
    """The holder is known to have no active approver (a unit never announced is unknown, not empty)
    and there is a parent to escalate to."""
    return roster is not None and not roster and parent_of_holder_exists(task)


def timer_plan(
    task: ReviewTask, since: datetime, roster: Sequence[Recipient] | None, reminder: ReminderRule
) -> list[tuple[str, datetime]]:
    """The timers (kind, when) for the task's current due date; at once if the holder has no approver (`reminder`:
    the reminder rule in force on `since`)."""
    if task.due_at is None:
        return []
    escalate_at = since if without_approver(task, roster) else task.due_at  # "a unit with no active approver escalates at once"
    plan = [("escalate", escalate_at)]
    if escalate_at == task.due_at:
        plan += list(reminder_times(since, task.due_at, reminder).items())
    return plan


def escalation_after_move(task: ReviewTask, roster: Sequence[Recipient] | None, now: datetime) -> datetime | None:
    """A task moved without a new due date (reorganisation): its pending escalation stays at the due date,
    unless the new holder is known to have no approver. None when the task has no due date."""
    if task.due_at is None:
        return None
    return now if without_approver(task, roster) else task.due_at


def recipients(task: ReviewTask, roster: Sequence[Recipient] | None) -> list[Recipient]:
    """The claimant, or every approver of the unit holding the task."""
    if task.claimant_id is not None:
        return [Recipient(user_id=task.claimant_id, full_name=task.claimant_name or "")]
    return list(roster or [])


def notification_text(task: ReviewTask, kind: str, nominee: str, award: str, *, superior: str = "", message: str = "") -> str:
    due = task.due_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if task.due_at else "—"
    words = NOTIFICATION_TEXT[kind].format(due=due, unit=task.unit.short_name, superior=superior, message=message)
    return f"{nominee} — {award}: {words}"[:TEXT_LIMIT]
