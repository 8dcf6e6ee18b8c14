"""Council meetings at review levels: recording a meeting's votes, the latest vote per task, the gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast
from uuid import uuid4

from services.review.domain.council import (
    RecordedVote,
    applied_for,
    gate_problem,
    meeting_errors,
    require_council,
    rule_for,
    summary_vi,
    vote_required_at,
)
from services.review.domain.task import ReviewTask, require_approver
from services.review.store.port import UnitOfWork
from services.review.store.records import (
    CouncilMeetingRecord,
    CouncilVoteEntry,
    CouncilVoteRecord,
    StandingCouncilRecord,
)
from services.review.usecases import loading
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import CouncilMeeting
from shared.contracts.errors import Conflict, FieldError, ValidationFailed
from shared.contracts.events import Actor, CouncilVote, CouncilVoteRecorded, NominationSnapshot
from shared.contracts.operations.review import (
    CouncilBlock,
    CouncilCheck,
    CouncilMeetingRecorded,
    CouncilView,
    CouncilVoteResult,
    CouncilVoteSummary,
)
from shared.contracts.values import CouncilKind, UnitRef
from shared.rules.council import judge
from shared.rules.rulebook import Rulebook


async def record_meeting(review: ReviewContext, actor: Actor, cmd: CouncilMeeting) -> CouncilMeetingRecorded:
    """One meeting of the council of the unit whose queue holds the tasks, with its vote on each of them.

    Only that unit's approvers may record it; every task must be active and held by the same unit. A new
    meeting on a task that already has a vote is a re-vote: the latest counts, the earlier ones stay.

    With `council_id` (the unit's standing council) the counts come from its roster on the meeting day: members
    serving, and the `present_member_ids` ticked; without one, the typed counts stand, with a warning."""
    now = review.clock.now()
    results: list[CouncilVoteResult] = []
    async with review.unit_of_work() as uow:
        roster = await _roster(uow, cmd)
        errors = list(roster.errors)
        if roster.council is None and (cmd.members is None or cmd.present is None):
            errors += [
                FieldError(field=f, message="Nhập số thành viên và số có mặt, hoặc chọn Hội đồng của đơn vị")
                for f in ("members", "present")
                if getattr(cmd, f) is None
            ]
        else:
            errors += meeting_errors(roster.members, roster.present, [(v.votes_for, v.votes_against) for v in cmd.votes])
        task_ids = [v.task_id for v in cmd.votes]
        if len(set(task_ids)) != len(task_ids):
            errors.append(FieldError(field="votes", message="Mỗi hồ sơ chỉ biểu quyết một lần trong một cuộc họp"))
        if errors:
            raise ValidationFailed("Số liệu cuộc họp Hội đồng TĐKT không hợp lệ", fields=errors, code="council_counts_invalid")
        records = await loading.lock_tasks(uow, task_ids)
        holders = {r.task.holder.code for r in records.values()}
        if len(holders) > 1:
            raise ValidationFailed.on(
                "votes", "Các hồ sơ thuộc hộp việc của nhiều đơn vị; mỗi cuộc họp là của một Hội đồng", code="council_mixed_units"
            )
        if roster.council is not None and roster.council.unit_code not in holders:
            raise ValidationFailed.on(
                "council_id", "Hội đồng đã chọn không phải của đơn vị đang giữ các hồ sơ", code="council_other_unit"
            )
        meeting_id = str(uuid4())
        unit: UnitRef | None = None
        events: list[CouncilVoteRecorded] = []
        for i, item in enumerate(cmd.votes):
            record = records[item.task_id]
            task = record.task
            require_approver(actor, task.holder)
            if not task.is_active:
                raise Conflict(f"Hồ sơ “{record.nominee_name}” không còn chờ xét ở cấp này", code="task_not_active")
            nom = await loading.nomination_of(uow, task)
            kind = cast(CouncilKind, roster.council.kind) if roster.council is not None else None
            applied = applied_for(nom, review.rules, task.holder.level, cmd.held_on, kind)
            if applied is None:
                raise ValidationFailed.on(
                    f"votes.{i}.task_id",
                    f"Danh mục {nom.catalog_version} không có quy định Hội đồng TĐKT cho {nom.award_name}",
                    code="council_rule_missing",
                )
            vote = CouncilVote(
                members=roster.members,
                present=roster.present,
                votes_for=item.votes_for,
                votes_against=item.votes_against,
                secret_ballot=cmd.secret_ballot,
            )
            rule = applied.rule
            result = judge(rule, vote)
            explanation = f"{result.explanation}. {applied.label}"
            required = vote_required_at(rule, task.unit.level)
            if unit is None:
                unit = task.holder
                await uow.councils.add_meeting(
                    CouncilMeetingRecord(
                        id=meeting_id,
                        unit=unit,
                        held_on=cmd.held_on,
                        members=roster.members,
                        present=roster.present,
                        secret_ballot=cmd.secret_ballot,
                        chair=cmd.chair or roster.chair,
                        note=cmd.note or None,
                        recorded_by=actor.user_id,
                        recorded_by_name=actor.full_name or actor.username,
                        recorded_at=now,
                        council_id=roster.council.id if roster.council is not None else None,
                        present_member_ids=roster.present_ids,
                    )
                )
            await uow.councils.add_vote(
                CouncilVoteRecord(
                    meeting_id=meeting_id,
                    task_id=task.id,
                    nomination_id=task.nomination_id,
                    votes_for=item.votes_for,
                    votes_against=item.votes_against,
                    passed=result.passed,
                    required=required,
                    explanation=explanation,
                    checks=result.checks,
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
                    explanation=explanation,
                )
            )
            results.append(
                CouncilVoteResult(
                    task_id=task.id,
                    nominee_name=record.nominee_name,
                    passed=result.passed,
                    required=required,
                    summary=summary_vi(vote, result.passed),
                    explanation=explanation,
                    checks=[CouncilCheck.model_validate(c.model_dump()) for c in result.checks],
                    rule=applied.label,
                    rule_confirmed=rule.confirmed,
                    rule_source=rule.source,
                )
            )
        await uow.publish(*events)
        await uow.commit()
    return CouncilMeetingRecorded(
        meeting_id=meeting_id,
        unit_code=unit.code if unit else None,
        held_on=cmd.held_on,
        votes=results,
        council_id=roster.council.id if roster.council is not None else None,
        members=roster.members,
        present=roster.present,
        warnings=list(roster.warnings),
    )


NO_ROSTER = "Đơn vị chưa chọn Hội đồng có danh sách thành viên: số thành viên và số có mặt là số do người ghi nhập"


@dataclass(frozen=True)
class _Roster:
    """The counts a meeting is judged by: from the standing council's roster, or as typed."""

    council: StandingCouncilRecord | None
    members: int
    present: int
    present_ids: tuple[str, ...] | None = None
    chair: str | None = None
    errors: tuple[FieldError, ...] = ()
    warnings: tuple[str, ...] = ()


async def _roster(uow: UnitOfWork, cmd: CouncilMeeting) -> _Roster:
    if cmd.council_id is None:
        return _Roster(None, cmd.members or 0, cmd.present or 0, warnings=(NO_ROSTER,))
    council = await uow.councils.standing(cmd.council_id)
    if council is None:
        return _Roster(None, 0, 0, errors=(FieldError(field="council_id", message="Không có Hội đồng này"),))
    serving = {m.id: m for m in council.serving(cmd.held_on)}
    ticked = list(dict.fromkeys(cmd.present_member_ids or ()))
    errors = tuple(
        FieldError(field=f"present_member_ids.{i}", message="Người này không thuộc Hội đồng vào ngày họp")
        for i, member_id in enumerate(ticked)
        if member_id not in serving
    )
    if not serving:
        errors += (FieldError(field="council_id", message=f"Ngày {cmd.held_on:%d/%m/%Y} Hội đồng chưa có thành viên nào"),)
    present = [serving[m] for m in ticked if m in serving]
    chair = next((m.full_name for role in ("chair", "vice_chair") for m in present if m.role == role), None)
    return _Roster(council, len(serving), len(present), tuple(m.id for m in present), chair, errors)


async def latest_votes(uow: UnitOfWork, task_ids: Sequence[str]) -> dict[str, RecordedVote]:
    """The vote that counts on each task: the latest recorded."""
    return {task_id: entry.recorded() for task_id, entry in (await uow.councils.latest(task_ids)).items()}


async def gate(uow: UnitOfWork, task: ReviewTask, nom: NominationSnapshot, rules: Rulebook) -> None:
    """Refuse forward/approve when the council of the task's own level must vote and has not passed it."""
    require_council(rule_for(nom, rules), task.unit.level, (await latest_votes(uow, [task.id])).get(task.id))


async def gate_problems(
    uow: UnitOfWork, tasks: list[tuple[ReviewTask, NominationSnapshot]], rules: Rulebook
) -> list[tuple[ReviewTask, NominationSnapshot, str, str]]:
    """Every task of a batch whose council has not passed it: (task, nomination, code, message)."""
    votes = await latest_votes(uow, [t.id for t, _ in tasks])
    problems = []
    for task, nom in tasks:
        found = gate_problem(rule_for(nom, rules), task.unit.level, votes.get(task.id))
        if found is not None:
            problems.append((task, nom, *found))
    return problems


async def council_view(
    uow: UnitOfWork, task: ReviewTask, nom: NominationSnapshot | None, rules: Rulebook, on: date
) -> CouncilView:
    """What the task page shows: whether this level must vote, the rule in force on `on` for the council of the unit
    holding the task (its newest standing council's kind, else the level's usual council), the latest vote and the
    history."""
    rule = rule_for(nom, rules) if nom is not None else None
    standing = await uow.councils.standing_of(task.holder.code)  # the newest standing council's kind, if any
    kind = cast(CouncilKind, standing[0].kind) if standing else None
    applied = applied_for(nom, rules, task.holder.level, on, kind) if nom is not None else None
    history = [_vote_summary(entry, task) for entry in await uow.councils.of_nomination(task.nomination_id)]
    latest = next((h for h in history if h.this_task), None)
    problem = gate_problem(rule, task.unit.level, (await latest_votes(uow, [task.id])).get(task.id))
    return CouncilView(
        required=vote_required_at(rule, task.unit.level),
        rule=applied.label if applied else None,
        rule_confirmed=applied.rule.confirmed if applied else None,
        rule_source=applied.rule.source if applied else None,
        latest=latest,
        history=history,
        blocking=CouncilBlock(code=problem[0], message=problem[1]) if problem else None,
    )


def _vote_summary(entry: CouncilVoteEntry, task: ReviewTask) -> CouncilVoteSummary:
    vote, meeting = entry.vote, entry.meeting
    return CouncilVoteSummary(
        task_id=vote.task_id,
        meeting_id=vote.meeting_id,
        unit_name=meeting.unit.name,
        held_on=meeting.held_on,
        held_on_vn=f"{meeting.held_on:%d/%m/%Y}",
        chair=meeting.chair,
        recorded_by_name=meeting.recorded_by_name,
        members=meeting.members,
        present=meeting.present,
        votes_for=vote.votes_for,
        votes_against=vote.votes_against,
        secret_ballot=meeting.secret_ballot,
        passed=vote.passed,
        warning=any(c.warning for c in vote.checks),
        summary=summary_vi(entry.recorded().vote, vote.passed),
        explanation=vote.explanation,
        this_task=vote.task_id == task.id,
    )
