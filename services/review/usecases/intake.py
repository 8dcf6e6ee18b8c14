"""Registration's nominations entering review: submitted, resubmitted after a return, withdrawn."""

from __future__ import annotations

from uuid import uuid4

from services.review.domain.deadlines import due_at
from services.review.domain.task import ReviewTask, TaskState, parent_in_path
from services.review.store.port import UnitOfWork
from services.review.store.records import NominationRecord, TaskRecord
from services.review.usecases import escalation
from services.review.usecases.context import CONSUMER, ReviewContext
from services.review.usecases.policy import policy_of
from shared.contracts.events import (
    SYSTEM_ACTOR,
    Event,
    NominationResubmitted,
    NominationSnapshot,
    NominationSubmitted,
    NominationWithdrawn,
    TaskOpened,
)
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.rulebook import Rulebook


async def on_submitted(review: ReviewContext, event: NominationSubmitted) -> None:
    nom = event.nomination
    async with review.unit_of_work() as uow:
        if await uow.first_delivery(CONSUMER, event, review.clock.now()) and await uow.nominations.get(nom.id) is None:
            # (a nomination already known was withdrawn before we saw it, or is already open)
            superior = parent_in_path(nom.unit_path, nom.unit.code)
            if superior is None:
                raise ValueError(f"nomination {nom.id} has no superior unit in its path")
            submitter = event.actor.user_id if event.actor.user_id != SYSTEM_ACTOR.user_id else None
            record = NominationRecord(
                id=nom.id, snapshot=nom, status="in_review", updated_at=event.occurred_at, submitted_by=submitter
            )
            await uow.nominations.add(record)
            await uow.publish(await open_task(uow, nom, superior, event, review.rules))
        await uow.commit()


async def on_resubmitted(review: ReviewContext, event: NominationResubmitted) -> None:
    nom = event.nomination
    async with review.unit_of_work() as uow:
        if await uow.first_delivery(CONSUMER, event, review.clock.now()):
            existing = await uow.nominations.get(nom.id, lock=True)
            if existing is not None and existing.status == "returned":  # else already withdrawn, or an outdated resubmission
                unit = next((u for u in nom.unit_path if u.code == existing.returned_at_unit), None)
                if unit is None:
                    raise ValueError(f"returned-at unit {existing.returned_at_unit} not on the path of {nom.id}")
                await uow.nominations.reopen(nom.id, nom, event.occurred_at)
                await uow.publish(await open_task(uow, nom, unit, event, review.rules))
        await uow.commit()


async def on_withdrawn(review: ReviewContext, event: NominationWithdrawn) -> None:
    async with review.unit_of_work() as uow:
        if await uow.first_delivery(CONSUMER, event, review.clock.now()):
            # Lock order as in `decide`: the nomination's tasks first, then the nomination.
            await uow.tasks.lock_of_nomination(event.nomination_id)
            existing = await uow.nominations.get(event.nomination_id, lock=True)
            if existing is None:
                withdrawn = NominationRecord(
                    id=event.nomination_id, snapshot=None, status="withdrawn", updated_at=event.occurred_at
                )
                await uow.nominations.add(withdrawn)
            else:
                await uow.nominations.set_status([event.nomination_id], "withdrawn", event.occurred_at)
                await uow.tasks.cancel_active_of_nomination(event.nomination_id, event.occurred_at, event.reason or None)
        await uow.commit()


async def open_task(uow: UnitOfWork, nom: NominationSnapshot, unit: UnitRef, cause: Event, rules: Rulebook) -> TaskOpened:
    """A new task in `unit`'s queue for the nomination, due by the level's deadline, with its timers."""
    award = rules.award_on(nom.award_code, cause.occurred_at.astimezone(VIETNAM_TZ).date())
    policy = policy_of(rules)
    due = due_at(
        cause.occurred_at,
        unit.level,
        award.kind if award else "yearly",
        policy.deadlines,
        policy.calendar,
        award_code=nom.award_code,
    )
    task = ReviewTask(
        id=str(uuid4()), nomination_id=nom.id, unit=unit, state=TaskState.OPEN, round=nom.round, due_at=due, queue_unit=unit
    )
    await uow.tasks.add(
        TaskRecord(
            task=task,
            award_code=nom.award_code,
            award_name=nom.award_name,
            nominee_name=nom.nominee.name,
            nominee_kind=nom.nominee.kind,
            origin_unit_code=nom.unit.code,
            origin_unit_name=nom.unit.name,
            period=nom.period,
            opened_at=cause.occurred_at,
        )
    )
    await escalation.schedule(uow, task, cause.occurred_at, policy)
    return TaskOpened(occurred_at=cause.occurred_at, correlation_id=nom.id, actor=cause.actor, task=task.snapshot())
