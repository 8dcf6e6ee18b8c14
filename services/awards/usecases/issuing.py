"""A final approval from review becomes drafts: one decision for the union's awards, one tờ trình for each state
authority that decides a state title, each waiting for a signing officer of the issuer (usecases.signing numbers,
dates and issues it). One draft per document, one `DecisionDrafted` per nomination."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import uuid4

from services.awards.domain.drafts import draft_of, drafted_events
from services.awards.domain.issuing import corroborate, plan_documents
from services.awards.usecases.context import AwardsContext
from shared.contracts.events import Event, NominationApproved, NominationsApproved, NominationSnapshot
from shared.contracts.values import VIETNAM_TZ, UnitRef

CONSUMER = "awards"
log = logging.getLogger("thidua.awards")


async def on_approved(ctx: AwardsContext, event: NominationApproved) -> None:
    """One final approval: a draft decision (or, for a state title, a draft tờ trình) listing one nomination."""
    await _draft(ctx, event, event.issuer, [event.nomination], batch_id=None)


async def on_batch_approved(ctx: AwardsContext, event: NominationsApproved) -> None:
    """A batch approval: ONE draft decision lists every nomination of the batch with a union award (several awards of
    the issuer grouped by award in the document), and one draft tờ trình per deciding state authority."""
    await _draft(ctx, event, event.issuer, event.nominations, batch_id=event.batch_id)


async def _draft(
    ctx: AwardsContext, event: Event, issuer: UnitRef, nominations: Sequence[NominationSnapshot], *, batch_id: str | None
) -> None:
    corroborate(issuer, nominations)  # before anything is written (a forged or garbled approval: dead letter)
    on = event.occurred_at.astimezone(VIETNAM_TZ).date()
    async with ctx.unit_of_work() as uow:
        if not await uow.store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        ids = [n.id for n in nominations]
        taken = await uow.store.registered_nominations(ids) | await uow.store.drafted_nominations(ids)
        plan = plan_documents(nominations, taken, on, ctx.rules)
        for nomination_id in plan.already_registered:
            # already drafted or in the register (its own approval, or another batch): nothing new for it
            log.info("awards.nomination_already_registered", extra={"nomination_id": nomination_id, "batch_id": batch_id})
        for document in plan.documents:
            draft = draft_of(document, approval=event, issuer=issuer, batch_id=batch_id, new_id=lambda: str(uuid4()))
            await uow.store.add_draft(draft)
            await uow.outbox.add(*drafted_events(draft, event, max(ctx.clock.now(), event.occurred_at)))
            log.info(
                "awards.document_drafted",
                extra={
                    "draft_id": draft.id,
                    "kind": document.kind,
                    "unit_id": issuer.code,
                    "entries": len(draft.nominations),
                    "batch_id": batch_id,
                },
            )
        await uow.commit()
