"""Thu hồi: a decision revoked with its reason (its entries stay in the register, their prizes due back), and each
prize recorded as recovered."""

from __future__ import annotations

import logging

from services.awards.domain.register import readers_of
from services.awards.domain.revocation import check_recovered, check_revocation
from services.awards.domain.view import decision_view
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import approver_of, readable_decision
from shared.contracts.errors import NotFound
from shared.contracts.events import Actor, DecisionRevoked, RevokedEntry
from shared.contracts.operations.awards import DecisionView, MarkRecovered, RevokeDecision

log = logging.getLogger("thidua.awards")


async def revoke(ctx: AwardsContext, actor: Actor, q: RevokeDecision) -> DecisionView:
    """Thu hồi: the decision and its entries stay in the register, marked revoked; each prize becomes 'phải thu hồi'."""
    now = ctx.clock.now()
    readers = readers_of(actor)
    async with ctx.unit_of_work() as uow:
        decision = await readable_decision(uow.store, readers, q.id, for_update=True)
        reason = check_revocation(
            actor, issuer_code=decision.issuer_code, kind=decision.kind, status=decision.status, reason=q.reason
        )
        # a revoked award no longer counts in reports
        await uow.store.revoke_decision(q.id, reason=reason, by=actor.full_name or actor.username, by_id=actor.user_id, at=now)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        event = DecisionRevoked(
            occurred_at=now,
            correlation_id=q.id,
            actor=actor,
            decision_id=q.id,
            number_text=decision.number_text,
            issuer=decision.issuer,
            reason=reason,
            entries=[RevokedEntry(nomination_id=e.nomination_id, prize_amount_vnd=e.prize_amount_vnd) for e in entries],
        )
        await uow.outbox.add(event)
        decision = await readable_decision(uow.store, readers, q.id)
        approver = await approver_of(uow.store, decision)
        await uow.commit()
    ctx.outbox_written()
    log.info("awards.decision_revoked", extra={"decision_id": q.id, "unit_id": decision.issuer_code, "entries": len(entries)})
    return decision_view(decision, entries, actor, approved_by=approver)


async def mark_recovered(ctx: AwardsContext, actor: Actor, q: MarkRecovered) -> DecisionView:
    """A revoked decision's prize for one entry has been paid back: 'đã thu hồi', with who and when."""
    async with ctx.unit_of_work() as uow:
        decision = await readable_decision(uow.store, readers_of(actor), q.id, for_update=True)
        entry = await uow.store.entry(q.id, q.nomination_id, for_update=True)
        if entry is None:
            raise NotFound("Quyết định không có hồ sơ này", code="entry_not_found")
        check_recovered(actor, issuer_code=decision.issuer_code, recovery=entry.recovery)
        await uow.store.mark_recovered(entry.id, at=ctx.clock.now(), by=actor.full_name or actor.username)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        approver = await approver_of(uow.store, decision)
        await uow.commit()
    return decision_view(decision, entries, actor, approved_by=approver)
