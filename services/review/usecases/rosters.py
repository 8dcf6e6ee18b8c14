"""The portal's roster of each unit's approvers, kept as a replica: who is told, and who is missing."""

from __future__ import annotations

from datetime import datetime

from services.review.store.port import UnitOfWork
from services.review.store.records import Roster
from services.review.usecases.context import CONSUMER, ReviewContext
from shared.contracts.events import UnitApproversChanged


async def on_approvers_changed(review: ReviewContext, event: UnitApproversChanged) -> None:
    """Keep the roster replica; a unit left without an active approver escalates its open tasks at once."""
    now = review.clock.now()
    async with review.unit_of_work() as uow:
        if await uow.first_delivery(CONSUMER, event, now):
            await keep_roster(uow, event, now)
        await uow.commit()


async def keep_roster(uow: UnitOfWork, event: UnitApproversChanged, now: datetime) -> None:
    """The portal's roster of a unit's approvers; a unit left without one escalates its open tasks at once."""
    current = await uow.rosters.get(event.unit_code, lock=True)
    if current is not None and current.changed_at > event.occurred_at:
        return  # an older roster arriving late
    await uow.rosters.put(Roster(event.unit_code, tuple(event.approvers), event.occurred_at), new=current is None)
    if not event.approvers:
        await uow.timers.bring_forward(event.unit_code, now)
