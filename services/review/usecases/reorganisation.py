"""Following registration's reorganisations of the unit tree: tasks move to their new superior's queue."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from services.review.store.port import UnitOfWork
from services.review.store.records import ReorganisationRecord
from services.review.usecases import escalation
from services.review.usecases.context import CONSUMER, ReviewContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor, Event, TaskReorganised, UnitsReorganised
from shared.contracts.operations.review import (
    MovedTasks,
    ReorganisationFollowed,
    ReorganisationPending,
    ReorganisationPreview,
    ReorganisationRef,
    ReorganisationResult,
    ReorganisationSummary,
)
from shared.contracts.values import UnitRef
from shared.platform.observability import require_operations


async def on_units_reorganised(review: ReviewContext, event: UnitsReorganised) -> None:
    """Registration reorganised the tree: every active task whose holder is no longer on its nomination's
    path moves to the new superior's queue, keeping its due date and timers; claims there are released."""
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        # The same reorganisation again under another event id is followed already.
        if await uow.first_delivery(CONSUMER, event, now) and await uow.reorganisations.get(event.reorganisation_id) is None:
            summary, events = await follow_reorganisation(uow, event, now, write=True)
            await uow.reorganisations.add(ReorganisationRecord(event.reorganisation_id, event.effective_on, now, summary))
            await uow.publish(*events)
        await uow.commit()


async def follow_reorganisation(
    uow: UnitOfWork, event: UnitsReorganised, now: datetime, *, write: bool
) -> tuple[ReorganisationSummary, list[Event]]:
    paths: dict[str, list[UnitRef]] = {}
    for nomination in await uow.nominations.under_review():
        if nomination.snapshot is None:
            continue
        nom = nomination.snapshot
        new_path = event.new_path(nom.unit_path)
        if new_path != nom.unit_path:
            paths[nomination.id] = new_path
            if write:
                changed = nom.model_copy(update={"unit_path": new_path})
                # A dossier returned by a unit that is gone goes back, when resubmitted, to the unit now at its level.
                returned_at = nomination.returned_at_unit
                returned_to = _same_level(nom.unit_path, new_path, returned_at) if returned_at else None
                await uow.nominations.repath(nomination.id, changed, returned_to)
    per_unit: dict[str, MovedTasks] = {}
    events: list[Event] = []
    released = repointed = 0
    for record in await uow.tasks.active_of_nominations(sorted(paths), lock=write):
        task = record.task
        after = task.rehome(paths[task.nomination_id])
        if after == task:
            continue
        if after.holder.code == task.holder.code:
            repointed += 1  # a renamed unit, or an escalated task whose own level changed: same queue
            if write:
                await uow.tasks.save(replace(record, task=after))
            continue
        moved_here = per_unit.get(after.holder.code, MovedTasks(name=after.holder.name, tasks=0))
        per_unit[after.holder.code] = moved_here.model_copy(update={"tasks": moved_here.tasks + 1})
        released += task.claimant_id is not None
        if not write:
            continue
        moved = replace(record, task=after, claimed_at=None)
        await uow.tasks.save(moved)
        comment = f"Sắp xếp tổ chức từ {event.effective_on:%d/%m/%Y}: {event.title}"
        await escalation.record_move(uow, task, after, "reorganised", now, actor=event.actor, comment=comment)
        await escalation.follow_new_holder(uow, after, now)
        await escalation.notify_unit(uow, moved, "reorganised_in", now)
        events.append(
            TaskReorganised(
                occurred_at=now,
                correlation_id=task.nomination_id,
                actor=event.actor,
                task=after.snapshot(),
                from_unit=task.holder,
                to_unit=after.holder,
                reorganisation_id=event.reorganisation_id,
                effective_on=event.effective_on,
                released_claimant=task.claimant_name,
            )
        )
    summary = ReorganisationSummary(
        reorganisation_id=event.reorganisation_id,
        tasks_moved=sum(e.tasks for e in per_unit.values()),
        tasks_moved_per_new_unit=dict(sorted(per_unit.items())),
        claims_released=released,
        tasks_repointed=repointed,
        nominations_repathed=len(paths),
    )
    return summary, events


def _same_level(old_path: list[UnitRef], new_path: list[UnitRef], code: str) -> str:
    """The unit of `new_path` at the level `code` held on `old_path` (itself when it is still there)."""
    level = next((u.level for u in old_path if u.code == code), None)
    return next((u.code for u in new_path if u.code == code or u.level == level), code)


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống", code="admin_only")


async def reorganisation_result(review: ReviewContext, actor: Actor, request: ReorganisationRef) -> ReorganisationResult:
    """What review did for a reorganisation, once it has followed it."""
    require_operations(actor)
    async with review.reading() as uow:
        record = await uow.reorganisations.get(request.id)
    if record is None:
        return ReorganisationResult(ReorganisationPending())
    return ReorganisationResult(ReorganisationFollowed(processed_at=record.processed_at, summary=record.summary))


async def reorganisation_preview(review: ReviewContext, actor: Actor, request: ReorganisationPreview) -> ReorganisationSummary:
    """The tasks a reorganisation would move (nothing is written)."""
    require_admin(actor)
    async with review.reading() as uow:
        summary, _ = await follow_reorganisation(uow, request.event, review.clock.now(), write=False)
    return summary
