"""Council meetings at review levels: recording a meeting's votes, the latest vote per task, the gate."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review import store
from services.review.domain.council import (
    RecordedVote,
    gate_problem,
    meeting_errors,
    require_council,
    rule_for,
    summary_vi,
    vote_required_at,
)
from services.review.domain.task import ReviewTask, require_approver
from shared.contracts.commands import CouncilMeeting
from shared.contracts.errors import Conflict, FieldError, NotFound, ValidationFailed
from shared.contracts.events import Actor, CouncilVote, CouncilVoteRecorded, NominationSnapshot
from shared.contracts.values import UnitRef
from shared.platform.outbox import enqueue
from shared.platform.service import ServiceContext
from shared.rules.council import judge


async def record_meeting(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """One meeting of the council of the unit whose queue holds the tasks, with its vote on each of them.

    Only that unit's approvers may record it; every task must be active and held by the same unit. A new
    meeting on a task that already has a vote is a re-vote: the latest counts, the earlier ones stay."""
    cmd = CouncilMeeting.model_validate(params)
    errors = meeting_errors(cmd.members, cmd.present, [(v.votes_for, v.votes_against) for v in cmd.votes])
    task_ids = [v.task_id for v in cmd.votes]
    if len(set(task_ids)) != len(task_ids):
        errors.append(FieldError(field="votes", message="Mỗi hồ sơ chỉ biểu quyết một lần trong một cuộc họp"))
    if errors:
        raise ValidationFailed("Số liệu cuộc họp Hội đồng TĐKT không hợp lệ", fields=errors, code="council_counts_invalid")
    now = ctx.clock.now()
    results: list[dict[str, Any]] = []
    async with ctx.engine.begin() as conn:
        rows = await tasks_for_update(conn, task_ids)
        holders = {store.task_from_row(r).holder.code for r in rows.values()}
        if len(holders) > 1:
            raise ValidationFailed.on(
                "votes", "Các hồ sơ thuộc hộp việc của nhiều đơn vị; mỗi cuộc họp là của một Hội đồng", code="council_mixed_units"
            )
        meeting_id = str(uuid4())
        unit: UnitRef | None = None
        events: list[CouncilVoteRecorded] = []
        for i, item in enumerate(cmd.votes):
            task = store.task_from_row(rows[item.task_id])
            require_approver(actor, task.holder)
            if not task.is_active:
                name = rows[item.task_id]["nominee_name"]
                raise Conflict(f"Hồ sơ “{name}” không còn chờ xét ở cấp này", code="task_not_active")
            nom = await _snapshot_of(conn, task.nomination_id)
            rule = rule_for(nom)
            if rule is None:
                raise ValidationFailed.on(
                    f"votes.{i}.task_id",
                    f"Danh mục {nom.catalog_version} không có quy định Hội đồng TĐKT cho {nom.award_name}",
                    code="council_rule_missing",
                )
            vote = CouncilVote(
                members=cmd.members,
                present=cmd.present,
                votes_for=item.votes_for,
                votes_against=item.votes_against,
                secret_ballot=cmd.secret_ballot,
            )
            result = judge(rule, vote)
            required = vote_required_at(rule, task.unit.level)
            if unit is None:
                unit = task.holder
                await conn.execute(
                    store.council_meetings.insert().values(
                        id=meeting_id,
                        unit_code=unit.code,
                        unit=unit.model_dump(),
                        held_on=cmd.held_on,
                        members=cmd.members,
                        present=cmd.present,
                        secret_ballot=cmd.secret_ballot,
                        chair=cmd.chair or None,
                        note=cmd.note or None,
                        recorded_by=actor.user_id,
                        recorded_by_name=actor.full_name or actor.username,
                        recorded_at=now,
                    )
                )
            await conn.execute(
                store.council_votes.insert().values(
                    meeting_id=meeting_id,
                    task_id=task.id,
                    nomination_id=task.nomination_id,
                    votes_for=item.votes_for,
                    votes_against=item.votes_against,
                    passed=result.passed,
                    required=required,
                    explanation=result.explanation,
                    checks=[c.model_dump() for c in result.checks],
                    recorded_at=now,
                )
            )
            events.append(
                CouncilVoteRecorded(
                    occurred_at=now,
                    correlation_id=task.nomination_id,
                    actor=actor,
                    nomination_id=task.nomination_id,
                    task_id=task.id,
                    meeting_id=meeting_id,
                    unit=task.holder,
                    level_unit=task.unit,
                    held_on=cmd.held_on,
                    vote=vote,
                    passed=result.passed,
                    required=required,
                    explanation=result.explanation,
                )
            )
            results.append(
                {
                    "task_id": task.id,
                    "nominee_name": rows[item.task_id]["nominee_name"],
                    "passed": result.passed,
                    "required": required,
                    "summary": summary_vi(vote, result.passed),
                    "explanation": result.explanation,
                    "checks": [c.model_dump() for c in result.checks],
                }
            )
        await enqueue(conn, store.outbox, *events)
    ctx.outbox_written()
    return {
        "meeting_id": meeting_id,
        "unit_code": unit.code if unit else None,
        "held_on": cmd.held_on.isoformat(),
        "votes": results,
    }


async def tasks_for_update(conn: AsyncConnection, task_ids: list[str]) -> dict[str, Any]:
    """The tasks, locked in id order (the same order everywhere, so concurrent batches cannot deadlock)."""
    t = store.tasks
    rows = (await conn.execute(sa.select(t).where(t.c.id.in_(task_ids)).order_by(t.c.id).with_for_update())).mappings().all()
    found = {r["id"]: r for r in rows}
    missing = [i for i in task_ids if i not in found]
    if missing:
        raise NotFound(f"Không tìm thấy nhiệm vụ {', '.join(missing)}", code="task_not_found")
    return found


async def _snapshot_of(conn: AsyncConnection, nomination_id: str) -> NominationSnapshot:
    n = store.nominations
    snapshot = await conn.scalar(sa.select(n.c.snapshot).where(n.c.id == nomination_id))
    if snapshot is None:
        raise NotFound("Không tìm thấy hồ sơ của nhiệm vụ này", code="nomination_not_found")
    return NominationSnapshot.model_validate(snapshot)


async def latest_vote(conn: AsyncConnection, task_id: str) -> RecordedVote | None:
    """The vote that counts on a task: the latest recorded."""
    votes = await latest_votes(conn, [task_id])
    return votes.get(task_id)


async def latest_votes(conn: AsyncConnection, task_ids: list[str]) -> dict[str, RecordedVote]:
    if not task_ids:
        return {}
    v, m = store.council_votes, store.council_meetings
    latest = (
        sa.select(v.c.task_id, sa.func.max(v.c.id).label("id")).where(v.c.task_id.in_(task_ids)).group_by(v.c.task_id).subquery()
    )
    rows = (
        await conn.execute(
            sa.select(v, m.c.unit, m.c.held_on, m.c.members, m.c.present, m.c.secret_ballot)
            .join(latest, v.c.id == latest.c.id)
            .join(m, m.c.id == v.c.meeting_id)
        )
    ).mappings()
    return {r["task_id"]: _recorded(r) for r in rows}


def _recorded(r: Any) -> RecordedVote:
    return RecordedVote(
        unit_name=r["unit"]["name"],
        held_on=r["held_on"],
        vote=CouncilVote(
            members=r["members"],
            present=r["present"],
            votes_for=r["votes_for"],
            votes_against=r["votes_against"],
            secret_ballot=r["secret_ballot"],
        ),
        passed=r["passed"],
        explanation=r["explanation"],
    )


async def gate(conn: AsyncConnection, task: ReviewTask, nom: NominationSnapshot) -> None:
    """Refuse forward/approve when the council of the task's own level must vote and has not passed it."""
    require_council(rule_for(nom), task.unit.level, await latest_vote(conn, task.id))


