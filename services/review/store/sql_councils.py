"""The paper trail of decisions: council meetings and votes, tờ trình letters, the reorganisations followed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review.domain.proposal import Proposal, ProposalItem
from services.review.store import port
from services.review.store import tables as t
from services.review.store.records import (
    CouncilMeetingRecord,
    CouncilMemberRecord,
    CouncilVoteEntry,
    CouncilVoteRecord,
    ProposalTask,
    ReorganisationRecord,
    StandingCouncilRecord,
)
from shared.contracts.operations.review import ReorganisationSummary
from shared.contracts.values import UnitRef
from shared.rules.council import Check

MEETING_COLUMNS = ("unit", "held_on", "members", "present", "secret_ballot", "chair", "note", "recorded_by", "recorded_by_name")


def vote_entry(row: RowMapping) -> CouncilVoteEntry:
    vote = CouncilVoteRecord(
        id=row["id"],
        meeting_id=row["meeting_id"],
        task_id=row["task_id"],
        nomination_id=row["nomination_id"],
        votes_for=row["votes_for"],
        votes_against=row["votes_against"],
        passed=row["passed"],
        required=row["required"],
        explanation=row["explanation"],
        checks=tuple(Check.model_validate(c) for c in row["checks"]),
        recorded_at=row["recorded_at"],
    )
    meeting = CouncilMeetingRecord(
        id=row["meeting_id"],
        unit=UnitRef.model_validate(row["m_unit"]),
        held_on=row["m_held_on"],
        members=row["m_members"],
        present=row["m_present"],
        secret_ballot=row["m_secret_ballot"],
        chair=row["m_chair"],
        note=row["m_note"],
        recorded_by=row["m_recorded_by"],
        recorded_by_name=row["m_recorded_by_name"],
        recorded_at=row["m_recorded_at"],
    )
    return CouncilVoteEntry(vote=vote, meeting=meeting)


class SqlCouncils(port.Councils):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    def _votes_with_meetings(self) -> sa.Select[Any]:
        v, m = t.council_votes, t.council_meetings
        meeting = [m.c[name].label(f"m_{name}") for name in (*MEETING_COLUMNS, "recorded_at")]
        return sa.select(v, *meeting).join(m, m.c.id == v.c.meeting_id)

    async def add_meeting(self, meeting: CouncilMeetingRecord) -> None:
        await self.conn.execute(
            t.council_meetings.insert().values(
                id=meeting.id,
                unit_code=meeting.unit.code,
                unit=meeting.unit.model_dump(),
                held_on=meeting.held_on,
                members=meeting.members,
                present=meeting.present,
                secret_ballot=meeting.secret_ballot,
                chair=meeting.chair,
                note=meeting.note,
                recorded_by=meeting.recorded_by,
                recorded_by_name=meeting.recorded_by_name,
                recorded_at=meeting.recorded_at,
                council_id=meeting.council_id,
                present_member_ids=list(meeting.present_member_ids) if meeting.present_member_ids is not None else None,
            )
        )

    async def add_vote(self, vote: CouncilVoteRecord) -> None:
        await self.conn.execute(
            t.council_votes.insert().values(
                meeting_id=vote.meeting_id,
                task_id=vote.task_id,
                nomination_id=vote.nomination_id,
                votes_for=vote.votes_for,
                votes_against=vote.votes_against,
                passed=vote.passed,
                required=vote.required,
                explanation=vote.explanation,
                checks=[c.model_dump() for c in vote.checks],
                recorded_at=vote.recorded_at,
            )
        )

    async def latest(self, task_ids: Sequence[str]) -> dict[str, CouncilVoteEntry]:
        if not task_ids:
            return {}
        v = t.council_votes
        latest = (
            sa.select(v.c.task_id, sa.func.max(v.c.id).label("id"))
            .where(v.c.task_id.in_(task_ids))
            .group_by(v.c.task_id)
            .subquery()
        )
        rows = (await self.conn.execute(self._votes_with_meetings().join(latest, v.c.id == latest.c.id))).mappings()
        return {r["task_id"]: vote_entry(r) for r in rows}

    async def of_nomination(self, nomination_id: str) -> list[CouncilVoteEntry]:
        v = t.council_votes
        query = self._votes_with_meetings().where(v.c.nomination_id == nomination_id).order_by(v.c.id.desc())
        return [vote_entry(r) for r in (await self.conn.execute(query)).mappings()]

    # Standing councils

    async def add_standing(self, council: StandingCouncilRecord) -> None:
        await self.conn.execute(
            t.standing_councils.insert().values(
                id=council.id,
                unit_code=council.unit_code,
                kind=council.kind,
                name=council.name,
                decision_number=council.decision_number,
                decision_date=council.decision_date,
                decision_signer=council.decision_signer,
                created_by=council.created_by,
                created_at=council.created_at,
            )
        )
        for member in council.members:
            await self.add_member(member)

    async def add_member(self, member: CouncilMemberRecord) -> None:
        await self.conn.execute(
            t.standing_council_members.insert().values(
                id=member.id,
                council_id=member.council_id,
                position=member.position,
                full_name=member.full_name,
                title=member.title,
                role=member.role,
                term_from=member.term_from,
                term_to=member.term_to,
            )
        )

    async def end_member(self, member_id: str, term_to: date) -> None:
        m = t.standing_council_members
        await self.conn.execute(m.update().where(m.c.id == member_id).values(term_to=term_to))

    async def _with_members(self, rows: Sequence[RowMapping]) -> list[StandingCouncilRecord]:
        if not rows:
            return []
        m = t.standing_council_members
        found = await self.conn.execute(
            sa.select(m).where(m.c.council_id.in_([r["id"] for r in rows])).order_by(m.c.council_id, m.c.position, m.c.id)
        )
        members: dict[str, list[CouncilMemberRecord]] = {}
        for r in found.mappings():
            members.setdefault(r["council_id"], []).append(
                CouncilMemberRecord(
                    id=r["id"],
                    council_id=r["council_id"],
                    position=r["position"],
                    full_name=r["full_name"],
                    title=r["title"],
                    role=r["role"],
                    term_from=r["term_from"],
                    term_to=r["term_to"],
                )
            )
        return [
            StandingCouncilRecord(
                id=r["id"],
                unit_code=r["unit_code"],
                kind=r["kind"],
                name=r["name"],
                decision_number=r["decision_number"],
                decision_date=r["decision_date"],
                decision_signer=r["decision_signer"],
                created_by=r["created_by"],
                created_at=r["created_at"],
                members=tuple(members.get(r["id"], ())),
            )
            for r in rows
        ]

    async def standing_of(self, unit_code: str) -> list[StandingCouncilRecord]:
        c = t.standing_councils
        query = sa.select(c).where(c.c.unit_code == unit_code).order_by(c.c.decision_date.desc(), c.c.created_at.desc())
        return await self._with_members(list((await self.conn.execute(query)).mappings()))

    async def standing(self, council_id: str) -> StandingCouncilRecord | None:
        c = t.standing_councils
        found = await self._with_members(list((await self.conn.execute(sa.select(c).where(c.c.id == council_id))).mappings()))
        return found[0] if found else None


def proposal_from(row: RowMapping) -> Proposal:
    return Proposal(
        id=row["id"],
        unit=UnitRef.model_validate(row["unit"]),
        to_unit=UnitRef.model_validate(row["to_unit"]),
        year=row["year"],
        number=row["number"],
        number_text=row["number_text"],
        issued_on=row["issued_on"],
        forwarded_by_id=row["signer_id"],
        signer_name=row["signer_name"],
        document_id=row["document_id"],
        comment=row["comment"],
        items=tuple(ProposalItem.model_validate(i) for i in row["items"]),
        created_at=row["created_at"],
    )


class SqlProposals(port.Proposals):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def numbered_before(self, unit_code: str, year: int) -> int:
        p = t.proposals
        query = sa.select(sa.func.max(p.c.number)).where(p.c.unit_code == unit_code, p.c.year == year, p.c.document_id.is_(None))
        return int(await self.conn.scalar(query) or 0)

    async def record_signature(self, proposal: Proposal) -> None:
        p = t.proposals
        await self.conn.execute(
            p.update()
            .where(p.c.id == proposal.id)
            .values(
                number=proposal.number,
                number_text=proposal.number_text,
                issued_on=proposal.issued_on,
                signer_name=proposal.signer_name,
                document_id=proposal.document_id,
            )
        )

    async def add(self, proposal: Proposal, tasks: Sequence[ProposalTask]) -> None:
        await self.conn.execute(
            t.proposals.insert().values(
                id=proposal.id,
                unit_code=proposal.unit.code,
                unit=proposal.unit.model_dump(),
                to_unit_code=proposal.to_unit.code,
                to_unit=proposal.to_unit.model_dump(),
                year=proposal.year,
                number=proposal.number,
                number_text=proposal.number_text,
                issued_on=proposal.issued_on,
                signer_id=proposal.forwarded_by_id,
                signer_name=proposal.signer_name,
                document_id=proposal.document_id,
                comment=proposal.comment,
                items=[i.model_dump() for i in proposal.items],
                created_at=proposal.created_at,
            )
        )
        rows = [
            {"proposal_id": pt.proposal_id, "task_id": pt.task_id, "nomination_id": pt.nomination_id, "position": pt.position}
            for pt in tasks
        ]
        await self.conn.execute(t.proposal_tasks.insert(), rows)

    async def get(self, proposal_id: str) -> Proposal | None:
        p = t.proposals
        row = (await self.conn.execute(sa.select(p).where(p.c.id == proposal_id))).mappings().first()
        return proposal_from(row) if row is not None else None

    async def task_ids(self, proposal_id: str) -> list[str]:
        pt = t.proposal_tasks
        query = sa.select(pt.c.task_id).where(pt.c.proposal_id == proposal_id).order_by(pt.c.position)
        return list((await self.conn.scalars(query)).all())

    async def of_unit(self, unit_code: str, limit: int) -> list[Proposal]:
        p = t.proposals
        query = (
            sa.select(p)
            .where(sa.or_(p.c.unit_code == unit_code, p.c.to_unit_code == unit_code))
            .order_by(p.c.created_at.desc(), p.c.id)
            .limit(limit)
        )
        return [proposal_from(row) for row in (await self.conn.execute(query)).mappings()]

    async def of_nomination(self, nomination_id: str) -> list[Proposal]:
        p, pt = t.proposals, t.proposal_tasks
        query = (
            sa.select(p).join(pt, pt.c.proposal_id == p.c.id).where(pt.c.nomination_id == nomination_id).order_by(p.c.created_at)
        )
        return [proposal_from(row) for row in (await self.conn.execute(query)).mappings()]


class SqlReorganisations(port.Reorganisations):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, reorganisation_id: str) -> ReorganisationRecord | None:
        r = t.reorganisations
        row = (await self.conn.execute(sa.select(r).where(r.c.id == reorganisation_id))).mappings().first()
        if row is None:
            return None
        summary = ReorganisationSummary.model_validate(row["summary"])
        return ReorganisationRecord(row["id"], row["effective_on"], row["processed_at"], summary)

    async def add(self, record: ReorganisationRecord) -> None:
        await self.conn.execute(
            t.reorganisations.insert().values(
                id=record.id,
                effective_on=record.effective_on,
                processed_at=record.processed_at,
                summary=record.summary.model_dump(mode="json"),
            )
        )
