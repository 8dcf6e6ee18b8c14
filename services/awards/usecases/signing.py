"""The signing officer's work: the drafts waiting for them, and signing one, which numbers it from the issuer's register,
dates it the day it is signed, and issues it (AwardGranted or AwardProposed for each nomination it lists).
Who may sign: an officer of the issuer's roster in force that day, by their own account (domain.drafts)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from uuid import uuid4

from services.awards.domain.decision import PrizeLine, number_for, prize_line, proposal_number_for
from services.awards.domain.drafts import (
    DRAFT_STATUS_LABELS,
    KIND_LABELS,
    Draft,
    DraftFilter,
    DraftKey,
    may_read_draft,
    may_set_prizes,
    refuse_position,
    require_officer,
    terms_of,
)
from services.awards.domain.issuing import frame_of, issue_document, issuer_parent_name, plan_documents
from services.awards.domain.register import Decision
from services.awards.domain.signers import SigningOfficer
from services.awards.store.port import AwardsStore, UnitOfWork
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.documents import official_document
from services.awards.usecases.forwarding import sign_letter
from services.awards.usecases.revocation import sign_revocation
from services.awards.usecases.signed_files import sign_file
from shared.contracts.errors import Conflict, Forbidden, NotFound
from shared.contracts.events import Actor
from shared.contracts.operations.awards import (
    LIST_DRAFTS,
    NOMINEES_NAMED_MAX,
    DecisionFrame,
    DraftById,
    DraftNominee,
    DraftPage,
    DraftQuery,
    DraftSummary,
    DraftView,
    SetDraftPrize,
    SignDraft,
    SignedDocument,
)
from shared.contracts.paging import cut_page, decode_moment_key, encode_moment_key, scope_of
from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import to_pdf
from shared.rules.reference import base_salary_on

log = logging.getLogger("thidua.awards")
NAMED_IN_REFUSAL = 5  # names a refusal lists before counting the rest
SIGNED_LISTED_MAX = 4  # documents a draft's summary names (one, unless the catalogue changed between approval and signing)


async def list_drafts(ctx: AwardsContext, actor: Actor, q: DraftQuery) -> DraftPage:
    """A page of the drafts the caller may read, oldest approval first; `can_sign` on those they may sign today."""
    units = frozenset(g.unit_code for g in actor.roles if g.unit_code)
    where = DraftFilter(actor.sees_everything(), units, status=q.status, issuer=q.issuer, nomination_id=q.nomination_id)
    scope = scope_of(LIST_DRAFTS.subject, q.model_dump(exclude={"limit", "cursor"}))
    after = DraftKey(*decode_moment_key(q.cursor, scope)) if q.cursor else None
    today = _today(ctx)
    async with ctx.reading() as uow:
        total = await uow.store.count_drafts(where)
        found = await uow.store.list_drafts(where, limit=q.limit + 1, after=after)
        page, next_cursor = cut_page(found, q.limit, lambda d: encode_moment_key(d.approved_at, d.id, scope))
        signable = await _signable(uow.store, actor, {d.issuer.code for d in page}, today)
    items = [
        _summary(d, _prize_lines(ctx, d, today), can_sign=d.status == "awaiting_signature" and d.issuer.code in signable)
        for d in page
    ]
    return DraftPage(total=total, items=items, next_cursor=next_cursor)


async def get_draft(ctx: AwardsContext, actor: Actor, q: DraftById) -> DraftView:
    async with ctx.reading() as uow:
        draft = await _readable_draft(uow.store, actor, q.id)
        terms = terms_of(actor, await uow.store.signing_officers(draft.issuer.code), _today(ctx))
    waiting = draft.status == "awaiting_signature"
    return _view(ctx, draft, can_sign=waiting and bool(terms), can_set_prizes=waiting and may_set_prizes(actor, draft, terms))


async def set_draft_prize(ctx: AwardsContext, actor: Actor, q: SetDraftPrize) -> DraftView:
    """The amount the unit grants a nominee whose award has none in the catalogue (its own quy chế decides), set by
    the issuer's approvers or signing officers before the decision is signed."""
    on = _today(ctx)
    async with ctx.unit_of_work() as uow:
        draft = await _readable_draft(uow.store, actor, q.id, for_update=True)
        if draft.status != "awaiting_signature":
            raise Conflict("Dự thảo đã được ký: tiền thưởng là của quyết định đã ban hành", code="draft_already_signed")
        terms = terms_of(actor, await uow.store.signing_officers(draft.issuer.code), on)
        if not may_set_prizes(actor, draft, terms):
            raise Forbidden(f"Chỉ người duyệt hoặc người ký của {draft.issuer.name} đặt mức tiền thưởng", code="not_issuer")
        if q.nomination_id not in {n.id for n in draft.nominations}:
            raise NotFound("Dự thảo không có hồ sơ này", code="nominee_not_found")
        without = replace(draft, prizes={k: v for k, v in draft.prizes.items() if k != q.nomination_id})
        if _prize_lines(ctx, without, on)[q.nomination_id].source != "unknown":
            raise Conflict("Mức tiền thưởng của hình thức này do danh mục quy định", code="prize_set_by_catalogue")
        await uow.store.set_draft_prize(draft.id, q.nomination_id, q.amount_vnd)
        updated = await uow.store.draft(draft.id)
        await uow.commit()
    assert updated is not None
    return _view(ctx, updated, can_sign=bool(terms), can_set_prizes=True)


