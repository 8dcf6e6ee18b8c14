"""What review's and awards' events do to a nomination: its status, where it is, its decision, and a line on its
timeline. Each event once (the inbox), in the same transaction as its effect; an event about a nomination this
database does not hold is not ours and changes nothing."""

from __future__ import annotations

from dataclasses import replace

from services.registration.domain.corroboration import check_approval, corroborate
from services.registration.domain.nomination import ACTIVE, Step, next_status
from services.registration.domain.timeline import timeline_step
from services.registration.store.records import NominationRow
from services.registration.usecases.common import record_step
from services.registration.usecases.context import RegistrationContext
from shared.contracts.events import (
    AwardGranted,
    AwardProposed,
    DecisionRevoked,
    Event,
    NominationsApproved,
    ProposalSigned,
    StateOutcomeRecorded,
    TaskEscalated,
    TaskReorganised,
    TaskSentBack,
)
from shared.contracts.values import VIETNAM_TZ, UnitRef

CONSUMER = "registration"


def _after_step(row: NominationRow, step: Step, event: Event, unit: UnitRef, comment: str | None) -> NominationRow:
    """The nomination once a step of review or awards has happened to it (a step from a status it does not start from
    changes only the time: a late or out-of-order event)."""
    updated = replace(row, updated_at=event.occurred_at)
    new_status = next_status(row.status, step)
    if new_status is not None:
        updated = replace(updated, status=new_status, active_key=row.active_key if new_status in ACTIVE else None)
        if step is Step.QUEUE:
            updated = replace(updated, current_unit_code=unit.code, current_unit_name=unit.name)
        if isinstance(event, TaskReorganised) or (isinstance(event, TaskEscalated) and event.task.queue_unit == event.to_unit):
            # the task moved queues (before issue 17 an overdue task moved up; now it stays and its superior is told)
            updated = replace(updated, current_unit_code=event.to_unit.code, current_unit_name=event.to_unit.name)
        if isinstance(event, TaskSentBack):
            updated = replace(updated, current_unit_code=event.task.unit.code, current_unit_name=event.task.unit.name)
    if step in (Step.RETURN, Step.REJECT):
        updated = replace(updated, last_reason=comment)
    if isinstance(event, AwardGranted):
        decision = {**event.decision.model_dump(mode="json"), "kind": "decision"}
        updated = replace(updated, decision=decision, current_unit_code=None, current_unit_name=None)
    if isinstance(event, AwardProposed):
        decision = {**event.proposal.model_dump(mode="json"), "kind": "proposal", "decided_by": event.decided_by}
        updated = replace(updated, decision=decision, current_unit_code=None, current_unit_name=None)
    if isinstance(event, StateOutcomeRecorded) and row.decision and row.decision.get("decision_id") == event.proposal.decision_id:
        updated = replace(updated, decision={**row.decision, "state_outcome": event.outcome.model_dump(mode="json")})
    return updated


async def on_review_event(ctx: RegistrationContext, event: Event) -> None:
    step, nomination_id, unit, comment = timeline_step(event)
    async with ctx.uow.transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        row = await store.nomination(nomination_id, for_update=True)
        if row is None:
            return  # not ours (e.g. a test nomination from another registration database)
        corroborate(row, event)  # an approval or decision for another award or level: refused, nothing changes
        await store.save_nomination(_after_step(row, step, event, unit, comment))
        await record_step(store, row.id, step, event, unit=unit, comment=comment)


async def on_nominations_approved(ctx: RegistrationContext, event: NominationsApproved) -> None:
    """A batch approval: each nomination of ours gets what a single `NominationApproved` gives it (status, timeline)."""
    async with ctx.uow.transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        for nom in sorted(event.nominations, key=lambda n: n.id):  # lock order
            row = await store.nomination(nom.id, for_update=True)
            if row is None:
                continue
            check_approval(row, nom, event.issuer)
            comment = event.comment or None
            await store.save_nomination(_after_step(row, Step.APPROVE, event, event.issuer, comment))
            await record_step(store, row.id, Step.APPROVE, event, unit=event.issuer, comment=comment)


async def on_proposal_signed(ctx: RegistrationContext, event: ProposalSigned) -> None:
    """The tờ trình that took dossiers up was signed: each of ours says which letter, numbered and dated, on its
    timeline (no status changes: the unit above has the dossier since it was forwarded)."""
    signed_on = event.issued_at.astimezone(VIETNAM_TZ)
    comment = f"Tờ trình số {event.number_text} ngày {signed_on:%d/%m/%Y}" + (
        f" do {event.signer_name} ký" if event.signer_name else ""
    )
    async with ctx.uow.transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        for nomination_id in sorted(set(event.nomination_ids)):
            if await store.nomination(nomination_id, for_update=True) is None:
                continue  # not ours
            await record_step(store, nomination_id, Step.LETTER_SIGNED, event, unit=event.issuer, comment=comment)


async def on_decision_revoked(ctx: RegistrationContext, event: DecisionRevoked) -> None:
    """Each nomination the revoked decision granted: status "Đã thu hồi quyết định", a timeline line with the reason,
    and the decision it keeps carries the revocation."""
    async with ctx.uow.transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        for entry in event.entries:
            row = await store.nomination(entry.nomination_id, for_update=True)
            if row is None:
                continue  # not ours
            revoked = replace(row, updated_at=event.occurred_at)
            new_status = next_status(row.status, Step.REVOKE)
            if new_status is not None:
                revoked = replace(revoked, status=new_status)
            if row.decision and row.decision.get("decision_id") == event.decision_id:
                revocation = {
                    "reason": event.reason,
                    "at": event.occurred_at.isoformat(),
                    "by": event.actor.full_name or event.actor.username,
                    "prize_to_recover_vnd": entry.prize_amount_vnd,
                }
                revoked = replace(revoked, decision={**row.decision, "revoked": revocation})
            await store.save_nomination(revoked)
            comment = f"Quyết định số {event.number_text}. Lý do: {event.reason}"
            if entry.prize_amount_vnd:
                comment += f". Phải thu hồi tiền thưởng {entry.prize_amount_vnd:,} đồng".replace(",", ".")
            await record_step(store, row.id, Step.REVOKE, event, unit=event.issuer, comment=comment)
