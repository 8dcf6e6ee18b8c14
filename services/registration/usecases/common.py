"""What the use cases on nominations share: loading one, the duplicate rule, and writing its timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from services.registration.domain.nomination import Step
from services.registration.store import AlreadyStored, Store
from services.registration.store.records import NominationRow, TimelineRow
from services.registration.usecases.access import actor_name
from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import Conflict, NotFound
from shared.contracts.events import Actor, Event
from shared.contracts.values import UnitRef
from shared.rules.catalog import CatalogSet


async def load_nomination(store: Store, nomination_id: str, *, for_update: bool = False) -> NominationRow:
    nomination = await store.nomination(nomination_id, for_update=for_update)
    if nomination is None:
        raise NotFound("Không tìm thấy hồ sơ", code="nomination_not_found")
    return nomination


def duplicate_nomination() -> Conflict:
    return Conflict(
        "Đã có hồ sơ đang xét cho người/tập thể này với cùng hình thức khen thưởng và kỳ xét",
        code="duplicate_nomination",
    )


@asynccontextmanager
async def writing(ctx: RegistrationContext) -> AsyncIterator[Store]:
    """A write transaction; a concurrent duplicate caught by the unique index is the same 409."""
    try:
        async with ctx.uow.transaction() as store:
            yield store
    except AlreadyStored as exc:
        raise duplicate_nomination() from exc


async def record_step(
    store: Store, nomination_id: str, step: Step, event: Event, *, unit: UnitRef | None, comment: str | None = None
) -> None:
    """The timeline line of a step an event records (by the event's actor, at its time)."""
    await add_step(
        store, nomination_id, step, event.actor, event.occurred_at, unit=unit, comment=comment, event_id=str(event.event_id)
    )


async def add_step(
    store: Store,
    nomination_id: str,
    step: Step,
    actor: Actor,
    at: datetime,
    *,
    unit: UnitRef | None,
    comment: str | None,
    event_id: str | None = None,
) -> None:
    await store.add_timeline(
        TimelineRow(
            nomination_id=nomination_id,
            at=at,
            step=step,
            actor_id=actor.user_id,
            actor_name=actor_name(actor),
            unit_code=unit.code if unit else None,
            unit_name=unit.name if unit else None,
            comment=comment,
            event_id=event_id,
        )
    )


def award_names(catalogs: CatalogSet) -> dict[str, str]:
    return {a.code: a.name for a in catalogs.awards}
