"""Thu hồi: a decision is revoked by a decision of its own. The issuer's approver asks, with a reason: awards drafts
"Quyết định về việc thu hồi Quyết định số … ngày …" for the issuer's signing officer, and the decision shows "Đang chờ
ký quyết định thu hồi" (it stands until then). When the officer signs it (usecases.signing), it is numbered QĐ from the
issuer's register, dated, PAdES-signed, and only then is the decision revoked: its entries stay in the register, their
prizes due back (`DecisionRevoked`). The decision's own signed file is never altered. And each prize recorded as
recovered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from services.awards.domain.decision import number_for
from services.awards.domain.drafts import Draft, RevocationContent, refuse_position
from services.awards.domain.issuing import frame_of
from services.awards.domain.register import readers_of
from services.awards.domain.revocation import check_recovered, check_revocation
from services.awards.domain.revocation_document import revocation_document, revocation_draft, revocation_record
from services.awards.domain.signers import SigningOfficer
from services.awards.store.port import UnitOfWork
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import full_view, readable_decision
from services.awards.usecases.signed_files import sign_file
from shared.contracts.errors import Conflict, InconsistentEvent, NotFound
from shared.contracts.events import Actor, DecisionRevoked, RevokedEntry
from shared.contracts.operations.awards import DecisionView, MarkRecovered, RevokeDecision
from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import to_pdf

log = logging.getLogger("thidua.awards")


async def revoke(ctx: AwardsContext, actor: Actor, q: RevokeDecision) -> DecisionView:
    """Ask for the decision's revocation: a draft revocation decision waits for the issuer's signing officer."""
    now = ctx.clock.now()
    readers = readers_of(actor)
    async with ctx.unit_of_work() as uow:
        decision = await readable_decision(uow.store, readers, q.id, for_update=True)
        reason = check_revocation(
            actor, issuer_code=decision.issuer_code, kind=decision.kind, status=decision.status, reason=q.reason
        )
        if await uow.store.revocation_waiting(decision.id) is not None:
            raise Conflict("Quyết định thu hồi quyết định này đang chờ ký", code="revocation_pending")
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        draft = revocation_draft(decision, entries, reason=reason, asked_by=actor, at=now, new_id=lambda: str(uuid4()))
        await uow.store.add_draft(draft)
        view = await full_view(uow.store, decision, actor)
        await uow.commit()
    log.info("awards.revocation_drafted", extra={"decision_id": q.id, "draft_id": draft.id, "unit_id": decision.issuer_code})
    return view


async def sign_revocation(
    ctx: AwardsContext, uow: UnitOfWork, actor: Actor, draft: Draft, terms: Sequence[SigningOfficer], now: datetime
) -> tuple[str, str, str]:
    """Number the revocation QĐ from the issuer's register, date it `now`, sign its PDF, then revoke the decision it
    names (`DecisionRevoked`); the officer's printed name and (document id, number text). In the caller's unit of
    work."""
    content = draft.revocation
    assert isinstance(content, RevocationContent)
    on = now.astimezone(VIETNAM_TZ).date()
    issuer = draft.issuer
    revoked = await uow.store.decision(content.decision_id, for_update=True)
    if revoked is None:
        raise InconsistentEvent(f"revocation {draft.id} names an unknown decision {content.decision_id}")
    if revoked.status == "revoked":
        raise Conflict("Quyết định này đã bị thu hồi", code="already_revoked")
    parent_name = revoked.document.issuer_parent_name if revoked.document else ""
    frame = frame_of("revocation", issuer, {"union"}, [], on, legal=ctx.legal_basis, parent_name=parent_name, roster=terms)
    if not frame.signer_name:
        raise refuse_position(issuer, "revocation")
    number = number_for(issuer, on.year, await uow.store.advance_register(issuer.code, on.year))
    record = revocation_record(draft, content, document_id=str(uuid4()), number=number, signed_at=now, frame=frame)
    await uow.store.add_decision(record)
    pdf = await asyncio.to_thread(to_pdf, revocation_document(draft, content, frame, number, on))
    await sign_file(ctx, uow.store, record, frame, pdf, now)
    signer = frame.signer_name
    await uow.store.revoke_decision(
        revoked.id, reason=content.reason, by=signer, by_id=actor.user_id, at=now, revoked_in=record.id
    )  # a revoked award no longer counts in reports
    entries = (await uow.store.entries_of([revoked.id])).get(revoked.id, [])
    await uow.outbox.add(
        DecisionRevoked(
            occurred_at=now,
            correlation_id=revoked.id,
            actor=actor,
            decision_id=revoked.id,
            number_text=revoked.number_text,
            issuer=revoked.issuer,
            reason=content.reason,
            entries=[RevokedEntry(nomination_id=e.nomination_id, prize_amount_vnd=e.prize_amount_vnd) for e in entries],
        )
    )
    log.info(
        "awards.decision_revoked",
        extra={"decision_id": revoked.id, "revoked_in": record.id, "unit_id": issuer.code, "entries": len(entries)},
    )
    return signer, record.id, record.number_text


async def mark_recovered(ctx: AwardsContext, actor: Actor, q: MarkRecovered) -> DecisionView:
    """A revoked decision's prize for one entry has been paid back: 'đã thu hồi', with who and when."""
    async with ctx.unit_of_work() as uow:
        decision = await readable_decision(uow.store, readers_of(actor), q.id, for_update=True)
        entry = await uow.store.entry(q.id, q.nomination_id, for_update=True)
        if entry is None:
            raise NotFound("Quyết định không có hồ sơ này", code="entry_not_found")
        check_recovered(actor, issuer_code=decision.issuer_code, recovery=entry.recovery)
        await uow.store.mark_recovered(entry.id, at=ctx.clock.now(), by=actor.full_name or actor.username)
        decision = await readable_decision(uow.store, readers_of(actor), q.id)
        view = await full_view(uow.store, decision, actor)
        await uow.commit()
    return view
