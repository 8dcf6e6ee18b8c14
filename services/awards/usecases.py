"""Awards: a final approval becomes a numbered decision and a registry entry; queries over them."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import date
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.awards.domain.decision import Prize, number_for, prize_for, proposal_number_for
from services.awards.domain.document import DocumentData, Entry, Revocation, build_document
from services.awards.domain.legal_basis import DocumentKind, frame_for
from services.awards.domain.register import Decision, DecisionFilter, Readers, RegisterEntry, RegistryEntry, readers_of
from services.awards.domain.revocation import (
    RECOVERY_LABELS_VI,
    STATUS_LABELS_VI,
    DecisionStatus,
    Recovery,
    check_recovered,
    check_revocation,
    may_act_for,
)
from services.awards.store import SqlAwardsStore, SqlUnitOfWork
from shared.contracts.errors import Forbidden, NotFound
from shared.contracts.events import (
    Actor,
    AwardGranted,
    AwardProposed,
    DecisionRevoked,
    DecisionSnapshot,
    Event,
    NominationApproved,
    NominationsApproved,
    NominationSnapshot,
    RevokedEntry,
)
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import LEVEL_NAMES_VI, VIETNAM_TZ, UnitRef
from shared.platform.service import ServiceContext
from shared.rules.catalog import CATALOG_NAMES_VI, Award, CatalogName, award_on, catalogs_on
from shared.rules.documents import to_pdf, to_xlsx
from shared.rules.eligibility import facts_needed
from shared.rules.reference import base_salary_on, load_units

CONSUMER = "awards"
# A register entry as the register reads it.
ENTRY_LABELS_VI = {"granted": "Đã khen thưởng", "proposed": "Đã đề nghị {decided_by}", "revoked": "Đã thu hồi quyết định"}
log = logging.getLogger("thidua.awards")


class DecisionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str | None = None
    year: int | None = None
    award_code: str | None = None
    status: Literal["issued", "revoked"] | None = None
    kind: Literal["decision", "proposal"] | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ById(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str


async def on_approved(ctx: ServiceContext, event: NominationApproved) -> None:
    """One final approval: a decision (or, for a state title, a tờ trình) listing one nomination."""
    await _issue(ctx, event, event.issuer, [event.nomination], batch_id=None)


async def on_batch_approved(ctx: ServiceContext, event: NominationsApproved) -> None:
    """A batch approval: ONE decision lists every nomination of the batch with a union award (several awards of the
    issuer grouped by award in the document), and one tờ trình per deciding state authority for its state titles."""
    await _issue(ctx, event, event.issuer, event.nominations, batch_id=event.batch_id)


async def _issue(
    ctx: ServiceContext, event: Event, issuer: UnitRef, nominations: list[NominationSnapshot], *, batch_id: str | None
) -> None:
    on = event.occurred_at.astimezone(VIETNAM_TZ).date()
    async with SqlUnitOfWork(ctx.engine) as uow:
        if not await uow.store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        taken = await uow.store.registered_nominations([n.id for n in nominations])
        groups: dict[tuple[DocumentKind, str], list[tuple[NominationSnapshot, Award]]] = {}
        for nom in nominations:
            if nom.id in taken:
                # already in the register (its own approval, or another batch): nothing new for it
                log.info("awards.nomination_already_registered", extra={"nomination_id": nom.id, "batch_id": batch_id})
                continue
            taken.add(nom.id)
            award = award_on(nom.award_code, on)  # the version in force on the decision date
            if award is None:
                raise LookupError(f"award {nom.award_code} not in the catalogue in force on {on}")
            key: tuple[DocumentKind, str] = ("proposal", award.decided_by) if award.outcome == "proposal" else ("decision", "")
            groups.setdefault(key, []).append((nom, award))
        for (kind, decided_by), items in groups.items():
            await _issue_document(uow, ctx, event, issuer, kind, decided_by, items, batch_id=batch_id, on=on)
        await uow.commit()
    ctx.outbox_written()


async def _issue_document(
    uow: SqlUnitOfWork,
    ctx: ServiceContext,
    event: Event,
    issuer: UnitRef,
    kind: DocumentKind,
    decided_by: str,
    items: list[tuple[NominationSnapshot, Award]],
    *,
    batch_id: str | None,
    on: date,
) -> None:
    issued_at = event.occurred_at
    last = await uow.store.advance_counter(kind, issuer.code, on.year)
    number = number_for(issuer, on.year, last) if kind == "decision" else proposal_number_for(issuer, on.year, last)
    base = base_salary_on(on, ctx.settings.base_salary_vnd)
    decision_id = str(uuid4())
    first = items[0][1]
    await uow.store.add_decision(
        Decision(
            id=decision_id,
            kind=kind,
            issuer_code=issuer.code,
            issuer=issuer,
            year=on.year,
            number=number.number,
            number_text=number.text,
            issued_at=issued_at,
            signed_by=event.actor.full_name or event.actor.username,
            award_code=first.code,
            award_name=first.name,
            catalog_version=items[0][0].catalog_version,
            readers=tuple(sorted({u.code for nom, _ in items for u in nom.unit_path})),
            batch_id=batch_id,
            decided_by=decided_by,
            document=_frame(kind, issuer, {a.catalog or "union" for _, a in items}, [n for n, _ in items], on),
        )
    )
    for position, (nom, award) in enumerate(items, start=1):
        prize = prize_for(award, nom.nominee.kind, base, on) if kind == "decision" else Prize("0", base, 0, on)
        await uow.store.add_entries(
            [
                RegisterEntry(
                    id=str(uuid4()),
                    source="pipeline",
                    award=award,
                    level=issuer.level,
                    nominee=nom.nominee.model_dump(),
                    unit_path=nom.unit_path,
                    sector=nom.unit_sector,
                    period=nom.period,
                    decided_on=on,
                    coefficient=prize.coefficient,
                    base_salary_vnd=prize.base_salary_vnd,
                    prize_amount_vnd=prize.amount_vnd,
                    decision_id=decision_id,
                    nomination_id=nom.id,
                    catalog_version=award.catalog_version or nom.catalog_version,
                    position=position,
                    status="granted" if kind == "decision" else "proposed",
                )
            ],
        )
        snapshot = DecisionSnapshot(
            decision_id=decision_id,
            number=number.number,
            number_text=number.text,
            year=on.year,
            issuer=issuer,
            issued_at=issued_at,
            award_code=award.code,
            award_name=award.name,
            prize_amount_vnd=prize.amount_vnd,
        )
        common = {"occurred_at": issued_at, "correlation_id": nom.id, "actor": event.actor, "nomination_id": nom.id}
        out: Event = (
            AwardGranted(**common, decision=snapshot)
            if kind == "decision"
            else AwardProposed(**common, proposal=snapshot, decided_by=decided_by)
        )
        await uow.outbox.add(out)
    log.info(
        "awards.document_issued",
        extra={"decision_id": decision_id, "kind": kind, "unit_id": issuer.code, "entries": len(items), "batch_id": batch_id},
    )


def _frame(
    kind: DocumentKind, issuer: UnitRef, catalogs: set[CatalogName], nominations: list[NominationSnapshot], on: date
) -> DecisionFrame:
    """The document's frame as configured on its date, stored so that the issued document never changes."""
    frame = frame_for(kind, issuer_code=issuer.code, issuer_name=issuer.name, issuer_level=issuer.level, catalogs=catalogs, on=on)
    proposers: list[str] = []
    for nom in nominations:
        codes = [u.code for u in nom.unit_path]
        if issuer.code in codes and codes.index(issuer.code) > 0:
            proposers.append(nom.unit_path[codes.index(issuer.code) - 1].name)
    proposers = list(dict.fromkeys(proposers))
    basis = list(frame.basis)
    if proposers:
        basis.append(f"Xét đề nghị của {', '.join(proposers)},")
    return DecisionFrame(
        place=frame.place,
        basis=basis,
        authority=frame.authority,
        signer_role=list(frame.signer_role),
        unconfirmed=list(frame.unconfirmed),
        issuer_parent_name=_parent_name(issuer.code, on),
    )