async def sign_draft(ctx: AwardsContext, actor: Actor, q: SignDraft) -> DraftView:
    """Sign the draft in the issuer's name: each document it calls for numbered from the issuer's register, dated today,
    signed by the officer (KT. when a deputy signs), its entries registered and its events written. Signing a
    draft already signed changes nothing and answers what it became."""
    now = ctx.clock.now()
    on = now.astimezone(VIETNAM_TZ).date()
    async with ctx.unit_of_work() as uow:
        draft = await _readable_draft(uow.store, actor, q.id, for_update=True)
        if draft.status == "signed":
            return _view(ctx, draft, can_sign=False)
        terms = require_officer(actor, await uow.store.signing_officers(draft.issuer.code), draft.issuer, on)
        if draft.letter is not None:
            signer_name, document_id, number_text = await sign_letter(ctx, uow, actor, draft, terms, now)
            signed_as = [(document_id, number_text)]
        elif draft.revocation is not None:
            signer_name, document_id, number_text = await sign_revocation(ctx, uow, actor, draft, terms, now)
            signed_as = [(document_id, number_text)]
        else:
            signer_name, signed_as = await _sign_approval(ctx, uow, actor, draft, terms, now)
        if not await uow.store.mark_signed(draft.id, at=now, by=signer_name, signed_as=signed_as):
            raise Conflict("Dự thảo này vừa được người khác ký", code="draft_already_signed")
        signed = await uow.store.draft(draft.id)
        await uow.commit()
    assert signed is not None
    return _view(ctx, signed, can_sign=False)


