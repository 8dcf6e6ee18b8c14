"""The Hội đồng Thi đua – Khen thưởng at review levels: which level must vote, and the gate on forward/approve.

Pure rules. The rule is the award's `CouncilRule` in the catalogue version that judged the nomination
(`catalog_version` in its snapshot), so a later catalogue does not change what a dossier already in review needs.

Escalated tasks: whether a vote is needed is decided by the task's *own* level (`task.unit.level`), not by the
level of the unit that took it over. The parent that takes an overdue task over acts for the lower level, so
the lower level's council vote is still required; it may have been recorded before the task escalated, or the
parent's approvers record it (the meeting then names the unit that held it). Votes belong to a task: a
dossier returned and resubmitted opens a new task and needs a new vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.events import CouncilVote, NominationSnapshot
from shared.contracts.values import CouncilKind, Level
from shared.rules.catalog import CouncilRule
from shared.rules.council import AppliedRule
from shared.rules.rulebook import Rulebook


def rule_for(nomination: NominationSnapshot, rules: Rulebook) -> CouncilRule | None:
    """The council rule of the award version that judged the nomination; None when that version or award is unknown."""
    try:
        catalog = rules.catalog_version(nomination.catalog_version)
    except LookupError:
        return None
    award = catalog.get(nomination.award_code)
    return award.council if award is not None else None


def applied_for(
    nomination: NominationSnapshot, rules: Rulebook, level: Level, on: date, kind: CouncilKind | None = None
) -> AppliedRule | None:
    """The rule the council of `level` judges the nomination by on `on`: the award's own rule in the catalogue version
    that judged it, else the dated rule of that level's council (shared/data/councils.toml); None when unknown."""
    try:
        catalog = rules.catalog_version(nomination.catalog_version)
    except LookupError:
        return None
    return rules.council_rule(catalog.get(nomination.award_code), level, on, kind)


def vote_required_at(rule: CouncilRule | None, level: Level) -> bool:
    """Whether the council of `level` must vote before the dossier leaves it (forward) or is approved there."""
    if rule is None or not rule.vote_required:
        return False
    return rule.levels is None or level in rule.levels


@dataclass(frozen=True)
class RecordedVote:
    """The latest vote recorded on one task, as review stores it."""

    unit_name: str
    held_on: date
    vote: CouncilVote
    passed: bool
    explanation: str
    warning: bool = False  # passed, though missing a threshold that is unconfirmed


def summary_vi(vote: CouncilVote, passed: bool) -> str:
    """'Đạt (7/9 đồng ý, 1 không đồng ý; có mặt 9/11, bỏ phiếu kín)'."""
    ballot = "bỏ phiếu kín" if vote.secret_ballot else "biểu quyết công khai"
    return (
        f"{'Đạt' if passed else 'Không đạt'} ({vote.votes_for}/{vote.present} đồng ý, {vote.votes_against} không đồng ý; "
        f"có mặt {vote.present}/{vote.members}, {ballot})"
    )


def gate_problem(rule: CouncilRule | None, level: Level, latest: RecordedVote | None) -> tuple[str, str] | None:
    """Why the dossier cannot leave this level yet: (code, Vietnamese message), or None when it may."""
    if not vote_required_at(rule, level):
        return None
    if latest is None:
        return (
            "council_vote_missing",
            "Hội đồng Thi đua – Khen thưởng cấp này chưa biểu quyết; cần ghi nhận cuộc họp trước khi chuyển hoặc phê duyệt",
        )
    if not latest.passed:
        return (
            "council_vote_failed",
            f"Hội đồng TĐKT {latest.unit_name} ngày {latest.held_on:%d/%m/%Y} không thông qua: {latest.explanation}",
        )
    return None


def require_council(rule: CouncilRule | None, level: Level, latest: RecordedVote | None) -> None:
    """Refuse (422 on field `council`) a forward or approval the council of this level has not passed."""
    problem = gate_problem(rule, level, latest)
    if problem is not None:
        code, message = problem
        raise ValidationFailed.on("council", message, code=code)


def meeting_errors(members: int, present: int, votes: list[tuple[int, int]], *, prefix: str = "votes") -> list[FieldError]:
    """Counts that cannot be: more present than members, more ballots than people present."""
    errors: list[FieldError] = []
    if present > members:
        errors.append(FieldError(field="present", message=f"Số có mặt ({present}) không thể lớn hơn số thành viên ({members})"))
    for i, (votes_for, votes_against) in enumerate(votes):
        if votes_for + votes_against > present:
            errors.append(
                FieldError(
                    field=f"{prefix}.{i}.votes_for",
                    message=f"Đồng ý ({votes_for}) và không đồng ý ({votes_against}) vượt số có mặt ({present})",
                )
            )
    return errors
