"""What a superior does with a task overdue at a unit below it ("Quá hạn ở cấp dưới"): urge the unit, set a new due
date with a reason, or, where the award's route passes through the superior anyway, receive the dossier directly.

Review owns the rule (domain.authority): only approvers and unit administrators of a superior alerted to the task may
act; the task's own unit still decides it, and a final decision is never taken from the unit the catalogue names.
"""

from __future__ import annotations

from dataclasses import replace

from services.review.domain import authority
from services.review.domain.deadlines import after_working_days, end_of_day
from services.review.usecases import escalation, loading, queues, tasks
from services.review.usecases.context import ReviewContext
from services.review.usecases.policy import policy_of
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor, TaskSentBack
from shared.contracts.operations.review import ReceiveDirectly, SetDueDate, TaskView, UrgeTask
from shared.contracts.values import VIETNAM_TZ

RECEIVED_DIRECTLY = "Cấp trên nhận trực tiếp do quá hạn"


def require_words(field: str, text: str, what: str) -> str:
    if len(text.strip()) < 5:
        raise ValidationFailed.on(field, f"Cần ghi rõ {what} (ít nhất 5 ký tự)", code="reason_required")
    return text.strip()


async def urge(review: ReviewContext, actor: Actor, request: UrgeTask) -> TaskView:
    """A message to the unit's approvers (the claimant, if someone holds the task), kept on the task's timeline."""
    message = require_words("message", request.message, "nội dung đôn đốc")
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        record = await loading.load_task(uow, request.task_id, lock=True)
        superior = authority.may_act(record.task, actor, "urge", escalation.authority_rule(record, now, review.rules))
        await escalation.record_move(
            uow, record.task, record.task, "urged", now, actor=actor, comment=message, from_unit=superior
        )
        await escalation.notify_unit(uow, record, "urged", now, superior=superior.short_name, message=message)
        view = await queues.task_view(uow, actor, request.task_id, now, review.rules)
        await uow.commit()
    return view


async def set_due_date(review: ReviewContext, actor: Actor, request: SetDueDate) -> TaskView:
    """A new due date for the task's own unit, within the rule's bound: the timers start again for it."""
    reason = require_words("reason", request.reason, "lý do đặt hạn mới")
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        record = await loading.load_task(uow, request.task_id, lock=True)
        task = record.task
        rule = escalation.authority_rule(record, now, review.rules)
        superior = authority.may_act(task, actor, "set_due_date", rule)
        policy = policy_of(review.rules)
        latest = after_working_days(now, rule.max_new_due_working_days, policy.calendar)
        if end_of_day(request.due_on) > end_of_day(latest.astimezone(VIETNAM_TZ).date()):
            raise ValidationFailed.on(
                "due_on",
                f"Hạn mới không được quá {rule.max_new_due_working_days} ngày làm việc (muộn nhất {latest:%d/%m/%Y})",
                code="due_too_late",
            )
        changed = replace(record, task=task.with_new_due_date(end_of_day(request.due_on), now))
        await uow.tasks.save(changed)
        await escalation.record_move(uow, task, changed.task, "sent_back", now, actor=actor, comment=reason, from_unit=superior)
        await escalation.schedule(uow, changed.task, now, policy)
        await escalation.notify_unit(uow, changed, "sent_back", now, superior=superior.short_name, message=reason)
        await uow.publish(
            TaskSentBack(
                occurred_at=now,
                correlation_id=task.nomination_id,
                actor=actor,
                task=changed.task.snapshot(),
                from_unit=superior,
                to_unit=task.unit,
                comment=reason,
            )
        )
        view = await queues.task_view(uow, actor, request.task_id, now, review.rules)
        await uow.commit()
    return view


async def receive_directly(review: ReviewContext, actor: Actor, request: ReceiveDirectly) -> TaskView:
    """The lower step closes as received by the superior; the superior's own task opens at its own level, with its own
    council, exactly as if the unit had forwarded it. Refused where the unit is the awarding level."""
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        record = await loading.load_task(uow, request.task_id, lock=True)
        task = record.task
        superior = authority.may_act(task, actor, "receive_directly", escalation.authority_rule(record, now, review.rules))
        nom = await loading.nomination_of(uow, task, lock=True)
        authority.require_forward_step(task, superior, nom.unit_path, nom.awarding_level)
        comment = RECEIVED_DIRECTLY + (f": {request.comment.strip()}" if request.comment.strip() else "")
        closed = tasks.decision(record, task.taken_up(), actor, comment, now)
        await uow.tasks.save(closed)
        await escalation.record_move(uow, task, closed.task, "received", now, actor=actor, comment=comment, from_unit=superior)
        # the dossier's timeline names the step itself ("… nhận trực tiếp hồ sơ quá hạn ở …"): the superior's words only
        said = request.comment.strip()
        await uow.publish(*await tasks.consequences(uow, closed.task, nom, actor, said, now, review.rules))
        view = await queues.task_view(uow, actor, request.task_id, now, review.rules)
        await uow.commit()
    return view
