"""Every query of awards: rows go in and come out as the typed records of `services.awards.domain.register` (and
`report`); `SqlUnitOfWork` is one transaction over the store and the outbox. Implements `store.port`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from services.awards.domain.register import (
    Decision,
    DecisionFilter,
    DecisionKey,
    Listing,
    Readers,
    RegisterEntry,
    RegistryEntry,
)
from services.awards.domain.revocation import DecisionStatus, Recovery
from services.awards.store.sql_drafts import SqlDrafts
from services.awards.store.sql_officers import SqlOfficers
from services.awards.store.sql_outcomes import SqlOutcomes
from services.awards.store.sql_reports import SqlReports
from services.awards.store.tables import (
    decisions,
    idempotency_keys,
    inbox,
    outbox,
    register_counters,
    registry,
    registry_scopes,
)
from shared.contracts.events import Event
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.people import SALUTATION_VI
from shared.contracts.values import UnitRef
from shared.platform.db import read_only, upsert_insert
from shared.platform.idempotency import mark_committed
from shared.platform.outbox import enqueue, first_delivery

_CHUNK = 500  # keys per IN (…) list


class SqlAwardsStore(SqlDrafts, SqlOfficers, SqlOutcomes, SqlReports):
    """Every query of awards, on one connection inside the caller's transaction."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # The inbox and the numbering

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        """Record the event as processed by `consumer`; False if it already was (a redelivery or replay)."""
        return await first_delivery(self.conn, inbox, consumer, event, now)

    async def advance_register(self, issuer_code: str, year: int) -> int:
        """Advance the issuer's register of the year, creating it at its first number, in one statement that holds the
        row until commit (two first decisions of a year signed at once: the second waits, then takes number 2); the
        number it had (0 for the first)."""
        c = register_counters
        first = upsert_insert(self.conn, c).values(issuer_code=issuer_code, year=year, last_number=1)
        advanced = first.on_conflict_do_update(
            index_elements=[c.c.issuer_code, c.c.year], set_={"last_number": c.c.last_number + 1}
        ).returning(c.c.last_number)
        return int(await self.conn.scalar(advanced)) - 1

    async def raise_register(self, issuer_code: str, year: int, at_least: int) -> None:
        """The issuer's register of the year goes on above `at_least` (numbers given before the register kept them)."""
        if at_least <= 0:
            return
        c = register_counters
        first = upsert_insert(self.conn, c).values(issuer_code=issuer_code, year=year, last_number=at_least)
        higher = sa.case((c.c.last_number < at_least, at_least), else_=c.c.last_number)
        await self.conn.execute(
            first.on_conflict_do_update(index_elements=[c.c.issuer_code, c.c.year], set_={"last_number": higher})
        )

    # Decisions

    async def add_decision(self, decision: Decision) -> None:
        await self.conn.execute(decisions.insert().values(**_decision_row(decision)))

    async def decision(self, decision_id: str, *, for_update: bool = False) -> Decision | None:
        query = sa.select(decisions).where(decisions.c.id == decision_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        return _decision(row) if row is not None else None

    async def may_read(self, decision_id: str, readers: Readers) -> bool:
        d = decisions
        found = await self.conn.scalar(sa.select(sa.func.count()).select_from(d).where(d.c.id == decision_id, _readable(readers)))
        return bool(found)

    async def count_decisions(self, where: DecisionFilter, readers: Readers) -> int:
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(decisions).where(*_decision_filter(where, readers)))
        return int(total or 0)

    async def list_decisions(
        self, where: DecisionFilter, readers: Readers, *, limit: int, offset: int, after: DecisionKey | None = None
    ) -> list[Decision]:
        d = decisions
        conditions = _decision_filter(where, readers)
        if after is not None:
            conditions.append(_after_in_register(after))
        query = (
            sa.select(d)
            .where(*conditions)
            .order_by(d.c.issuer_code, d.c.year.desc(), d.c.kind, d.c.number.desc())  # ix_decisions_listing
            .limit(limit)
            .offset(offset)
        )
        return [_decision(row) for row in (await self.conn.execute(query)).mappings().all()]

    async def count_register(self, issuer_code: str, year: int) -> int:
        d = decisions
        total = await self.conn.scalar(sa.select(sa.func.count()).where(d.c.issuer_code == issuer_code, d.c.year == year))
        return int(total or 0)

    async def register_page(
        self, issuer_code: str, year: int, *, limit: int, after: tuple[int, str] | None = None
    ) -> list[Decision]:
        d = decisions
        conditions = [d.c.issuer_code == issuer_code, d.c.year == year]
        if after is not None:
            number, kind = after
            conditions.append(sa.or_(d.c.number > number, sa.and_(d.c.number == number, d.c.kind > kind)))
        query = sa.select(d).where(*conditions).order_by(d.c.number, d.c.kind).limit(limit)
        return [_decision(row) for row in (await self.conn.execute(query)).mappings().all()]

    async def listings(self, decision_ids: Sequence[str]) -> dict[str, Listing]:
        if not decision_ids:
            return {}
        r = registry
        query = (
            sa.select(r.c.decision_id, r.c.award_name, r.c.period, sa.func.min(r.c.position).label("first"), sa.func.count())
            .where(r.c.decision_id.in_(list(decision_ids)))
            .group_by(r.c.decision_id, r.c.award_name, r.c.period)
            .order_by(r.c.decision_id, "first")
        )
        grouped: dict[str, list[tuple[str, str, int]]] = {}
        for decision_id, award_name, period, _first, count in (await self.conn.execute(query)).all():
            grouped.setdefault(decision_id, []).append((award_name, period, int(count)))
        return {
            decision_id: Listing(
                award_names=tuple(dict.fromkeys(name for name, _, _ in rows)),
                periods=tuple(sorted({period for _, period, _ in rows})),
                listed=sum(count for _, _, count in rows),
            )
            for decision_id, rows in grouped.items()
        }

    async def revoke_decision(
        self, decision_id: str, *, reason: str, by: str, by_id: str, at: datetime, revoked_in: str | None = None
    ) -> None:
        """The decision revoked (by the signed decision `revoked_in`); its entries revoked with their prizes due back,
        and out of the reports."""
        d, r, s = decisions, registry, registry_scopes
        revoked = {"revoked_reason": reason, "revoked_by": by, "revoked_by_id": by_id, "revoked_at": at, "revoked_in": revoked_in}
        await self.conn.execute(d.update().where(d.c.id == decision_id).values(status=DecisionStatus.REVOKED, **revoked))
        await self.conn.execute(
            r.update()
            .where(r.c.decision_id == decision_id)
            .values(status="revoked", recovery=Recovery.DUE, recovery_amount_vnd=r.c.prize_amount_vnd)
        )
        entry_ids = sa.select(r.c.id).where(r.c.decision_id == decision_id).scalar_subquery()
        await self.conn.execute(s.delete().where(s.c.entry_id.in_(entry_ids)))

    # Registry entries

    async def registered_nominations(self, nomination_ids: Sequence[str]) -> set[str]:
        """Which of these nominations already have an entry (their own approval, or another batch's)."""
        r = registry
        found = await self.conn.scalars(sa.select(r.c.nomination_id).where(r.c.nomination_id.in_(list(nomination_ids))))
        return {n for n in found.all() if n is not None}

    async def add_entries(self, entries: Sequence[RegisterEntry]) -> None:
        """Insert entries, and the scope rows of those reports count (executemany)."""
        if not entries:
            return
        await self.conn.execute(registry.insert(), [_entry_row(e) for e in entries])
        scopes = [s for e in entries if e.counted for s in _scope_rows(e)]
        if scopes:
            await self.conn.execute(registry_scopes.insert(), scopes)

    async def entries_of(self, decision_ids: Sequence[str]) -> dict[str, list[RegistryEntry]]:
        """Each decision's entries in the order it lists them."""
        if not decision_ids:
            return {}
        r = registry
        query = sa.select(r).where(r.c.decision_id.in_(list(decision_ids))).order_by(r.c.decision_id, r.c.position)
        by_decision: dict[str, list[RegistryEntry]] = {}
        for row in (await self.conn.execute(query)).mappings().all():
            by_decision.setdefault(row["decision_id"], []).append(_entry(row))
        return by_decision

    async def entry(self, decision_id: str, nomination_id: str, *, for_update: bool = False) -> RegistryEntry | None:
        r = registry
        query = sa.select(r).where(r.c.decision_id == decision_id, r.c.nomination_id == nomination_id)
        if for_update:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        return _entry(row) if row is not None else None

    async def mark_recovered(self, entry_id: str, *, at: datetime, by: str) -> None:
        r = registry
        await self.conn.execute(
            r.update().where(r.c.id == entry_id).values(recovery=Recovery.RECOVERED, recovered_at=at, recovered_by=by)
        )

    async def recorded_entry_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these grassroots entry keys the register already holds."""
        r = registry
        seen: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            seen.update(k for (k,) in (await self.conn.execute(sa.select(r.c.entry_key).where(r.c.entry_key.in_(chunk)))).all())
        return seen

    # Operations

    async def decisions_issued(self) -> list[tuple[UnitRef, int]]:
        """Decisions (not tờ trình) per issuer, revoked ones included (they were issued); the issuer as one of them names it."""
        d = decisions
        of_decisions = d.c.kind == "decision"
        counts: dict[str, int] = dict(
            (
                await self.conn.execute(sa.select(d.c.issuer_code, sa.func.count()).where(of_decisions).group_by(d.c.issuer_code))
            ).all()
        )
        one_each = sa.select(sa.func.max(d.c.id)).where(of_decisions).group_by(d.c.issuer_code)
        issuers = (await self.conn.execute(sa.select(d.c.issuer_code, d.c.issuer).where(d.c.id.in_(one_each)))).all()
        return [(UnitRef.model_validate(issuer), int(counts[code])) for code, issuer in issuers]


class SqlOutbox:
    """Events written in the same transaction as the state they report; the relay publishes them."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, *events: Event) -> None:
        await enqueue(self.conn, outbox, *events)


