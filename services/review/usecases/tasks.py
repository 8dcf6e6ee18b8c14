"""An approver's commands on one task: claim, release, reassign, decide (approve, forward, return, reject)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.review.domain.task import Action, ReviewTask, TaskState, parent_in_path, require_reason
from services.review.store.port import UnitOfWork
from services.review.store.records import TaskRecord
from services.review.usecases import councils, intake, loading, queues
from services.review.usecases.context import ReviewContext
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import (
    Actor,
    Event,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationReturned,
    NominationSnapshot,
    TaskClaimed,
    TaskReleased,
)
from shared.contracts.operations.review import DecideTask, Reassign, TaskRef, TaskView
from shared.rules.rulebook import Rulebook


async def claim(review: ReviewContext, actor: Actor, request: TaskRef) -> TaskView:
    now = review.clock.now()
    return await _change_claim(review, actor, request.task_id, lambda t: t.claim(actor, now), TaskClaimed, claimed_at=now)


async def release(review: ReviewContext, actor: Actor, request: TaskRef) -> TaskView:
    return await _change_claim(review, actor, request.task_id, lambda t: t.release(actor), TaskReleased, claimed_at=None)


async def reassign(review: ReviewContext, actor: Actor, request: Reassign) -> TaskView:
    now = review.clock.now()
    return await _change_claim(
        review, actor, request.task_id, lambda t: t.reassign(actor, request.assignee), TaskClaimed, claimed_at=now
    )


async def _change_claim(
    review: ReviewContext,
    actor: Actor,
    task_id: str,
    change: Callable[[ReviewTask], ReviewTask],
    event_type: type[TaskClaimed] | type[TaskReleased],
    *,
    claimed_at: datetime | None,
) -> TaskView:
    """Claim, release or reassign: apply the domain change and record who holds the task now."""
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        record = await loading.load_task(uow, task_id, lock=True)
        changed = change(record.task)
        if changed is not record.task:
            await uow.tasks.save(replace(record, task=changed, claimed_at=claimed_at))
            await uow.publish(
                event_type(occurred_at=now, correlation_id=changed.nomination_id, actor=actor, task=changed.snapshot())
            )
        view = await queues.task_view(uow, actor, task_id, now, review.rules)  # the state this transaction commits
        await uow.commit()
    return view


async def decide(review: ReviewContext, actor: Actor, request: DecideTask) -> TaskView:
    """Approve (final at the awarding level, else forward to the parent), return or reject; only the claimant may."""
    action = Action(request.action)
    require_reason(action, request.comment)
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        record = await loading.load_task(uow, request.task_id, lock=True)
        task = record.task
        nom = await loading.nomination_of(uow, task, lock=True)
        decided = task.decide(actor, action, is_awarding_level=task.unit.level == nom.awarding_level)
        if decided.state in (TaskState.FORWARDED, TaskState.APPROVED):
            await councils.gate(uow, task, nom, review.rules)  # the council of the task's own level
        await uow.tasks.save(decision(record, decided, actor, request.comment, now))
        await uow.publish(*await consequences(uow, decided, nom, actor, request.comment, now, review.rules))
        view = await queues.task_view(uow, actor, request.task_id, now, review.rules)  # the state this transaction commits
        await uow.commit()
    return view


def decision(record: TaskRecord, decided: ReviewTask, actor: Actor, comment: str, now: datetime) -> TaskRecord:
    """The task's row once decided by `actor`."""
    return replace(
        record,
        task=decided,
        decided_at=now,
        decided_by=actor.user_id,
        decided_by_name=actor.full_name or actor.username,
        comment=comment or None,
    )


async def consequences(
    uow: UnitOfWork,
    task: ReviewTask,
    nom: NominationSnapshot,
    actor: Actor,
    comment: str,
    now: datetime,
    rules: Rulebook,
    *,
    proposal_number: str | None = None,
) -> list[Event]:
    """What a decision does beyond the task: the next level's task (forwarded, or received directly by the superior
    when overdue), or the nomination closed or returned."""
    common: dict[str, Any] = {"occurred_at": now, "correlation_id": nom.id, "actor": actor}
    if task.state in (TaskState.FORWARDED, TaskState.TAKEN_UP):
        parent = parent_in_path(nom.unit_path, task.unit.code)
        if parent is None:
            raise ValidationFailed.on("action", "Không có cấp trên để chuyển hồ sơ", code="no_parent_unit")
        forwarded = NominationForwarded(
            nomination_id=nom.id,
            from_unit=task.unit,
            to_unit=parent,
            comment=comment,
            proposal_number=proposal_number,
            received_directly=task.state is TaskState.TAKEN_UP,
            **common,
        )
        opened = await intake.open_task(uow, nom, parent, forwarded, rules)
        return [forwarded, opened]
    if task.state is TaskState.APPROVED:
        await uow.nominations.set_status([nom.id], "closed", now)
        return [NominationApproved(nomination=nom, issuer=task.unit, comment=comment, **common)]
    if task.state is TaskState.RETURNED:
        await uow.nominations.returned(nom.id, task.unit.code, now)
        return [NominationReturned(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]
    await uow.nominations.set_status([nom.id], "closed", now)
    return [NominationRejected(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]