def _parent_name(unit_code: str, on: date) -> str:
    units = {u.code: u for u in load_units()}
    unit = units.get(unit_code)
    parent = units.get(unit.parent_on(on) or "") if unit else None
    return parent.name if parent else ""


# Queries


async def list_decisions(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = DecisionQuery.model_validate(params)
    where = DecisionFilter(issuer=q.issuer, year=q.year, award_code=q.award_code, status=q.status, kind=q.kind)
    readers = readers_of(actor)
    async with SqlUnitOfWork(ctx.engine) as uow:
        total = await uow.store.count_decisions(where, readers)
        found = await uow.store.list_decisions(where, readers, limit=q.limit, offset=q.offset)
        entries = await uow.store.entries_of([d.id for d in found])
    return {"total": total, "items": [_view(d, entries.get(d.id, []), actor) for d in found]}


async def get_decision(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ById.model_validate(params)
    async with SqlUnitOfWork(ctx.engine) as uow:
        decision = await _visible_decision(uow.store, readers_of(actor), q.id)
        entries = await uow.store.entries_of([q.id])
    return _view(decision, entries.get(q.id, []), actor)


async def _visible_decision(store: SqlAwardsStore, readers: Readers, decision_id: str, *, for_update: bool = False) -> Decision:
    decision = await store.decision(decision_id, for_update=for_update)
    if decision is None:
        raise NotFound("Không tìm thấy quyết định", code="decision_not_found")
    if not await store.may_read(decision_id, readers):
        raise Forbidden("Quyết định này không thuộc đơn vị của bạn", code="not_your_unit")
    return decision


# Revocation and recovery


class Revoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    reason: str = Field(default="", max_length=2000)


class MarkRecovered(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    nomination_id: str


async def revoke(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Thu hồi: the decision and its entries stay in the register, marked revoked; each prize becomes 'phải thu hồi'."""
    q = Revoke.model_validate(params)
    now = ctx.clock.now()
    readers = readers_of(actor)
    async with SqlUnitOfWork(ctx.engine) as uow:
        decision = await _visible_decision(uow.store, readers, q.id, for_update=True)
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
        decision = await _visible_decision(uow.store, readers, q.id)
        await uow.commit()
    ctx.outbox_written()
    log.info("awards.decision_revoked", extra={"decision_id": q.id, "unit_id": decision.issuer_code, "entries": len(entries)})
    return _view(decision, entries, actor)


async def mark_recovered(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A revoked decision's prize for one entry has been paid back: 'đã thu hồi', with who and when."""
    q = MarkRecovered.model_validate(params)
    async with SqlUnitOfWork(ctx.engine) as uow:
        decision = await _visible_decision(uow.store, readers_of(actor), q.id, for_update=True)
        entry = await uow.store.entry(q.id, q.nomination_id, for_update=True)
        if entry is None:
            raise NotFound("Quyết định không có hồ sơ này", code="entry_not_found")
        check_recovered(actor, issuer_code=decision.issuer_code, recovery=entry.recovery)
        await uow.store.mark_recovered(entry.id, at=ctx.clock.now(), by=actor.full_name or actor.username)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        await uow.commit()
    return _view(decision, entries, actor)


# Documents


class DocumentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    format: Literal["pdf", "xlsx"] = "pdf"


MEDIA_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def decision_document(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The decision or tờ trình as PDF or .xlsx (base64), for whoever may read it."""
    q = DocumentRequest.model_validate(params)
    async with SqlUnitOfWork(ctx.engine) as uow:
        decision = await _visible_decision(uow.store, readers_of(actor), q.id)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
    doc = build_document(document_data(decision, entries))
    # fpdf2 lays a 500-entry table out in seconds: off the event loop, so events and other requests go on meanwhile
    content = await asyncio.to_thread(to_pdf if q.format == "pdf" else to_xlsx, doc)
    stem = "quyet-dinh" if decision.kind == "decision" else "to-trinh"
    return {
        "filename": f"{stem}-{decision.number}-{decision.year}-{decision.issuer_code}.{q.format}",
        "media_type": MEDIA_TYPES[q.format],
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def document_data(decision: Decision, entries: list[RegistryEntry]) -> DocumentData:
    """A decision and its entries as the document's data; the frame as stored when it was issued."""
    issued_on = decision.issued_at.astimezone(VIETNAM_TZ).date()
    frame = decision.document or _frame(decision.kind, decision.issuer, {"union"}, [], issued_on)
    revocation = None
    if decision.status == DecisionStatus.REVOKED and decision.revoked_at is not None:
        revocation = Revocation(
            reason=decision.revoked_reason or "",
            on=decision.revoked_at.astimezone(VIETNAM_TZ).date(),
            by=decision.revoked_by or "",
        )
    return DocumentData(
        kind=decision.kind,
        number_text=decision.number_text,
        issuer_name=decision.issuer.name,
        issuer_parent_name=frame.issuer_parent_name,
        issued_on=issued_on,
        place=frame.place,
        basis=tuple(frame.basis),
        authority=frame.authority,
        signer_role=tuple(frame.signer_role),
        signer_name=decision.signed_by,
        entries=tuple(
            Entry(
                nominee_name=e.nominee_name,
                nominee_kind=e.nominee_kind,
                unit_name=e.unit_name,
                award_code=e.award_code or decision.award_code,
                award_name=e.award_name or decision.award_name,
                prize_amount_vnd=e.prize_amount_vnd,
            )
            for e in entries
        ),
        base_salary_vnd=entries[0].base_salary_vnd if entries else 0,
        decided_by=decision.decided_by,
        periods=tuple(sorted({e.period for e in entries})),
        revocation=revocation,
    )


async def list_catalog(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    on = ctx.clock.now().astimezone(VIETNAM_TZ).date()
    catalogs = catalogs_on(on)
    base = base_salary_on(on, ctx.settings.base_salary_vnd)
    union = catalogs.union
    return {
        # `version`/`effective_from`: the union catalogue's, as before the state catalogue existed.
        "version": union.version if union else "",
        "effective_from": union.effective_from.isoformat() if union else "",
        "catalogs": [
            {
                "catalog": c.catalog,
                "name": CATALOG_NAMES_VI[c.catalog],
                "version": c.version,
                "effective_from": c.effective_from.isoformat(),
            }
            for c in catalogs.catalogs
        ],
        "base_salary_vnd": base,
        "awards": [
            {
                **a.model_dump(mode="json"),
                "outcome": a.outcome,
                "submittable": a.submittable,
                "awarding_level_name": LEVEL_NAMES_VI[a.awarding_level],
                "prize_vnd": {k: prize_for(a, k, base, on).amount_vnd for k in a.nominee_kinds},
                "council_text": a.council.describe() if a.council else "",
                "declared_facts": {k: facts_needed(a, k) for k in a.nominee_kinds},
            }
            for a in catalogs.awards
        ],
    }


def _view(decision: Decision, entries: list[RegistryEntry], actor: Actor) -> dict[str, Any]:
    issuing = may_act_for(actor, decision.issuer_code)
    nominees = [_entry_view(e, decision) for e in entries]
    revoked = decision.status == DecisionStatus.REVOKED
    return {
        "id": decision.id,
        "kind": decision.kind,
        "kind_label": "Quyết định" if decision.kind == "decision" else "Tờ trình",
        "number": decision.number,
        "number_text": decision.number_text,
        "year": decision.year,
        "issuer_code": decision.issuer_code,
        "issuer_name": decision.issuer.name,
        "issued_at": decision.issued_at.isoformat(),
        "signed_by": decision.signed_by,
        "award_code": decision.award_code,
        "award_name": decision.award_name,
        "awards": [{"code": c, "name": n} for c, n in dict.fromkeys((x["award_code"], x["award_name"]) for x in nominees)],
        "catalog_version": decision.catalog_version,
        "batch_id": decision.batch_id,
        "decided_by": decision.decided_by,
        "status": decision.status,
        "status_label": "Đã trình" if decision.kind == "proposal" else STATUS_LABELS_VI[DecisionStatus(decision.status)],
        "revocation": {
            "reason": decision.revoked_reason,
            "by": decision.revoked_by,
            "at": decision.revoked_at.isoformat(),
        }
        if revoked and decision.revoked_at is not None
        else None,
        "document": decision.document.model_dump() if decision.document is not None else None,
        "nominees": nominees,
        "collectives": sum(1 for x in nominees if x["kind"] == "collective"),
        "individuals": sum(1 for x in nominees if x["kind"] != "collective"),
        "total_prize_vnd": sum(x["prize_amount_vnd"] for x in nominees),
        "recovery_due_vnd": sum(x["recovery_amount_vnd"] or 0 for x in nominees if x["recovery"] == Recovery.DUE),
        "can_revoke": issuing and decision.kind == "decision" and not revoked,
        "can_mark_recovered": issuing and revoked,
    }


def _entry_view(e: RegistryEntry, decision: Decision) -> dict[str, Any]:
    return {
        "nomination_id": e.nomination_id,
        "name": e.nominee_name,
        "kind": e.nominee_kind,
        "unit_code": e.unit_code,
        "unit_name": e.unit_name,
        "period": e.period,
        "award_code": e.award_code or decision.award_code,
        "award_name": e.award_name or decision.award_name,
        "coefficient": e.coefficient,
        "base_salary_vnd": e.base_salary_vnd,
        "prize_amount_vnd": e.prize_amount_vnd,
        "status": e.status,
        "status_label": ENTRY_LABELS_VI.get(e.status, e.status).format(decided_by=decision.decided_by),
        "recovery": e.recovery,
        "recovery_label": RECOVERY_LABELS_VI[Recovery(e.recovery)] if e.recovery else "",
        "recovery_amount_vnd": e.recovery_amount_vnd,
        "recovered_at": e.recovered_at.isoformat() if e.recovered_at else None,
        "recovered_by": e.recovered_by,
    }