class SqlUnitOfWork:
    """One database transaction: `commit()` keeps what was written, leaving without it rolls it back."""

    store: SqlAwardsStore
    outbox: SqlOutbox

    def __init__(self, engine: AsyncEngine, *, reads_only: bool = False) -> None:
        self.engine = engine
        self.reads_only = reads_only  # `shared.platform.db.read_only`: on SQLite it never waits for the write lock
        self._conn: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self.engine.connect()
        try:
            if self.reads_only:
                await read_only(self._conn)
            self._transaction = await self._conn.begin()
        except BaseException:
            await self._conn.close()
            raise
        self.store = SqlAwardsStore(self._conn)
        self.outbox = SqlOutbox(self._conn)
        return self

    async def commit(self) -> None:
        assert self._transaction is not None, "commit outside the unit of work"
        assert self._conn is not None
        await mark_committed(self._conn, idempotency_keys)  # in this transaction (shared.platform.idempotency)
        await self._transaction.commit()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._conn is not None
        assert self._transaction is not None
        try:
            if self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._conn.close()


# Rows ↔ records


def _decision_row(x: Decision) -> dict[str, Any]:
    return {
        "id": x.id,
        "issuer_code": x.issuer_code,
        "issuer": x.issuer.model_dump(),
        "year": x.year,
        "number": x.number,
        "number_text": x.number_text,
        "issued_at": x.issued_at,
        "signed_by": x.signed_by,
        "award_code": x.award_code,
        "award_name": x.award_name,
        "catalog_version": x.catalog_version,
        "path_codes": "|" + "|".join(x.readers) + "|",
        "kind": x.kind,
        "batch_id": x.batch_id,
        "decided_by": x.decided_by,
        "document": x.document.model_dump() if x.document is not None else None,
        "revokes": x.revokes,
    }


