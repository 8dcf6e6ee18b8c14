"""Signing drafts in integration tests: a final approval makes drafts; each issuer's chair signs them, which numbers,
dates and issues each document (services.awards.usecases.signing), on the real store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any

from services.awards.domain.drafts import DraftFilter
from services.awards.domain.signers import SigningOfficer
from services.awards.usecases import issuing, signing
from services.awards.usecases.context import AwardsContext
from shared.contracts.events import Actor, NominationApproved, NominationsApproved
from shared.contracts.operations.awards import DraftView, SignDraft
from shared.platform.clock import FixedClock
from tests.fakes.awards import chair_of

EVERY_DRAFT = DraftFilter(everything=True, units=frozenset())


async def waiting_drafts(awards: AwardsContext) -> list[str]:
    async with awards.unit_of_work() as uow:
        return [d.id for d in await uow.store.list_drafts(EVERY_DRAFT, limit=100_000)]


async def seat_chairs(awards: AwardsContext) -> None:
    """Each issuer with a draft waiting gets its chair on the roster (account `chair.<code>`), when it has none."""
    async with awards.unit_of_work() as uow:
        for draft in await uow.store.list_drafts(EVERY_DRAFT, limit=100_000):
            chair = chair_of(draft.issuer)
            if not any(o.username == chair.username for o in await uow.store.signing_officers(draft.issuer.code)):
                officer = SigningOfficer(
                    f"chair-{draft.issuer.code}",
                    draft.issuer.code,
                    chair.full_name,
                    "Chủ tịch",
                    date(2000, 1, 1),
                    username=chair.username,
                )
                await uow.store.add_signing_officer(officer)
        await uow.commit()


async def sign_all(awards: AwardsContext, *, concurrently: bool = False) -> list[DraftView]:
    """Every waiting draft signed by its issuer's chair, one after the other or all at once."""
    await seat_chairs(awards)
    async with awards.unit_of_work() as uow:
        drafts = await uow.store.list_drafts(EVERY_DRAFT, limit=100_000)
    calls = [signing.sign_draft(awards, chair_of(d.issuer), SignDraft(id=d.id)) for d in drafts]
    if concurrently:
        return list(await asyncio.gather(*calls))
    return [await call for call in calls]


async def issue(awards: AwardsContext, *approvals: NominationApproved | NominationsApproved) -> None:
    """Each final approval drafted, then signed by the issuer's chair at the approval's own moment (as if at once)."""
    for event in approvals:
        assert isinstance(awards.clock, FixedClock)
        awards.clock.at = event.occurred_at
        if isinstance(event, NominationsApproved):
            await issuing.on_batch_approved(awards, event)
        else:
            await issuing.on_approved(awards, event)
        await sign_all(awards)


def at(awards: AwardsContext, moment: datetime) -> None:
    assert isinstance(awards.clock, FixedClock)
    awards.clock.at = moment


async def sign_over_the_bus(awards: AwardsContext, sign: Callable[[Actor, str], Awaitable[Any]], drafted: int) -> None:
    """Once `drafted` nominations are in drafts (awards consumes approvals from the stream), each issuer's chair signs
    every waiting draft through `sign(actor, draft_id)` (the RPC `sign_draft`, as the portal calls it)."""
    deadline = asyncio.get_running_loop().time() + 10
    while await _drafted(awards) < drafted:
        assert asyncio.get_running_loop().time() < deadline, f"fewer than {drafted} nominations drafted"
        await asyncio.sleep(0.05)
    await seat_chairs(awards)
    async with awards.unit_of_work() as uow:
        drafts = await uow.store.list_drafts(EVERY_DRAFT, limit=100_000)
    for draft in drafts:
        await sign(chair_of(draft.issuer), draft.id)


async def _drafted(awards: AwardsContext) -> int:
    async with awards.unit_of_work() as uow:
        every = DraftFilter(everything=True, units=frozenset(), status="awaiting_signature")
        signed = DraftFilter(everything=True, units=frozenset(), status="signed")
        found = [*await uow.store.list_drafts(every, limit=100_000), *await uow.store.list_drafts(signed, limit=100_000)]
    return sum(len(d.nominations) for d in found)
