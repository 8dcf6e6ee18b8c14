"""The store in SQL (SQLAlchemy Core, SQLite and PostgreSQL): every query of registration, and its unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.registration.domain.nomination import Status, Step
from services.registration.store.port import AlreadyStored, Store, UnitOfWork
from services.registration.store.records import (
    AttachmentRow,
    ClusterMemberRow,
    ClusterRow,
    ClusterVoteRow,
    LastStep,
    NominationCount,
    NominationRow,
    NominationSearch,
    PledgeRow,
    PledgeSearch,
    ReorganisationRow,
    StageCount,
    StageEntry,
    StuckRow,
    TimelineRow,
    UnitRow,
    Visibility,
)
from services.registration.store.tables import (
    attachments,
    campaign_targets,
    campaigns,
    cluster_members,
    cluster_votes,
    clusters,
    inbox,
    nominations,
    outbox,
    pledges,
    reorganisations,
    timeline,
    unit_parents,
    units,
)
from shared.contracts.commands import Campaign, CampaignTarget, PledgeTarget
from shared.contracts.events import CouncilVote, EligibilityCheck, Event, Nominee
from shared.contracts.values import UnitRef
from shared.platform.outbox import enqueue, first_delivery, is_unique_violation
from shared.rules.reference import ParentSpan, Unit, UnitTree
from shared.rules.text import normalize_name

# The eligibility report lives in the nominee JSON under this key (no schema change for it); records keep it apart.
ELIGIBILITY_KEY = "eligibility"
MAX_PATH = 10  # a unit path never has more levels than this

# At the same instant, a decision (or proposal) after the approval it follows, and a revocation after the decision.
_OUTCOME_LAST = sa.case(
    (timeline.c.step.in_([Step.GRANT.value, Step.PROPOSE.value]), 1),
    (timeline.c.step == Step.REVOKE.value, 2),
    else_=0,
)


def _path_codes(codes: Iterable[str]) -> str:
    """ "|CĐCS|district|city|national|": a unit's nominations and pledges are found by `contains("|code|")`."""
    return "|" + "|".join(codes) + "|"


def _under(column: sa.Column[Any], unit_code: str) -> sa.ColumnElement[bool]:
    return column.contains(f"|{unit_code}|")


def _as_utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _statuses(statuses: Iterable[Status]) -> list[str]:
    return sorted(s.value for s in statuses)


def _visible(unit_column: sa.Column[Any], path_column: sa.Column[Any], visible: Visibility) -> sa.ColumnElement[bool]:
    scopes: list[sa.ColumnElement[bool]] = [unit_column.in_(visible.own_units)]
    scopes += [_under(path_column, u) for u in visible.units_reviewed]
    return sa.or_(*scopes)


# Rows to records and back


def _unit(r: Any) -> UnitRow:
    return UnitRow(
        code=r["code"],
        name=r["name"],
        short_name=r["short_name"],
        level=r["level"],
        parent_code=r["parent_code"],
        decision_suffix=r["decision_suffix"],
        sector=r["sector"],
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        reorganised_by=r["reorganised_by"],
    )