def _decision(row: sa.RowMapping) -> Decision:
    return Decision(
        id=row["id"],
        kind=row["kind"],
        issuer_code=row["issuer_code"],
        issuer=UnitRef.model_validate(row["issuer"]),
        year=row["year"],
        number=row["number"],
        number_text=row["number_text"],
        issued_at=row["issued_at"],
        signed_by=row["signed_by"],
        award_code=row["award_code"],
        award_name=row["award_name"],
        catalog_version=row["catalog_version"],
        readers=tuple(code for code in row["path_codes"].split("|") if code),
        batch_id=row["batch_id"],
        decided_by=row["decided_by"],
        document=DecisionFrame.model_validate(row["document"]) if row["document"] is not None else None,
        status=row["status"],
        revoked_reason=row["revoked_reason"],
        revoked_by=row["revoked_by"],
        revoked_by_id=row["revoked_by_id"],
        revoked_at=row["revoked_at"],
        revoked_in=row["revoked_in"],
        revokes=row["revokes"],
    )


def _entry(row: sa.RowMapping) -> RegistryEntry:
    return RegistryEntry(
        id=row["id"],
        decision_id=row["decision_id"],
        nomination_id=row["nomination_id"],
        nominee_kind=row["nominee"]["kind"],
        nominee_name=row["nominee_name"],
        unit_code=row["unit_code"],
        unit_name=row["unit_name"],
        period=row["period"],
        coefficient=row["coefficient"],
        base_salary_vnd=row["base_salary_vnd"],
        prize_amount_vnd=row["prize_amount_vnd"],
        award_code=row["award_code"],
        award_name=row["award_name"],
        status=row["status"],
        recovery=row["recovery"],
        recovery_amount_vnd=row["recovery_amount_vnd"],
        recovered_at=row["recovered_at"],
        recovered_by=row["recovered_by"],
        nominee_position=(row["nominee"] or {}).get("position") or "",
        nominee_salutation=SALUTATION_VI.get((row["nominee"] or {}).get("gender") or "", ""),
    )


