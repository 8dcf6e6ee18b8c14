"""A final approval from review becomes documents: a numbered decision for the union's awards, a numbered tờ trình
for each state authority that decides a state title; one registry entry and one event per nomination."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import uuid4

from services.awards.domain.decision import number_for, proposal_number_for
from services.awards.domain.issuing import corroborate, frame_of, issue_document, issuer_parent_name, plan_documents
from services.awards.usecases.context import AwardsContext
from shared.contracts.events import Event, NominationApproved, NominationsApproved, NominationSnapshot
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.reference import base_salary_on

CONSUMER = "awards"
log = logging.getLogger("thidua.awards")


async def on_approved(ctx: AwardsContext, event: NominationApproved) -> None:
    """One final approval: a decision (or, for a state title, a tờ trình) listing one nomination."""
    await _issue(ctx, event, event.issuer, [event.nomination], batch_id=None)


async def on_batch_approved(ctx: AwardsContext, event: NominationsApproved) -> None:
    """A batch approval: ONE decision lists every nomination of the batch with a union award (several awards of the
    issuer grouped by award in the document), and one tờ trình per deciding state authority for its state titles."""
    await _issue(ctx, event, event.issuer, event.nominations, batch_id=event.batch_id)


async def _issue(
    ctx: AwardsContext, event: Event, issuer: UnitRef, nominations: Sequence[NominationSnapshot], *, batch_id: str | None
) -> None:
    corroborate(issuer, nominations)  # before anything is written (a forged or garbled approval: dead letter)
    on = event.occurred_at.astimezone(VIETNAM_TZ).date()
    async with ctx.unit_of_work() as uow:
        if not await uow.store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        plan = plan_documents(nominations, await uow.store.registered_nominations([n.id for n in nominations]), on, ctx.rules)
        for nomination_id in plan.already_registered:
            # already in the register (its own approval, or another batch): nothing new for it
            log.info("awards.nomination_already_registered", extra={"nomination_id": nomination_id, "batch_id": batch_id})
        for document in plan.documents:
            last = await uow.store.advance_counter(document.kind, issuer.code, on.year)
            number = (number_for if document.kind == "decision" else proposal_number_for)(issuer, on.year, last)
            catalogs = {item.award.catalog or "union" for item in document.items}
            listed = [item.nomination for item in document.items]
            # The issuer's superior as the tree stood for these nominations: registration put it on their paths.
            parent_name = issuer_parent_name(issuer.code, (n.unit_path for n in listed))
            roster = await uow.store.signing_officers(issuer.code)
            frame = frame_of(document.kind, issuer, catalogs, listed, on, parent_name=parent_name, roster=roster)
            if not frame.signer_name:
                log.warning("awards.no_signer_in_roster", extra={"unit_id": issuer.code, "kind": document.kind})
            issued = issue_document(
                document,
                approval=event,
                issuer=issuer,
                number=number,
                base_salary_vnd=base_salary_on(on, ctx.base_salary_vnd),
                on=on,
                batch_id=batch_id,
                frame=frame,
                new_id=lambda: str(uuid4()),
            )
            await uow.store.add_decision(issued.decision)
            await uow.store.add_entries(issued.entries)
            await uow.outbox.add(*issued.events)
            log.info(
                "awards.document_issued",
                extra={
                    "decision_id": issued.decision.id,
                    "kind": document.kind,
                    "unit_id": issuer.code,
                    "entries": len(issued.entries),
                    "batch_id": batch_id,
                },
            )
        await uow.commit()
    ctx.outbox_written()
