"""Registration's rows as records and records as rows, and what every query of the store shares: the connection a
store works on, the unit path encoded for `contains` lookups, the dated-row filters."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.registration.domain.nomination import Status, Step
from services.registration.store.records import (
    AttachmentRow,
    ClusterMemberRow,
    ClusterRow,
    ClusterVoteRow,
    NominationRow,
    PledgeRow,
    TimelineRow,
    UnitRow,
    Visibility,
)
from services.registration.store.tables import timeline
from shared.contracts.commands import Campaign, CampaignTarget, PledgeTarget
from shared.contracts.events import CouncilVote, EligibilityCheck, Nominee
from shared.contracts.values import UnitRef
from shared.rules.text import normalize_name

# The eligibility report lives in the nominee JSON under this key (no schema change for it); records keep it apart.
ELIGIBILITY_KEY = "eligibility"
MAX_PATH = 10  # a unit path never has more levels than this

# At the same instant, a decision (or proposal) after the approval it follows, and a revocation after the decision.
OUTCOME_LAST = sa.case(
    (timeline.c.step.in_([Step.GRANT.value, Step.PROPOSE.value]), 1),
    (timeline.c.step == Step.REVOKE.value, 2),
    else_=0,
)


def path_codes(codes: Iterable[str]) -> str:
    """A unit path as one column, "|CĐCS|district|city|national|": what is under a unit is `contains("|code|")`."""
    return "|" + "|".join(codes) + "|"


def under(column: sa.Column[Any], unit_code: str) -> sa.ColumnElement[bool]:
    return column.contains(f"|{unit_code}|")


def as_utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def status_values(statuses: Iterable[Status]) -> list[str]:
    return sorted(s.value for s in statuses)


def visible_to(unit_column: sa.Column[Any], path_column: sa.Column[Any], visible: Visibility) -> sa.ColumnElement[bool]:
    scopes: list[sa.ColumnElement[bool]] = [unit_column.in_(visible.own_units)]
    scopes += [under(path_column, u) for u in visible.units_reviewed]
    return sa.or_(*scopes)


# Rows to records and back


def unit_row(r: Any) -> UnitRow:
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


def nomination_row(r: Any) -> NominationRow:
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


def nomination_values(n: NominationRow) -> dict[str, Any]:
    return {
        "unit_code": n.unit_code,
        "path_codes": path_codes(u.code for u in n.unit_path),
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
        "person_id": n.nominee.person_id,
    }


def timeline_row(r: Any) -> TimelineRow:
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


def attachment_row(r: Any) -> AttachmentRow:
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


def campaign_of(r: Any, targets: Iterable[Any]) -> Campaign:
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


def pledge_row(r: Any) -> PledgeRow:
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


def pledge_values(p: PledgeRow) -> dict[str, Any]:
    return {
        "unit_code": p.unit_code,
        "path_codes": path_codes(p.path),
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


def cluster_row(r: Any, members: Iterable[Any], votes: Iterable[Any]) -> ClusterRow:
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


def in_force(row: Any, on: date) -> bool:
    return (row["valid_from"] is None or row["valid_from"] <= on) and (row["valid_to"] is None or on < row["valid_to"])


def dated(table: sa.Table, on: date) -> list[sa.ColumnElement[bool]]:
    return [
        sa.or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
        sa.or_(table.c.valid_to.is_(None), table.c.valid_to > on),
    ]


class OnConnection:
    """Queries on one connection (one transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def mappings(self, query: sa.Executable) -> list[Any]:
        return list((await self.conn.execute(query)).mappings().all())
