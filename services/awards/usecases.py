"""Awards: a final approval becomes a numbered decision and a registry entry; queries over them."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import date
from typing import Any, Literal
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards import store
from services.awards.domain.decision import Prize, number_for, prize_for, proposal_number_for
from services.awards.domain.document import DocumentData, Entry, Revocation, build_document
from services.awards.domain.legal_basis import DocumentKind, frame_for
from services.awards.domain.revocation import (
    RECOVERY_LABELS_VI,
    STATUS_LABELS_VI,
    DecisionStatus,
    Recovery,
    check_recovered,
    check_revocation,
    may_act_for,
)
from services.awards.register import RegisterEntry, add_entries, uncount_entries
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
from shared.contracts.values import LEVEL_NAMES_VI, VIETNAM_TZ, UnitRef
from shared.platform.outbox import enqueue, first_delivery
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
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        ids = [n.id for n in nominations]
        r = store.registry
        taken = set((await conn.scalars(sa.select(r.c.nomination_id).where(r.c.nomination_id.in_(ids)))).all())
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
            await _issue_document(conn, ctx, event, issuer, kind, decided_by, items, batch_id=batch_id, on=on)
    ctx.outbox_written()


async def _issue_document(
    conn: AsyncConnection,
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
    if kind == "decision":
        number = number_for(issuer, on.year, await _last_number(conn, store.decision_counters, issuer.code, on.year))
    else:
        number = proposal_number_for(issuer, on.year, await _last_number(conn, store.proposal_counters, issuer.code, on.year))
    base = base_salary_on(on, ctx.settings.base_salary_vnd)
    decision_id = str(uuid4())
    first = items[0][1]
    await conn.execute(
        store.decisions.insert().values(
            id=decision_id,
            issuer_code=issuer.code,
            issuer=issuer.model_dump(),
            year=on.year,
            number=number.number,
            number_text=number.text,
            issued_at=issued_at,
            signed_by=event.actor.full_name or event.actor.username,
            award_code=first.code,
            award_name=first.name,
            catalog_version=items[0][0].catalog_version,
            path_codes="|" + "|".join(sorted({u.code for nom, _ in items for u in nom.unit_path})) + "|",
            kind=kind,
            batch_id=batch_id,
            decided_by=decided_by,
            document=_frame(kind, issuer, {a.catalog or "union" for _, a in items}, [n for n, _ in items], on),
        )
    )
    for position, (nom, award) in enumerate(items, start=1):
        prize = prize_for(award, nom.nominee.kind, base, on) if kind == "decision" else Prize("0", base, 0, on)
        await add_entries(
            conn,
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
        await enqueue(conn, store.outbox, out)
    log.info(
        "awards.document_issued",
        extra={"decision_id": decision_id, "kind": kind, "unit_id": issuer.code, "entries": len(items), "batch_id": batch_id},
    )


def _frame(
    kind: DocumentKind, issuer: UnitRef, catalogs: set[CatalogName], nominations: list[NominationSnapshot], on: date
) -> dict[str, Any]:
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
    return {
        "place": frame.place,
        "basis": basis,
        "authority": frame.authority,
        "signer_role": list(frame.signer_role),
        "unconfirmed": list(frame.unconfirmed),
        "issuer_parent_name": _parent_name(issuer.code, on),
    }


def _parent_name(unit_code: str, on: date) -> str:
    units = {u.code: u for u in load_units()}
    unit = units.get(unit_code)
    parent = units.get(unit.parent_on(on) or "") if unit else None
    return parent.name if parent else ""


async def _last_number(conn: AsyncConnection, c: sa.Table, issuer_code: str, year: int) -> int:
    """Lock the issuer's counter of this series for this year and advance it; the number is used in this transaction."""
    last = await conn.scalar(sa.select(c.c.last_number).where(c.c.issuer_code == issuer_code, c.c.year == year).with_for_update())
    if last is None:
        await conn.execute(c.insert().values(issuer_code=issuer_code, year=year, last_number=1))
        return 0
    await conn.execute(c.update().where(c.c.issuer_code == issuer_code, c.c.year == year).values(last_number=last + 1))
    return int(last)


# Queries


def _visible(actor: Actor) -> Any:
    if actor.sees_everything():
        return sa.true()
    units = {g.unit_code for g in actor.roles if g.unit_code}
    return sa.or_(sa.false(), *(store.decisions.c.path_codes.contains(f"|{u}|") for u in units))


async def list_decisions(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = DecisionQuery.model_validate(params)
    d = store.decisions
    where = [_visible(actor)]
    if q.issuer:
        where.append(d.c.issuer_code == q.issuer)
    if q.year:
        where.append(d.c.year == q.year)
    if q.award_code:
        r = store.registry
        where.append(sa.exists().where(r.c.decision_id == d.c.id, r.c.award_code == q.award_code))
    if q.status:
        where.append(d.c.status == q.status)
    if q.kind:
        where.append(d.c.kind == q.kind)
    async with ctx.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(d).where(*where))
        rows = (
            (
                await conn.execute(
                    sa.select(d)
                    .where(*where)
                    .order_by(d.c.issuer_code, d.c.year.desc(), d.c.kind, d.c.number.desc())
                    .limit(q.limit)
                    .offset(q.offset)
                )
            )
            .mappings()
            .all()
        )
        entries = await _entries(conn, [row["id"] for row in rows])
    return {"total": total or 0, "items": [_view(row, entries.get(row["id"], []), actor) for row in rows]}