async def _sign_approval(
    ctx: AwardsContext, uow: UnitOfWork, actor: Actor, draft: Draft, terms: Sequence[SigningOfficer], now: datetime
) -> tuple[str, list[tuple[str, str]]]:
    """A final approval's decision (or tờ trình to the state authority): every prize known, numbered, its entries
    registered and granted (or proposed). The officer's printed name and (document id, number text) of each."""
    on = now.astimezone(VIETNAM_TZ).date()
    issuer = draft.issuer
    lines = _prize_lines(ctx, draft, on)
    unknown = [n.nominee.name for n in draft.nominations if not lines[n.id].known]
    if unknown:
        named = ", ".join(unknown[:NAMED_IN_REFUSAL]) + (
            f" và {len(unknown) - NAMED_IN_REFUSAL} hồ sơ khác" if len(unknown) > NAMED_IN_REFUSAL else ""
        )
        raise Conflict(f"Chưa xác định tiền thưởng của {named}: đơn vị nhập mức tiền thưởng trước khi ký", code="prize_unknown")
    ids = [n.id for n in draft.nominations]
    try:
        plan = plan_documents(draft.nominations, await uow.store.registered_nominations(ids), on, ctx.rules)
    except LookupError as exc:
        raise Conflict(
            f"Danh mục khen thưởng hôm nay không còn hình thức của dự thảo này: {exc}", code="award_not_in_force"
        ) from exc
    signed_as: list[tuple[str, str]] = []
    signer_name = ""
    for index, document in enumerate(plan.documents):
        listed = [item.nomination for item in document.items]
        catalogs = {item.award.catalog or "union" for item in document.items}
        parent_name = issuer_parent_name(issuer.code, (n.unit_path for n in listed))
        frame = frame_of(
            document.kind, issuer, catalogs, listed, on, legal=ctx.legal_basis, parent_name=parent_name, roster=terms
        )
        if not frame.signer_name:
            raise refuse_position(issuer, document.kind)
        signer_name = frame.signer_name
        last = await uow.store.advance_register(issuer.code, on.year)
        number = (number_for if document.kind == "decision" else proposal_number_for)(issuer, on.year, last)
        issued = issue_document(
            document,
            decision_id=draft.id if index == 0 else str(uuid4()),  # the draft's links lead to its decision
            signer=actor,
            signed_at=now,
            issuer=issuer,
            number=number,
            base_salary_vnd=base_salary_on(on, ctx.base_salary_vnd),
            on=on,
            batch_id=draft.batch_id,
            frame=frame,
            new_id=lambda: str(uuid4()),
            prizes=draft.prizes,
        )
        await uow.store.add_decision(issued.decision)
        await uow.store.add_entries(issued.entries)
        await uow.outbox.add(*issued.events)
        await _sign_file(ctx, uow.store, issued.decision, frame, now)
        signed_as.append((issued.decision.id, issued.decision.number_text))
        log.info(
            "awards.document_signed",
            extra={"decision_id": issued.decision.id, "draft_id": draft.id, "kind": document.kind, "unit_id": issuer.code},
        )
    return signer_name, signed_as


async def _sign_file(ctx: AwardsContext, store: AwardsStore, decision: Decision, frame: DecisionFrame, at: datetime) -> None:
    """The document as it prints, rendered once and signed with the issuer's key (PAdES), kept as signed."""
    entries = (await store.entries_of([decision.id])).get(decision.id, [])
    pdf = await asyncio.to_thread(to_pdf, official_document(ctx, decision, entries, frame))
    await sign_file(ctx, store, decision, frame, pdf, at)


def _today(ctx: AwardsContext) -> date:
    return ctx.clock.now().astimezone(VIETNAM_TZ).date()


async def _readable_draft(store: AwardsStore, actor: Actor, draft_id: str, *, for_update: bool = False) -> Draft:
    draft = await store.draft(draft_id, for_update=for_update)
    if draft is None:
        raise NotFound("Không tìm thấy dự thảo văn bản", code="draft_not_found")
    if not may_read_draft(actor, draft):
        raise Forbidden("Dự thảo này không thuộc đơn vị của bạn", code="not_your_unit")
    return draft


async def _signable(store: AwardsStore, actor: Actor, issuers: set[str], on: date) -> set[str]:
    """Which of these issuers the actor signs for today (an officer's term in force, by their account)."""
    return {code for code in issuers if terms_of(actor, await store.signing_officers(code), on)}


def _prize_lines(ctx: AwardsContext, draft: Draft, on: date) -> dict[str, PrizeLine]:
    """What signing on `on` would grant each nominee (a tờ trình grants nothing: the state authority decides)."""
    if draft.kind != "decision":
        return {n.id: PrizeLine(0, "none") for n in draft.nominations}
    base = base_salary_on(on, ctx.base_salary_vnd)
    lines = {}
    for n in draft.nominations:
        award = ctx.rules.award_on(n.award_code, on)
        lines[n.id] = (
            PrizeLine(None, "unknown") if award is None else prize_line(award, n.nominee.kind, base, on, draft.prizes.get(n.id))
        )
    return lines


def _prize_label(line: PrizeLine) -> str:
    if line.amount_vnd is None:
        return "Chưa xác định"
    if line.source == "none":
        return "Không kèm tiền thưởng"
    amount = f"{line.amount_vnd:,}".replace(",", ".") + " đ"
    if line.kind == "gift":
        amount = f"Tặng phẩm trị giá {amount}"
    return f"{amount} (mức của đơn vị)" if line.source == "unit" else amount