def _entry_row(e: RegisterEntry) -> dict[str, Any]:
    unit = e.unit_path[0]
    return {
        "id": e.id,
        "decision_id": e.decision_id,
        "nomination_id": e.nomination_id,
        "nominee": dict(e.nominee),
        "nominee_name": e.nominee.get("name", ""),
        "unit_code": unit.code,
        "unit_name": unit.name,
        "period": e.period,
        "coefficient": e.coefficient,
        "base_salary_vnd": e.base_salary_vnd,
        "prize_amount_vnd": e.prize_amount_vnd,
        "source": e.source,
        "award_code": e.award.code,
        "award_name": e.printed_name,
        "catalog_version": e.catalog_version or e.award.catalog_version,
        "position": e.position,
        "status": e.status,
        "award_category": e.category,
        "level": e.level,
        "nominee_kind": e.nominee_kind,
        "sector": e.sector,
        "path_codes": "|" + "|".join(u.code for u in e.unit_path) + "|",
        "decided_on": e.decided_on,
        "year": e.decided_on.year,
        "decision_text": e.decision_text,
        "title": e.title,
        "entry_key": e.entry_key,
        "recorded_by": e.recorded_by,
        "recorded_at": e.recorded_at,
    }


def _scope_rows(e: RegisterEntry) -> list[dict[str, Any]]:
    """One row per unit on the entry's path, so a unit's report reads its subtree with one indexed range scan."""
    path = list(e.unit_path)
    return [
        {
            "unit_code": u.code,
            "entry_id": e.id,
            "child_code": path[i - 1].code if i > 0 else None,
            "child_name": path[i - 1].name if i > 0 else None,
            "decided_on": e.decided_on,
            "award_code": e.award.code,
            "award_name": e.award.name,
            "award_category": e.category,
            "level": e.level,
            "nominee_kind": e.nominee_kind,
            "sector": e.sector,
            "prize_amount_vnd": e.prize_amount_vnd,
            "period": e.period,
        }
        for i, u in enumerate(path)
    ]


def _readable(readers: Readers) -> Any:
    if readers.everything:
        return sa.true()
    return sa.or_(sa.false(), *(decisions.c.path_codes.contains(f"|{u}|") for u in readers.units))


def _after_in_register(key: DecisionKey) -> sa.ColumnElement[bool]:
    """The documents after `key` in the register's order: issuer, newest year, kind, highest number first."""
    d = decisions
    same_kind = sa.and_(d.c.kind == key.kind, d.c.number < key.number)
    same_year = sa.and_(d.c.year == key.year, sa.or_(d.c.kind > key.kind, same_kind))
    same_issuer = sa.and_(d.c.issuer_code == key.issuer_code, sa.or_(d.c.year < key.year, same_year))
    return sa.or_(d.c.issuer_code > key.issuer_code, same_issuer)


def _decision_filter(where: DecisionFilter, readers: Readers) -> list[Any]:
    d = decisions
    conditions = [_readable(readers)]
    if where.issuer:
        conditions.append(d.c.issuer_code == where.issuer)
    if where.year:
        conditions.append(d.c.year == where.year)
    if where.award_code:
        r = registry
        conditions.append(sa.exists().where(r.c.decision_id == d.c.id, r.c.award_code == where.award_code))
    if where.status:
        conditions.append(d.c.status == where.status)
    if where.kind:
        conditions.append(d.c.kind == where.kind)
    return conditions