def _nomination(r: Any) -> NominationRow:
    nominee = dict(r["nominee"])
    checks = nominee.pop(ELIGIBILITY_KEY, None) or ()
    return NominationRow(
        id=r["id"],
        unit_code=r["unit_code"],
        unit_path=tuple(UnitRef.model_validate(u) for u in r["unit_path"]),
        award_code=r["award_code"],
        award_name=r["award_name"],
        awarding_level=r["awarding_level"],
        catalog_version=r["catalog_version"],
        period=r["period"],
        nominee=Nominee.model_validate(nominee),
        eligibility=tuple(EligibilityCheck.model_validate(c) for c in checks),
        achievements=r["achievements"],
        council_vote=CouncilVote.model_validate(r["council_vote"]) if r["council_vote"] else None,
        status=Status(r["status"]),
        round=r["round"],
        active_key=r["active_key"],
        current_unit_code=r["current_unit_code"],
        current_unit_name=r["current_unit_name"],
        last_reason=r["last_reason"],
        decision=r["decision"],
        campaign_code=r["campaign_code"],
        topic=r["topic"],
        submitted_by=r["submitted_by"],
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


def _nomination_values(n: NominationRow) -> dict[str, Any]:
    return {
        "unit_code": n.unit_code,
        "path_codes": _path_codes(u.code for u in n.unit_path),
        "unit_path": [u.model_dump() for u in n.unit_path],
        "award_code": n.award_code,
        "award_name": n.award_name,
        "awarding_level": n.awarding_level,
        "catalog_version": n.catalog_version,
        "period": n.period,
        "nominee": {**n.nominee.model_dump(mode="json"), ELIGIBILITY_KEY: [c.model_dump() for c in n.eligibility]},
        "nominee_search": normalize_name(n.nominee.name),
        "achievements": n.achievements,
        "council_vote": n.council_vote.model_dump() if n.council_vote else None,
        "status": n.status.value,
        "round": n.round,
        "active_key": n.active_key,
        "current_unit_code": n.current_unit_code,
        "current_unit_name": n.current_unit_name,
        "last_reason": n.last_reason,
        "decision": n.decision,
        "campaign_code": n.campaign_code,
        "topic": n.topic,
        "submitted_by": n.submitted_by,
        "created_at": n.created_at,
        "updated_at": n.updated_at,
    }


def _timeline(r: Any) -> TimelineRow:
    return TimelineRow(
        nomination_id=r["nomination_id"],
        at=r["at"],
        step=Step(r["step"]),
        actor_id=r["actor_id"],
        actor_name=r["actor_name"],
        unit_code=r["unit_code"],
        unit_name=r["unit_name"],
        comment=r["comment"],
        event_id=r["event_id"],
    )


def _attachment(r: Any) -> AttachmentRow:
    return AttachmentRow(
        id=r["id"],
        nomination_id=r["nomination_id"],
        document_type=r["document_type"],
        document_name=r["document_name"],
        filename=r["filename"],
        media_type=r["media_type"],
        size=r["size"],
        sha256=r["sha256"],
        bucket=r["bucket"],
        object_name=r["object_name"],
        round=r["round"],
        uploaded_by=r["uploaded_by"],
        uploaded_at=r["uploaded_at"],
        removed_at=r["removed_at"],
        removed_by=r["removed_by"],
    )


def _campaign(r: Any, targets: Iterable[Any]) -> Campaign:
    return Campaign(
        code=r["code"],
        name=r["name"],
        plan_ref=r["plan_ref"],
        launching_unit_code=r["launching_unit_code"],
        starts_on=r["starts_on"],
        ends_on=r["ends_on"],
        topic=r["topic"],
        source=r["source"],
        targets=[
            CampaignTarget(
                award_code=t["award_code"],
                quota=t["quota"],
                per_unit_quota=t["per_unit_quota"],
                proposing_level=t["proposing_level"] or "district",
            )
            for t in targets
        ],
    )


def _pledge(r: Any) -> PledgeRow:
    return PledgeRow(
        id=r["id"],
        unit_code=r["unit_code"],
        path=tuple(code for code in r["path_codes"].split("|") if code),
        superior_code=r["superior_code"],
        superior_name=r["superior_name"],
        year=r["year"],
        status=r["status"],
        targets=tuple(PledgeTarget.model_validate(t) for t in r["targets"]),
        note=r["note"],
        late=r["late"],
        deadline=r["deadline"],
        registered_by=r["registered_by"],
        registered_at=r["registered_at"],
        decided_by=r["decided_by"],
        decided_at=r["decided_at"],
        reason=r["reason"],
    )


def _pledge_values(p: PledgeRow) -> dict[str, Any]:
    return {
        "unit_code": p.unit_code,
        "path_codes": _path_codes(p.path),
        "superior_code": p.superior_code,
        "superior_name": p.superior_name,
        "year": p.year,
        "status": p.status,
        "targets": [t.model_dump() for t in p.targets],
        "note": p.note,
        "late": p.late,
        "deadline": p.deadline,
        "registered_by": p.registered_by,
        "registered_at": p.registered_at,
        "decided_by": p.decided_by,
        "decided_at": p.decided_at,
        "reason": p.reason,
    }


def _cluster(r: Any, members: Iterable[Any], votes: Iterable[Any]) -> ClusterRow:
    return ClusterRow(
        code=r["code"],
        name=r["name"],
        parent_unit_code=r["parent_unit_code"],
        valid_from=r["valid_from"],
        valid_to=r["valid_to"],
        created_by=r["created_by"],
        created_at=r["created_at"],
        members=tuple(
            ClusterMemberRow(unit_code=m["unit_code"], valid_from=m["valid_from"], valid_to=m["valid_to"]) for m in members
        ),
        votes=tuple(
            ClusterVoteRow(
                year=v["year"],
                leaders=tuple(v["leaders"]),
                note=v["note"],
                recorded_by=v["recorded_by"],
                recorded_at=v["recorded_at"],
            )
            for v in votes
        ),
    )


def _in_force(row: Any, on: date) -> bool:
    return (row["valid_from"] is None or row["valid_from"] <= on) and (row["valid_to"] is None or on < row["valid_to"])


def _dated(table: sa.Table, on: date) -> list[sa.ColumnElement[bool]]:
    return [
        sa.or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
        sa.or_(table.c.valid_to.is_(None), table.c.valid_to > on),
    ]


class SqlStore(Store):
    """The store on one connection (one transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.enqueued = False

    async def _mappings(self, query: sa.Executable) -> list[Any]:
        return list((await self.conn.execute(query)).mappings().all())

    # The unit tree

    async def units(self) -> list[UnitRow]:
        return [_unit(r) for r in await self._mappings(sa.select(units).order_by(units.c.code))]

    async def unit(self, code: str) -> UnitRow | None:
        found = await self._mappings(sa.select(units).where(units.c.code == code))
        return _unit(found[0]) if found else None

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
        for row in await self._mappings(sa.select(p).order_by(p.c.unit_code, p.c.id)):
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
                for r in await self._mappings(sa.select(units))
            ]
        )

    async def unit_path(self, code: str, on: date) -> list[UnitRef]:
        p = unit_parents
        path: list[UnitRef] = []
        current: str | None = code
        while current is not None and len(path) < MAX_PATH:
            found = await self._mappings(sa.select(units).where(units.c.code == current))
            if not found or not _in_force(found[0], on):
                break
            row = found[0]
            path.append(
                UnitRef(
                    code=row["code"],
                    name=row["name"],
                    short_name=row["short_name"],
                    level=row["level"],
                    decision_suffix=row["decision_suffix"],
                )
            )
            current = await self.conn.scalar(sa.select(p.c.parent_code).where(p.c.unit_code == current, *_dated(p, on)))
        return path

    # Nominations

    async def nomination(self, nomination_id: str, *, for_update: bool = False) -> NominationRow | None:
        query = sa.select(nominations).where(nominations.c.id == nomination_id)
        if for_update:
            query = query.with_for_update()
        found = await self._mappings(query)
        return _nomination(found[0]) if found else None

    async def add_nomination(self, nomination: NominationRow) -> None:
        await self.conn.execute(nominations.insert().values(id=nomination.id, **_nomination_values(nomination)))

    async def save_nomination(self, nomination: NominationRow) -> None:
        n = nominations
        await self.conn.execute(n.update().where(n.c.id == nomination.id).values(**_nomination_values(nomination)))

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
            n.c.unit_code == unit_code, n.c.nominee_search == normalize_name(nominee_name), n.c.status.in_(_statuses(statuses))
        )
        if except_id is not None:
            query = query.where(n.c.id != except_id)
        return [_nomination(r) for r in await self._mappings(query)]

    async def count_nominations(self, count: NominationCount) -> int:
        n = nominations
        where = [n.c.award_code == count.award_code, n.c.status.in_(_statuses(count.statuses))]
        if count.under_unit is not None:
            where.append(_under(n.c.path_codes, count.under_unit))
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
            .where(n.c.campaign_code == campaign_code, n.c.status.in_(_statuses(statuses)))
            .group_by(n.c.award_code)
        )
        return {award: int(count) for award, count in rows.all()}

    async def search_nominations(self, search: NominationSearch) -> tuple[int, list[NominationRow]]:
        n = nominations
        where: list[sa.ColumnElement[bool]] = []
        if search.visible is not None:
            where.append(_visible(n.c.unit_code, n.c.path_codes, search.visible))
        if search.under_unit:
            where.append(_under(n.c.path_codes, search.under_unit))
        if search.status:
            where.append(n.c.status == search.status.value)
        if search.award_code:
            where.append(n.c.award_code == search.award_code)
        if search.period:
            where.append(n.c.period == search.period)
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where))
        page = sa.select(n).where(*where).order_by(n.c.created_at.desc(), n.c.id).limit(search.limit).offset(search.offset)
        return int(total or 0), [_nomination(r) for r in await self._mappings(page)]

    async def open_nominations_through(self, unit_codes: frozenset[str], statuses: frozenset[Status]) -> list[NominationRow]:
        n = nominations
        query = sa.select(n).where(
            n.c.status.in_(_statuses(statuses)), sa.or_(*(_under(n.c.path_codes, code) for code in sorted(unit_codes)))
        )
        return [_nomination(r) for r in await self._mappings(query.order_by(n.c.id).with_for_update())]

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
            .where(n.c.status.in_(_statuses(statuses)), last.c.at < before)
            .order_by(last.c.at, n.c.id)
        )
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = await self._mappings(query.limit(limit))
        return int(total or 0), [
            StuckRow(
                nomination=_nomination(r),
                last_step=LastStep(
                    step=Step(r["step"]),
                    at=_as_utc(r["step_at"]),
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
        query = sa.select(t).where(t.c.nomination_id == nomination_id).order_by(t.c.at, _OUTCOME_LAST, t.c.id)
        return [_timeline(r) for r in await self._mappings(query)]

    # The dossier's files

    async def attachments(self, nomination_id: str) -> list[AttachmentRow]:
        a = attachments
        query = (
            sa.select(a)
            .where(a.c.nomination_id == nomination_id, a.c.removed_at.is_(None))
            .order_by(a.c.uploaded_at, a.c.document_type, a.c.filename, a.c.id)
        )
        return [_attachment(r) for r in await self._mappings(query)]

    async def attachment(self, nomination_id: str, attachment_id: str) -> AttachmentRow | None:
        a = attachments
        found = await self._mappings(sa.select(a).where(a.c.id == attachment_id, a.c.nomination_id == nomination_id))
        return _attachment(found[0]) if found else None

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

    # Campaigns

    async def campaign(self, code: str) -> Campaign | None:
        c, t = campaigns, campaign_targets
        found = await self._mappings(sa.select(c).where(c.c.code == code))
        if not found:
            return None
        targets = await self._mappings(sa.select(t).where(t.c.campaign_code == code).order_by(t.c.award_code))
        return _campaign(found[0], targets)

    async def campaigns(self) -> list[Campaign]:
        c, t = campaigns, campaign_targets
        rows = await self._mappings(sa.select(c).order_by(c.c.starts_on.desc(), c.c.code))
        targets: dict[str, list[Any]] = {}
        for target in await self._mappings(sa.select(t).order_by(t.c.campaign_code, t.c.award_code)):
            targets.setdefault(target["campaign_code"], []).append(target)
        return [_campaign(r, targets.get(r["code"], [])) for r in rows]

    async def add_campaign(self, campaign: Campaign, *, created_by: str, at: datetime) -> None:
        await self.conn.execute(
            campaigns.insert().values(
                code=campaign.code,
                name=campaign.name,
                plan_ref=campaign.plan_ref,
                launching_unit_code=campaign.launching_unit_code,
                starts_on=campaign.starts_on,
                ends_on=campaign.ends_on,
                topic=campaign.topic,
                source=campaign.source,
                created_by=created_by,
                created_at=at,
            )
        )
        await self.conn.execute(
            campaign_targets.insert(),
            [
                {
                    "campaign_code": campaign.code,
                    "award_code": t.award_code,
                    "quota": t.quota,
                    "per_unit_quota": t.per_unit_quota,
                    "proposing_level": t.proposing_level,
                }
                for t in campaign.targets
            ],
        )

    async def claim_campaign_place(self, campaign_code: str, award_code: str) -> None:
        t = campaign_targets
        await self.conn.execute(
            t.update().where(t.c.campaign_code == campaign_code, t.c.award_code == award_code).values(claims=t.c.claims + 1)
        )

    # Pledges

    async def pledge(self, pledge_id: str, *, for_update: bool = False) -> PledgeRow | None:
        query = sa.select(pledges).where(pledges.c.id == pledge_id)
        found = await self._mappings(query.with_for_update() if for_update else query)
        return _pledge(found[0]) if found else None

    async def pledge_of(self, unit_code: str, year: int, *, for_update: bool = False) -> PledgeRow | None:
        query = sa.select(pledges).where(pledges.c.unit_code == unit_code, pledges.c.year == year)
        found = await self._mappings(query.with_for_update() if for_update else query)
        return _pledge(found[0]) if found else None

    async def add_pledge(self, pledge: PledgeRow) -> None:
        await self.conn.execute(pledges.insert().values(id=pledge.id, **_pledge_values(pledge)))

    async def save_pledge(self, pledge: PledgeRow) -> None:
        await self.conn.execute(pledges.update().where(pledges.c.id == pledge.id).values(**_pledge_values(pledge)))

    async def pledges(self, search: PledgeSearch) -> list[PledgeRow]:
        p = pledges
        where: list[sa.ColumnElement[bool]] = []
        if search.visible is not None:
            where.append(_visible(p.c.unit_code, p.c.path_codes, search.visible))
        if search.year:
            where.append(p.c.year == search.year)
        if search.under_unit:
            where.append(_under(p.c.path_codes, search.under_unit))
        if search.status:
            where.append(p.c.status == search.status)
        return [_pledge(r) for r in await self._mappings(sa.select(p).where(*where).order_by(p.c.year.desc(), p.c.unit_code))]

    # Clusters

    async def cluster(self, code: str) -> ClusterRow | None:
        c, m, v = clusters, cluster_members, cluster_votes
        found = await self._mappings(sa.select(c).where(c.c.code == code))
        if not found:
            return None
        members = await self._mappings(sa.select(m).where(m.c.cluster_code == code).order_by(m.c.id))
        votes = await self._mappings(sa.select(v).where(v.c.cluster_code == code).order_by(v.c.year.desc()))
        return _cluster(found[0], members, votes)

    async def clusters(self) -> list[ClusterRow]:
        c, m, v = clusters, cluster_members, cluster_votes
        rows = await self._mappings(sa.select(c).order_by(c.c.parent_unit_code, c.c.code))
        members = await self._mappings(sa.select(m).order_by(m.c.id))
        votes = await self._mappings(sa.select(v).order_by(v.c.year.desc()))
        return [
            _cluster(
                r, (x for x in members if x["cluster_code"] == r["code"]), (x for x in votes if x["cluster_code"] == r["code"])
            )
            for r in rows
        ]

    async def add_cluster(self, cluster: ClusterRow) -> None:
        await self.conn.execute(
            clusters.insert().values(
                code=cluster.code,
                name=cluster.name,
                parent_unit_code=cluster.parent_unit_code,
                valid_from=cluster.valid_from,
                valid_to=cluster.valid_to,
                created_by=cluster.created_by,
                created_at=cluster.created_at,
            )
        )
        await self.conn.execute(
            cluster_members.insert(),
            [
                {"cluster_code": cluster.code, "unit_code": m.unit_code, "valid_from": m.valid_from, "valid_to": m.valid_to}
                for m in cluster.members
            ],
        )

    async def add_cluster_vote(self, cluster_code: str, vote: ClusterVoteRow) -> None:
        await self.conn.execute(
            cluster_votes.insert().values(
                cluster_code=cluster_code,
                year=vote.year,
                leaders=list(vote.leaders),
                note=vote.note,
                recorded_by=vote.recorded_by,
                recorded_at=vote.recorded_at,
            )
        )

    # Messaging

    async def enqueue(self, *events: Event) -> None:
        await enqueue(self.conn, outbox, *events)
        self.enqueued = self.enqueued or bool(events)

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        return await first_delivery(self.conn, inbox, consumer, event, now)


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, outbox_written: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.outbox_written = outbox_written

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        try:
            async with self.engine.begin() as conn:
                store = SqlStore(conn)
                yield store
        except IntegrityError as exc:
            if is_unique_violation(exc):
                raise AlreadyStored(str(exc.orig)) from exc
            raise
        if store.enqueued:
            self.outbox_written()

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Store]:
        async with self.engine.connect() as conn:
            yield SqlStore(conn)