def _listed_names(draft: Draft) -> list[str]:
    """Whom the document lists: the nominations of a decision or tờ trình, those a letter sends up, those a revocation
    withdraws."""
    if draft.letter is not None:
        return [i.nominee_name for i in draft.letter.items]
    if draft.revocation is not None:
        return [line.name for line in draft.revocation.lines]
    return [n.nominee.name for n in draft.nominations]


def _summary(draft: Draft, lines: Mapping[str, PrizeLine], *, can_sign: bool) -> DraftSummary:
    waiting = draft.status == "awaiting_signature"
    return DraftSummary(
        id=draft.id,
        kind=draft.kind,
        kind_label=KIND_LABELS[draft.kind],
        issuer_code=draft.issuer.code,
        issuer_name=draft.issuer.name,
        award_code=draft.award_code,
        award_name=draft.award_name,
        decided_by=draft.decided_by,
        batch_id=draft.batch_id,
        proposal_id=draft.letter.proposal_id if draft.letter else None,
        status=draft.status,
        status_label=DRAFT_STATUS_LABELS[draft.status],
        drafted_at=draft.approved_at,
        approved_by=draft.approved_by.full_name or draft.approved_by.username,
        nominee_count=len(_listed_names(draft)),
        nominee_names=_listed_names(draft)[:NOMINEES_NAMED_MAX],
        signed=[
            SignedDocument(id=i, number_text=t, issued_at=draft.signed_at or draft.approved_at)
            for i, t in draft.signed_as[:SIGNED_LISTED_MAX]
        ],
        signed_by=draft.signed_by,
        can_sign=can_sign,
        prizes_missing=sum(1 for line in lines.values() if not line.known) if waiting else 0,
    )


def _view(ctx: AwardsContext, draft: Draft, *, can_sign: bool, can_set_prizes: bool = False) -> DraftView:
    """The draft with its nominees and, while it waits, what signing today would grant each."""
    waiting = draft.status == "awaiting_signature"
    lines = _prize_lines(ctx, draft, _today(ctx)) if waiting else {}
    nominees = []
    for n in draft.nominations:
        line = lines.get(n.id)
        nominees.append(
            DraftNominee(
                nomination_id=n.id,
                name=n.nominee.name,
                kind=n.nominee.kind,
                position=n.nominee.position or "",
                unit_name=n.unit_path[0].name if n.unit_path else "",
                award_code=n.award_code,
                award_name=n.award_name,
                period=n.period,
                prize_vnd=line.amount_vnd if line else None,
                prize_label=_prize_label(line) if line else "Xem quyết định đã ban hành",
                prize_needed=line is not None and line.source in ("unknown", "unit"),
            )
        )
    if draft.letter is not None:  # a forwarding tờ trình: the nominees it sends up, for the unit above to decide
        nominees = [
            DraftNominee(
                nomination_id=i.nomination_id,
                name=i.nominee_name,
                kind="collective" if i.nominee_kind == "collective" else "individual",
                position="",
                unit_name=i.origin_unit_name,
                award_code="",
                award_name=i.award_name,
                period="",
                prize_vnd=None,
                prize_label="Cấp trên xét",
                prize_needed=False,
            )
            for i in draft.letter.items
        ]
    if draft.revocation is not None:  # a revocation: what it withdraws and the prize each must pay back
        nominees = [
            DraftNominee(
                nomination_id=line.nomination_id or "",
                name=line.name,
                kind="collective" if line.kind == "collective" else "individual",
                position="",
                unit_name=line.unit_name,
                award_code="",
                award_name=line.award_name,
                period="",
                prize_vnd=line.prize_amount_vnd,
                prize_label=f"Thu hồi {line.prize_amount_vnd:,} đ".replace(",", "."),
                prize_needed=False,
            )
            for line in draft.revocation.lines
        ]
    summary = _summary(draft, lines, can_sign=can_sign).model_dump()
    return DraftView(**summary, nominees=nominees, can_set_prizes=can_set_prizes)
