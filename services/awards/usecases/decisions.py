"""The register of decisions and tờ trình, as each reader may see it: a unit reads those with an entry below it."""

from __future__ import annotations

from services.awards.domain.register import Decision, DecisionFilter, DecisionKey, Readers, readers_of
from services.awards.domain.view import decision_view
from services.awards.store.port import AwardsStore
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import Forbidden, NotFound
from shared.contracts.events import Actor
from shared.contracts.operations.awards import (
    LIST_DECISIONS,
    DecisionById,
    DecisionPage,
    DecisionQuery,
    DecisionSummary,
    DecisionView,
    DocumentLink,
)
from shared.contracts.paging import cut_page, decode_cursor, encode_cursor, refuse_offset_with_cursor, scope_of


async def list_decisions(ctx: AwardsContext, actor: Actor, q: DecisionQuery) -> DecisionPage:
    """A page of the register the caller may read; `next_cursor` continues after its last document."""
    refuse_offset_with_cursor(q.offset, q.cursor)
    where = DecisionFilter(issuer=q.issuer, year=q.year, award_code=q.award_code, status=q.status, kind=q.kind)
    scope = scope_of(LIST_DECISIONS.subject, q.model_dump(exclude={"limit", "offset", "cursor"}))
    after = _decision_key(q.cursor, scope) if q.cursor else None
    readers = readers_of(actor)
    async with ctx.reading() as uow:
        total = await uow.store.count_decisions(where, readers)
        found = await uow.store.list_decisions(where, readers, limit=q.limit + 1, offset=q.offset, after=after)
        page, next_cursor = cut_page(found, q.limit, lambda d: _decision_cursor(DecisionKey.of(d), scope))
        entries = await uow.store.entries_of([d.id for d in page])
    items = [DecisionSummary.of(decision_view(d, entries.get(d.id, []), actor)) for d in page]
    return DecisionPage(total=total, items=items, next_cursor=next_cursor)


def _decision_cursor(key: DecisionKey, scope: str) -> str:
    return encode_cursor([key.issuer_code, key.year, key.kind, key.number], scope)


def _decision_key(cursor: str, scope: str) -> DecisionKey:
    issuer_code, year, kind, number = decode_cursor(cursor, scope, shape=(str, int, str, int))
    return DecisionKey(str(issuer_code), int(year), str(kind), int(number))


async def get_decision(ctx: AwardsContext, actor: Actor, q: DecisionById) -> DecisionView:
    async with ctx.reading() as uow:
        decision = await readable_decision(uow.store, readers_of(actor), q.id)
        return await full_view(uow.store, decision, actor)


async def full_view(store: AwardsStore, decision: Decision, actor: Actor) -> DecisionView:
    """The decision with its entries, its approver, and its revocation: waiting for the signer, or the signed decision
    that revoked it (and, for a revocation, the decision it revokes); a tờ trình with the state authority's answer."""
    entries = (await store.entries_of([decision.id])).get(decision.id, [])
    approver = await approver_of(store, decision)
    pending = decision.status == "issued" and await store.revocation_waiting(decision.id) is not None
    outcome = await store.state_outcome(decision.id) if decision.kind == "proposal" else None
    return decision_view(
        decision,
        entries,
        actor,
        approved_by=approver,
        revocation_pending=pending,
        revoked_in=await _link(store, decision.revoked_in),
        revokes=await _link(store, decision.revokes),
        outcome=outcome,
    )


async def _link(store: AwardsStore, decision_id: str | None) -> DocumentLink | None:
    other = await store.decision(decision_id) if decision_id else None
    return DocumentLink(id=other.id, number_text=other.number_text, issued_at=other.issued_at) if other else None


async def approver_of(store: AwardsStore, decision: Decision) -> str:
    """Who approved what the decision lists: the approver its draft recorded (a signed draft keeps its id); a decision
    issued before drafts existed recorded its approver as `signed_by`."""
    draft = await store.draft_of_document(decision.id)
    if draft is None:
        return decision.signed_by
    return draft.approved_by.full_name or draft.approved_by.username


async def readable_decision(store: AwardsStore, readers: Readers, decision_id: str, *, for_update: bool = False) -> Decision:
    """The decision, when it exists and the reader may see it; otherwise the error saying which."""
    decision = await store.decision(decision_id, for_update=for_update)
    if decision is None:
        raise NotFound("Không tìm thấy quyết định", code="decision_not_found")
    if not await store.may_read(decision_id, readers):
        raise Forbidden("Quyết định này không thuộc đơn vị của bạn", code="not_your_unit")
    return decision
