"""The store in SQL (SQLAlchemy Core, SQLite and PostgreSQL): every query of registration (emulation's in
`sql_emulation.py`), and its unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.registration.domain.nomination import Status, Step
from services.registration.store.port import AlreadyStored, Store, UnitOfWork
from services.registration.store.records import (
    AttachmentRow,
    LastStep,
    NominationCount,
    NominationRow,
    NominationSearch,
    ReorganisationRow,
    StageCount,
    StageEntry,
    StuckRow,
    TimelineRow,
    UnitRow,
)
from services.registration.store.rows import (
    MAX_PATH,
    OUTCOME_LAST,
    as_utc,
    attachment_row,
    dated,
    in_force,
    nomination_row,
    nomination_values,
    status_values,
    timeline_row,
    under,
    unit_row,
    visible_to,
)
from services.registration.store.sql_emulation import EmulationQueries
from services.registration.store.sql_people import PeopleQueries
from services.registration.store.tables import (
    attachments,
    idempotency_keys,
    inbox,
    nominations,
    outbox,
    reorganisations,
    timeline,
    unit_parents,
    units,
)
from shared.contracts.events import Event
from shared.contracts.values import UnitRef
from shared.platform.db import reading
from shared.platform.idempotency import mark_committed
from shared.platform.outbox import enqueue, first_delivery, is_unique_violation
from shared.rules.reference import ParentSpan, Unit, UnitTree
from shared.rules.text import normalize_name


class SqlStore(EmulationQueries, PeopleQueries, Store):
    """The store on one connection (one transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)

    # The unit tree

    async def units(self) -> list[UnitRow]:
        return [unit_row(r) for r in await self.mappings(sa.select(units).order_by(units.c.code))]

    async def unit(self, code: str) -> UnitRow | None:
        found = await self.mappings(sa.select(units).where(units.c.code == code))
        return unit_row(found[0]) if found else None

    async def save_unit(self, unit: Unit, *, exists: bool, reorganised_by: str | None) -> None:
        values = {
            "name": unit.name,
            "short_name": unit.short_name,
            "level": unit.level,
            "parent_code": unit.parent,
            "decision_suffix": unit.decision_suffix,
            "sector": unit.sector,
            "valid_from": unit.valid_from,
            "valid_to": unit.valid_to,
            "reorganised_by": reorganised_by,
        }
        if exists:
            await self.conn.execute(units.update().where(units.c.code == unit.code).values(**values))
        else:
            await self.conn.execute(units.insert().values(code=unit.code, **values))
        p = unit_parents
        spans = unit.parent_history or ((ParentSpan(parent=unit.parent, valid_from=unit.valid_from),) if unit.parent else ())
        await self.conn.execute(p.delete().where(p.c.unit_code == unit.code))
        if spans:
            await self.conn.execute(
                p.insert(),
                [
                    {"unit_code": unit.code, "parent_code": s.parent, "valid_from": s.valid_from, "valid_to": s.valid_to}
                    for s in spans
                ],
            )

    async def tree(self) -> UnitTree:
        p = unit_parents
        spans: dict[str, list[ParentSpan]] = {}
        for row in await self.mappings(sa.select(p).order_by(p.c.unit_code, p.c.id)):
            spans.setdefault(row["unit_code"], []).append(
                ParentSpan(parent=row["parent_code"], valid_from=row["valid_from"], valid_to=row["valid_to"])
            )
        return UnitTree(
            [
                Unit(
                    code=r["code"],
                    name=r["name"],
                    short_name=r["short_name"],
                    level=r["level"],
                    decision_suffix=r["decision_suffix"],
                    parent=r["parent_code"],
                    sector=r["sector"],
                    valid_from=r["valid_from"],
                    valid_to=r["valid_to"],
                    parent_history=tuple(sorted(spans.get(r["code"], []), key=lambda s: s.valid_from or date.min)),
                )
                for r in await self.mappings(sa.select(units))
            ]
        )

    async def unit_path(self, code: str, on: date) -> list[UnitRef]:
        """The unit, then its parents on `on` up to the root: one recursive query (a submission asks for it each time)."""
        p = unit_parents
        start = sa.select(sa.cast(sa.literal(code), units.c.code.type).label("code"), sa.literal(0).label("depth"))
        up = start.cte("up", recursive=True)
        up = up.union_all(
            sa.select(p.c.parent_code, up.c.depth + 1).where(p.c.unit_code == up.c.code, up.c.depth < MAX_PATH - 1, *dated(p, on))
        )
        rows = await self.mappings(sa.select(units, up.c.depth).join(up, units.c.code == up.c.code).order_by(up.c.depth))
        path: list[UnitRef] = []
        for row in rows:
            if row["depth"] < len(path):  # a second parent in force the same day: the first one found, as ever
                continue
            if row["depth"] > len(path) or not in_force(row, on):  # a unit missing, or not in force that day: the end
                break
            path.append(
                UnitRef(
                    code=row["code"],
                    name=row["name"],
                    short_name=row["short_name"],
                    level=row["level"],
                    decision_suffix=row["decision_suffix"],
                )
            )
        return path

    # Nominations

    async def nomination(self, nomination_id: str, *, for_update: bool = False) -> NominationRow | None:
        query = sa.select(nominations).where(nominations.c.id == nomination_id)
        if for_update:
            query = query.with_for_update()
        found = await self.mappings(query)
        return nomination_row(found[0]) if found else None

    async def add_nomination(self, nomination: NominationRow) -> None:
        await self.conn.execute(nominations.insert().values(id=nomination.id, **nomination_values(nomination)))

    async def save_nomination(self, nomination: NominationRow) -> None:
        n = nominations
        await self.conn.execute(n.update().where(n.c.id == nomination.id).values(**nomination_values(nomination)))

    async def active_nomination(self, active_key: str, *, except_id: str | None = None) -> str | None:
        query = sa.select(nominations.c.id).where(nominations.c.active_key == active_key)
        if except_id is not None:
            query = query.where(nominations.c.id != except_id)
        found: str | None = await self.conn.scalar(query)
        return found

    async def nominations_of(
        self, unit_code: str, nominee_name: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        n = nominations
        query = sa.select(n).where(
            n.c.unit_code == unit_code,
            n.c.nominee_search == normalize_name(nominee_name),
            n.c.status.in_(status_values(statuses)),
        )
        if except_id is not None:
            query = query.where(n.c.id != except_id)
        return [nomination_row(r) for r in await self.mappings(query)]

    async def count_nominations(self, count: NominationCount) -> int:
        n = nominations
        where = [n.c.award_code == count.award_code, n.c.status.in_(status_values(count.statuses))]
        if count.under_unit is not None:
            where.append(under(n.c.path_codes, count.under_unit))
        if count.campaign_code is not None:
            where.append(n.c.campaign_code == count.campaign_code)
        if count.period is not None:
            where.append(n.c.period == count.period)
        if count.topic is not None:
            where.append(n.c.topic == count.topic)
        if count.except_id is not None:
            where.append(n.c.id != count.except_id)
        used = await self.conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where))
        return int(used or 0)

    async def count_by_award(self, campaign_code: str, statuses: frozenset[Status]) -> dict[str, int]:
        n = nominations
        rows = await self.conn.execute(
            sa.select(n.c.award_code, sa.func.count())
            .where(n.c.campaign_code == campaign_code, n.c.status.in_(status_values(statuses)))
            .group_by(n.c.award_code)
        )
        return {award: int(count) for award, count in rows.all()}

    async def search_nominations(self, search: NominationSearch) -> tuple[int, list[NominationRow]]:
        n = nominations
        where: list[sa.ColumnElement[bool]] = []
        if search.visible is not None:
            where.append(visible_to(n.c.unit_code, n.c.path_codes, search.visible))
        if search.under_unit:
            where.append(under(n.c.path_codes, search.under_unit))
        if search.status:
            where.append(n.c.status == search.status.value)
        if search.award_code:
            where.append(n.c.award_code == search.award_code)
        if search.period:
            where.append(n.c.period == search.period)
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where))
        if search.after is not None and search.oldest_first:  # ix_nominations_created_id read forwards
            at, after_id = search.after
            where.append(sa.or_(n.c.created_at > at, sa.and_(n.c.created_at == at, n.c.id > after_id)))
        elif search.after is not None:  # newest first, ties by id: ix_nominations_created_id read backwards
            at, after_id = search.after
            where.append(sa.or_(n.c.created_at < at, sa.and_(n.c.created_at == at, n.c.id < after_id)))
        order = (n.c.created_at, n.c.id) if search.oldest_first else (n.c.created_at.desc(), n.c.id.desc())
        page = sa.select(n).where(*where).order_by(*order).limit(search.limit).offset(search.offset)
        return int(total or 0), [nomination_row(r) for r in await self.mappings(page)]

    async def open_nominations_through(self, unit_codes: frozenset[str], statuses: frozenset[Status]) -> list[NominationRow]:
        n = nominations
        query = sa.select(n).where(
            n.c.status.in_(status_values(statuses)), sa.or_(*(under(n.c.path_codes, code) for code in sorted(unit_codes)))
        )
        return [nomination_row(r) for r in await self.mappings(query.order_by(n.c.id).with_for_update())]

    async def stuck_nominations(self, statuses: frozenset[Status], before: datetime, limit: int) -> tuple[int, list[StuckRow]]:
        n, t = nominations, timeline
        ranked = sa.select(
            t.c.nomination_id,
            t.c.at,
            t.c.step,
            t.c.unit_code,
            t.c.unit_name,
            t.c.actor_name,
            sa.func.row_number().over(partition_by=t.c.nomination_id, order_by=(t.c.at.desc(), t.c.id.desc())).label("rank"),
        ).subquery()
        last = sa.select(ranked).where(ranked.c.rank == 1).subquery()
        query = (
            sa.select(
                n,
                last.c.at.label("step_at"),
                last.c.step,
                last.c.unit_code.label("step_unit_code"),
                last.c.unit_name.label("step_unit_name"),
                last.c.actor_name.label("step_actor_name"),
            )
            .join(last, last.c.nomination_id == n.c.id)
            .where(n.c.status.in_(status_values(statuses)), last.c.at < before)
            .order_by(last.c.at, n.c.id)
        )
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = await self.mappings(query.limit(limit))
        return int(total or 0), [
            StuckRow(
                nomination=nomination_row(r),
                last_step=LastStep(
                    step=Step(r["step"]),
                    at=as_utc(r["step_at"]),
                    unit_code=r["step_unit_code"],
                    unit_name=r["step_unit_name"],
                    actor_name=r["step_actor_name"],
                ),
            )
            for r in rows
        ]

    async def stage_counts(self) -> list[StageCount]:
        n, u = nominations, units
        rows = await self.conn.execute(
            sa.select(n.c.status, u.c.level, sa.func.count())
            .select_from(n.outerjoin(u, u.c.code == n.c.current_unit_code))
            .group_by(n.c.status, u.c.level)
        )
        return [StageCount(status=Status(status), level=level, count=int(count)) for status, level, count in rows.all()]

    async def stage_entries(self, since: datetime, steps: frozenset[Step]) -> list[StageEntry]:
        t, u = timeline, units
        rows = await self.conn.execute(
            sa.select(t.c.step, u.c.level, t.c.at)
            .select_from(t.outerjoin(u, u.c.code == t.c.unit_code))
            .where(t.c.at >= since, t.c.step.in_(sorted(s.value for s in steps)))
        )
        return [StageEntry(step=Step(step), level=level, at=at) for step, level, at in rows.all()]

    # Timelines

    async def add_timeline(self, line: TimelineRow) -> None:
        await self.conn.execute(
            timeline.insert().values(
                nomination_id=line.nomination_id,
                at=line.at,
                step=line.step.value,
                actor_id=line.actor_id,
                actor_name=line.actor_name,
                unit_code=line.unit_code,
                unit_name=line.unit_name,
                comment=line.comment,
                event_id=line.event_id,
            )
        )

    async def timeline(self, nomination_id: str) -> list[TimelineRow]:
        t = timeline
        query = sa.select(t).where(t.c.nomination_id == nomination_id).order_by(t.c.at, OUTCOME_LAST, t.c.id)
        return [timeline_row(r) for r in await self.mappings(query)]

    # The dossier's files

    async def attachments(self, nomination_id: str) -> list[AttachmentRow]:
        a = attachments
        query = (
            sa.select(a)
            .where(a.c.nomination_id == nomination_id, a.c.removed_at.is_(None))
            .order_by(a.c.uploaded_at, a.c.document_type, a.c.filename, a.c.id)
        )
        return [attachment_row(r) for r in await self.mappings(query)]

    async def attachment(self, nomination_id: str, attachment_id: str) -> AttachmentRow | None:
        a = attachments
        found = await self.mappings(sa.select(a).where(a.c.id == attachment_id, a.c.nomination_id == nomination_id))
        return attachment_row(found[0]) if found else None

    async def add_attachment(self, attachment: AttachmentRow) -> None:
        a = attachment
        await self.conn.execute(
            attachments.insert().values(
                id=a.id,
                nomination_id=a.nomination_id,
                document_type=a.document_type,
                document_name=a.document_name,
                filename=a.filename,
                media_type=a.media_type,
                size=a.size,
                sha256=a.sha256,
                bucket=a.bucket,
                object_name=a.object_name,
                round=a.round,
                uploaded_by=a.uploaded_by,
                uploaded_at=a.uploaded_at,
                removed_at=a.removed_at,
                removed_by=a.removed_by,
            )
        )

    async def remove_attachments(self, attachment_ids: frozenset[str], *, at: datetime, by: str) -> None:
        a = attachments
        await self.conn.execute(a.update().where(a.c.id.in_(sorted(attachment_ids))).values(removed_at=at, removed_by=by))

    # Reorganisations

    async def reorganisation_applied(self, reorganisation_id: str) -> bool:
        r = reorganisations
        return bool(await self.conn.scalar(sa.select(r.c.id).where(r.c.id == reorganisation_id)))

    async def add_reorganisation(self, reorganisation: ReorganisationRow) -> None:
        r = reorganisation
        await self.conn.execute(
            reorganisations.insert().values(
                id=r.id,
                title=r.title,
                effective_on=r.effective_on,
                applied_at=r.applied_at,
                applied_by=r.applied_by,
                summary=r.summary,
            )
        )

    # Messaging

    async def enqueue(self, *events: Event) -> None:
        await enqueue(self.conn, outbox, *events)

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        return await first_delivery(self.conn, inbox, consumer, event, now)


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        try:
            async with self.engine.begin() as conn:
                store = SqlStore(conn)
                yield store
                await mark_committed(conn, idempotency_keys)  # in this transaction (shared.platform.idempotency)
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise AlreadyStored(str(exc.orig)) from exc
            raise

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Store]:
        async with reading(self.engine) as conn:  # on SQLite: never waits for the write lock, cannot write
            yield SqlStore(conn)