async def gate_problems(
    conn: AsyncConnection, tasks: list[tuple[ReviewTask, NominationSnapshot]]
) -> list[tuple[ReviewTask, NominationSnapshot, str, str]]:
    """Every task of a batch whose council has not passed it: (task, nomination, code, message)."""
    votes = await latest_votes(conn, [t.id for t, _ in tasks])
    problems = []
    for task, nom in tasks:
        found = gate_problem(rule_for(nom), task.unit.level, votes.get(task.id))
        if found is not None:
            problems.append((task, nom, *found))
    return problems


async def council_view(conn: AsyncConnection, task: ReviewTask, nom: NominationSnapshot | None) -> dict[str, Any]:
    """What the task page shows: whether this level must vote, the rule, the latest vote and the history."""
    rule = rule_for(nom) if nom is not None else None
    v, m = store.council_votes, store.council_meetings
    rows = (
        (
            await conn.execute(
                sa.select(v, m.c.unit, m.c.held_on, m.c.members, m.c.present, m.c.secret_ballot, m.c.chair, m.c.recorded_by_name)
                .join(m, m.c.id == v.c.meeting_id)
                .where(v.c.nomination_id == task.nomination_id)
                .order_by(v.c.id.desc())
            )
        )
        .mappings()
        .all()
    )
    history = [
        {
            "task_id": r["task_id"],
            "meeting_id": r["meeting_id"],
            "unit_name": r["unit"]["name"],
            "held_on": r["held_on"].isoformat(),
            "held_on_vn": f"{r['held_on']:%d/%m/%Y}",
            "chair": r["chair"],
            "recorded_by_name": r["recorded_by_name"],
            "members": r["members"],
            "present": r["present"],
            "votes_for": r["votes_for"],
            "votes_against": r["votes_against"],
            "secret_ballot": r["secret_ballot"],
            "passed": r["passed"],
            "summary": summary_vi(_recorded(r).vote, r["passed"]),
            "explanation": r["explanation"],
            "this_task": r["task_id"] == task.id,
        }
        for r in rows
    ]
    latest = next((h for h in history if h["this_task"]), None)
    problem = gate_problem(rule, task.unit.level, await latest_vote(conn, task.id))
    return {
        "required": vote_required_at(rule, task.unit.level),
        "rule": rule.describe() if rule else None,
        "rule_confirmed": rule.confirmed if rule else None,
        "rule_source": rule.source if rule else None,
        "latest": latest,
        "history": history,
        "blocking": {"code": problem[0], "message": problem[1]} if problem else None,
    }
