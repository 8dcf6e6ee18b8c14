"""The state's answer to a tờ trình, recorded by the unit that sent it: the register's entries granted (an award of
the state, counted by the reports) or not, and one `StateOutcomeRecorded` per nominee for registration's dossier and
title history and for the submitter's bell."""

from __future__ import annotations

import logging

from services.awards.domain.outcomes import check_outcome, outcome_events
from services.awards.domain.register import readers_of
from services.awards.domain.view import decision_view
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import approver_of, readable_decision
from shared.contracts.events import Actor
from shared.contracts.operations.awards import DecisionView, RecordStateOutcome

log = logging.getLogger("thidua.awards")


async def record_state_outcome(ctx: AwardsContext, actor: Actor, q: RecordStateOutcome) -> DecisionView:
    now = ctx.clock.now()
    readers = readers_of(actor)
    async with ctx.unit_of_work() as uow:
        decision = await readable_decision(uow.store, readers, q.id, for_update=True)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        outcome = check_outcome(actor, decision, entries, q, recorded=await uow.store.state_outcome(q.id), now=now)
        draft = await uow.store.draft(decision.id)  # a signed draft keeps the paths its nominations travelled
        paths = {n.id: n.unit_path for n in draft.nominations} if draft is not None else {}
        await uow.store.record_state_outcome(outcome, paths)
        for event in outcome_events(decision, entries, outcome, actor):
            await uow.outbox.add(event)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        approver = await approver_of(uow.store, decision)
        await uow.commit()
    granted = sum(1 for g in outcome.granted.values() if g)
    log.info("awards.state_outcome_recorded", extra={"decision_id": q.id, "unit_id": decision.issuer_code, "granted": granted})
    return decision_view(decision, entries, actor, approved_by=approver, outcome=outcome)