async def get_decision(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ById.model_validate(params)
    async with ctx.engine.connect() as conn:
        row = await _visible_decision(conn, actor, q.id)
        entries = await _entries(conn, [q.id])
    return _view(row, entries.get(q.id, []), actor)


async def _visible_decision(conn: AsyncConnection, actor: Actor, decision_id: str, *, for_update: bool = False) -> Any:
    d = store.decisions
    query = sa.select(d).where(d.c.id == decision_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy quyết định", code="decision_not_found")
    visible = await conn.scalar(sa.select(sa.func.count()).select_from(d).where(d.c.id == decision_id, _visible(actor)))
    if not visible:
        raise Forbidden("Quyết định này không thuộc đơn vị của bạn", code="not_your_unit")
    return row


async def _entries(conn: AsyncConnection, decision_ids: list[str]) -> dict[str, list[Any]]:
    if not decision_ids:
        return {}
    r = store.registry
    rows = (
        (await conn.execute(sa.select(r).where(r.c.decision_id.in_(decision_ids)).order_by(r.c.decision_id, r.c.position)))
        .mappings()
        .all()
    )
    by_decision: dict[str, list[Any]] = {}
    for row in rows:
        by_decision.setdefault(row["decision_id"], []).append(row)
    return by_decision


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
    d, r = store.decisions, store.registry
    async with ctx.engine.begin() as conn:
        row = await _visible_decision(conn, actor, q.id, for_update=True)
        reason = check_revocation(actor, issuer_code=row["issuer_code"], kind=row["kind"], status=row["status"], reason=q.reason)
        by = actor.full_name or actor.username
        await conn.execute(
            d.update()
            .where(d.c.id == q.id)
            .values(
                status=DecisionStatus.REVOKED, revoked_reason=reason, revoked_by=by, revoked_by_id=actor.user_id, revoked_at=now
            )
        )
        await conn.execute(
            r.update()
            .where(r.c.decision_id == q.id)
            .values(status="revoked", recovery=Recovery.DUE, recovery_amount_vnd=r.c.prize_amount_vnd)
        )
        await uncount_entries(conn, q.id)  # a revoked award no longer counts in reports
        entries = (await _entries(conn, [q.id])).get(q.id, [])
        event = DecisionRevoked(
            occurred_at=now,
            correlation_id=q.id,
            actor=actor,
            decision_id=q.id,
            number_text=row["number_text"],
            issuer=UnitRef.model_validate(row["issuer"]),
            reason=reason,
            entries=[RevokedEntry(nomination_id=e["nomination_id"], prize_amount_vnd=e["prize_amount_vnd"]) for e in entries],
        )
        await enqueue(conn, store.outbox, event)
        row = await _visible_decision(conn, actor, q.id)
    ctx.outbox_written()
    log.info("awards.decision_revoked", extra={"decision_id": q.id, "unit_id": row["issuer_code"], "entries": len(entries)})
    return _view(row, entries, actor)


async def mark_recovered(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A revoked decision's prize for one entry has been paid back: 'đã thu hồi', with who and when."""
    q = MarkRecovered.model_validate(params)
    r = store.registry
    async with ctx.engine.begin() as conn:
        row = await _visible_decision(conn, actor, q.id, for_update=True)
        query = sa.select(r).where(r.c.decision_id == q.id, r.c.nomination_id == q.nomination_id).with_for_update()
        entry = (await conn.execute(query)).mappings().first()
        if entry is None:
            raise NotFound("Quyết định không có hồ sơ này", code="entry_not_found")
        check_recovered(actor, issuer_code=row["issuer_code"], recovery=entry["recovery"])
        await conn.execute(
            r.update()
            .where(r.c.id == entry["id"])
            .values(recovery=Recovery.RECOVERED, recovered_at=ctx.clock.now(), recovered_by=actor.full_name or actor.username)
        )
        entries = (await _entries(conn, [q.id])).get(q.id, [])
    return _view(row, entries, actor)


# Documents


class DocumentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    format: Literal["pdf", "xlsx"] = "pdf"


MEDIA_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


async def decision_document(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The decision or tờ trình as PDF or .xlsx (base64), for whoever may read it."""
    q = DocumentRequest.model_validate(params)
    async with ctx.engine.connect() as conn:
        row = await _visible_decision(conn, actor, q.id)
        entries = (await _entries(conn, [q.id])).get(q.id, [])
    doc = build_document(document_data(row, entries))
    # fpdf2 lays a 500-entry table out in seconds: off the event loop, so events and other requests go on meanwhile
    content = await asyncio.to_thread(to_pdf if q.format == "pdf" else to_xlsx, doc)
    stem = "quyet-dinh" if row["kind"] == "decision" else "to-trinh"
    return {
        "filename": f"{stem}-{row['number']}-{row['year']}-{row['issuer_code']}.{q.format}",
        "media_type": MEDIA_TYPES[q.format],
        "content_base64": base64.b64encode(content).decode("ascii"),
    }


def document_data(row: Any, entries: list[Any]) -> DocumentData:
    """A register row and its entries as the document's data; the frame as stored when it was issued."""
    issued_on = row["issued_at"].astimezone(VIETNAM_TZ).date()
    issuer = UnitRef.model_validate(row["issuer"])
    frame = row["document"] or _frame(row["kind"], issuer, {"union"}, [], issued_on)
    revocation = None
    if row["status"] == DecisionStatus.REVOKED:
        revocation = Revocation(
            reason=row["revoked_reason"] or "",
            on=row["revoked_at"].astimezone(VIETNAM_TZ).date(),
            by=row["revoked_by"] or "",
        )
    return DocumentData(
        kind=row["kind"],
        number_text=row["number_text"],
        issuer_name=issuer.name,
        issuer_parent_name=frame.get("issuer_parent_name", ""),
        issued_on=issued_on,
        place=frame["place"],
        basis=tuple(frame["basis"]),
        authority=frame["authority"],
        signer_role=tuple(frame["signer_role"]),
        signer_name=row["signed_by"],
        entries=tuple(
            Entry(
                nominee_name=e["nominee_name"],
                nominee_kind=e["nominee"]["kind"],
                unit_name=e["unit_name"],
                award_code=e["award_code"] or row["award_code"],
                award_name=e["award_name"] or row["award_name"],
                prize_amount_vnd=e["prize_amount_vnd"],
            )
            for e in entries
        ),
        base_salary_vnd=entries[0]["base_salary_vnd"] if entries else 0,
        decided_by=row["decided_by"],
        periods=tuple(sorted({e["period"] for e in entries})),
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


def _view(row: Any, entries: list[Any], actor: Actor) -> dict[str, Any]:
    issuing = may_act_for(actor, row["issuer_code"])
    nominees = [_entry_view(e, row) for e in entries]
    revoked = row["status"] == DecisionStatus.REVOKED
    return {
        "id": row["id"],
        "kind": row["kind"],
        "kind_label": "Quyết định" if row["kind"] == "decision" else "Tờ trình",
        "number": row["number"],
        "number_text": row["number_text"],
        "year": row["year"],
        "issuer_code": row["issuer_code"],
        "issuer_name": row["issuer"]["name"],
        "issued_at": row["issued_at"].isoformat(),
        "signed_by": row["signed_by"],
        "award_code": row["award_code"],
        "award_name": row["award_name"],
        "awards": [{"code": c, "name": n} for c, n in dict.fromkeys((x["award_code"], x["award_name"]) for x in nominees)],
        "catalog_version": row["catalog_version"],
        "batch_id": row["batch_id"],
        "decided_by": row["decided_by"],
        "status": row["status"],
        "status_label": "Đã trình" if row["kind"] == "proposal" else STATUS_LABELS_VI[DecisionStatus(row["status"])],
        "revocation": {
            "reason": row["revoked_reason"],
            "by": row["revoked_by"],
            "at": row["revoked_at"].isoformat(),
        }
        if revoked
        else None,
        "document": row["document"],
        "nominees": nominees,
        "collectives": sum(1 for x in nominees if x["kind"] == "collective"),
        "individuals": sum(1 for x in nominees if x["kind"] != "collective"),
        "total_prize_vnd": sum(x["prize_amount_vnd"] for x in nominees),
        "recovery_due_vnd": sum(x["recovery_amount_vnd"] or 0 for x in nominees if x["recovery"] == Recovery.DUE),
        "can_revoke": issuing and row["kind"] == "decision" and not revoked,
        "can_mark_recovered": issuing and revoked,
    }


def _entry_view(e: Any, row: Any) -> dict[str, Any]:
    return {
        "nomination_id": e["nomination_id"],
        "name": e["nominee_name"],
        "kind": e["nominee"]["kind"],
        "unit_code": e["unit_code"],
        "unit_name": e["unit_name"],
        "period": e["period"],
        "award_code": e["award_code"] or row["award_code"],
        "award_name": e["award_name"] or row["award_name"],
        "coefficient": e["coefficient"],
        "base_salary_vnd": e["base_salary_vnd"],
        "prize_amount_vnd": e["prize_amount_vnd"],
        "status": e["status"],
        "status_label": ENTRY_LABELS_VI.get(e["status"], e["status"]).format(decided_by=row["decided_by"]),
        "recovery": e["recovery"],
        "recovery_label": RECOVERY_LABELS_VI[Recovery(e["recovery"])] if e["recovery"] else "",
        "recovery_amount_vnd": e["recovery_amount_vnd"],
        "recovered_at": e["recovered_at"].isoformat() if e["recovered_at"] else None,
        "recovered_by": e["recovered_by"],
    }
