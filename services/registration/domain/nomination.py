"""A nomination's status and the rules of intake. Pure: values in, values or named errors out."""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.errors import FieldError, InvalidTransition, ValidationFailed
from shared.contracts.events import CouncilVote, EligibilityCheck, Nominee
from shared.contracts.operations.registration import NominationStatus
from shared.contracts.values import UnitRef
from shared.rules import periods
from shared.rules.catalog import Award, CouncilRule
from shared.rules.council import CouncilResult, judge
from shared.rules.text import normalize_name

Status = NominationStatus  # one definition, the wire's


STATUS_LABELS_VI: dict[Status, str] = {
    Status.SUBMITTED: "Đã nộp",
    Status.IN_REVIEW: "Đang xét duyệt",
    Status.RETURNED: "Trả lại để bổ sung",
    Status.APPROVED: "Đã phê duyệt",
    Status.AWAITING_SIGNATURE: "Chờ ký",
    Status.GRANTED: "Đã khen thưởng",
    Status.PROPOSED: "Đã trình cấp có thẩm quyền",
    Status.NOT_GRANTED: "Cấp có thẩm quyền không khen thưởng",
    Status.REVOKED: "Đã thu hồi quyết định",
    Status.REJECTED: "Không được duyệt",
    Status.WITHDRAWN: "Đã rút hồ sơ",
}

ACTIVE = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.RETURNED, Status.APPROVED, Status.AWAITING_SIGNATURE})
# Still on the way to a decision: a reorganisation re-paths these (an approved one waits only for its decision).
OPEN = frozenset({Status.SUBMITTED, Status.IN_REVIEW, Status.RETURNED})
# Nominations that hold a quota place or an award (a proposed state title waits for the state's decision).
HOLDS_PLACE = frozenset({*ACTIVE, Status.GRANTED, Status.PROPOSED})


class Step(StrEnum):
    """What can happen to a nomination; each step is a line on its timeline."""

    SUBMIT = "submitted"
    QUEUE = "queued"
    CLAIM = "claimed"
    RELEASE = "released"
    FORWARD = "forwarded"
    TAKE_UP = "taken_up"  # overdue at a level, received directly by its superior, where the route passes through it
    RETURN = "returned"
    EDIT = "edited"
    RESUBMIT = "resubmitted"
    REJECT = "rejected"
    APPROVE = "approved"
    DRAFT = "drafted"  # its decision or tờ trình was drafted and waits for the signing officer
    GRANT = "granted"
    PROPOSE = "proposed"  # a state title's tờ trình went to the deciding authority
    STATE_GRANT = "state_granted"  # the deciding authority granted the title (its decision recorded by the sender)
    STATE_DECLINE = "state_declined"  # the deciding authority did not grant it
    REVOKE = "revoked"  # the decision was revoked
    WITHDRAW = "withdrawn"
    ESCALATE = "escalated"  # overdue: a superior alerted (before issue 17: moved up to the parent unit's queue)
    SEND_BACK = "sent_back"  # a superior alerted to the overdue task set a new due date
    REORGANISE = "reorganised"  # the CĐCS (or a superior) moved to a new parent: the nomination's path changed
    REHOME = "rehomed"  # its open task followed to the new superior's queue
    COUNCIL = "council_voted"  # a review level's Hội đồng TĐKT voted on it (no status change)
    LETTER_SIGNED = "letter_signed"  # the tờ trình that forwarded it was signed and numbered (no status change)


STEP_LABELS_VI: dict[Step, str] = {
    Step.SUBMIT: "Nộp hồ sơ",
    Step.QUEUE: "Chuyển vào hộp việc",
    Step.CLAIM: "Nhận xử lý",
    Step.RELEASE: "Trả lại hộp việc",
    Step.FORWARD: "Đồng ý, chuyển cấp trên",
    Step.TAKE_UP: "Cấp trên nhận trực tiếp do quá hạn",
    Step.RETURN: "Trả lại để bổ sung",
    Step.EDIT: "Sửa hồ sơ",
    Step.RESUBMIT: "Nộp lại hồ sơ",
    Step.REJECT: "Không duyệt",
    Step.APPROVE: "Phê duyệt",
    Step.DRAFT: "Dự thảo văn bản, chờ ký",
    Step.GRANT: "Ban hành quyết định khen thưởng",
    Step.PROPOSE: "Trình cấp có thẩm quyền quyết định",
    Step.STATE_GRANT: "Cấp có thẩm quyền quyết định khen thưởng",
    Step.STATE_DECLINE: "Cấp có thẩm quyền không khen thưởng",
    Step.REVOKE: "Thu hồi quyết định khen thưởng",
    Step.WITHDRAW: "Rút hồ sơ",
    Step.ESCALATE: "Quá hạn – đã báo cấp trên",
    Step.SEND_BACK: "Cấp trên đặt hạn mới",
    Step.REORGANISE: "Chuyển đơn vị cấp trên (sắp xếp tổ chức)",
    Step.REHOME: "Chuyển hộp việc sang đơn vị mới (sắp xếp tổ chức)",
    Step.COUNCIL: "Hội đồng TĐKT biểu quyết",
    Step.LETTER_SIGNED: "Ký tờ trình chuyển cấp trên",
}

# A decision may reach a nomination before the events that led to it (they travel on other streams).
_BEFORE_DECISION = (Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED, Status.AWAITING_SIGNATURE)

# Status after a step, for each status the step may start from. A step from any other status
# is refused (commands) or recorded without a status change (late or out-of-order events).
TRANSITIONS: dict[Step, dict[Status, Status]] = {
    Step.QUEUE: {Status.SUBMITTED: Status.IN_REVIEW, Status.IN_REVIEW: Status.IN_REVIEW},
    Step.ESCALATE: {Status.IN_REVIEW: Status.IN_REVIEW},
    Step.SEND_BACK: {Status.IN_REVIEW: Status.IN_REVIEW},
    Step.REHOME: {Status.IN_REVIEW: Status.IN_REVIEW},
    Step.RETURN: {Status.SUBMITTED: Status.RETURNED, Status.IN_REVIEW: Status.RETURNED},
    Step.EDIT: {Status.RETURNED: Status.RETURNED},
    Step.RESUBMIT: {Status.RETURNED: Status.SUBMITTED},
    Step.REJECT: {Status.SUBMITTED: Status.REJECTED, Status.IN_REVIEW: Status.REJECTED},
    Step.APPROVE: {Status.SUBMITTED: Status.APPROVED, Status.IN_REVIEW: Status.APPROVED},
    Step.DRAFT: {s: Status.AWAITING_SIGNATURE for s in (Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED)},
    Step.GRANT: {s: Status.GRANTED for s in (*_BEFORE_DECISION, Status.WITHDRAWN)},
    Step.PROPOSE: {s: Status.PROPOSED for s in (*_BEFORE_DECISION, Status.WITHDRAWN)},
    Step.STATE_GRANT: {Status.PROPOSED: Status.GRANTED},
    Step.STATE_DECLINE: {Status.PROPOSED: Status.NOT_GRANTED},
    Step.REVOKE: {Status.GRANTED: Status.REVOKED},
    Step.WITHDRAW: {Status.SUBMITTED: Status.WITHDRAWN, Status.IN_REVIEW: Status.WITHDRAWN, Status.RETURNED: Status.WITHDRAWN},
}


def next_status(current: Status, step: Step) -> Status | None:
    """The status a step leads to, or None when the step does not change the status from here."""
    return TRANSITIONS.get(step, {}).get(current)


def require_transition(current: Status, step: Step) -> Status:
    new = next_status(current, step)
    if new is None:
        raise InvalidTransition(
            f"Không thể {STEP_LABELS_VI[step].lower()} khi hồ sơ ở trạng thái “{STATUS_LABELS_VI[current]}”",
        )
    return new


def validate_intake(
    *,
    unit: UnitRef | None,
    unit_path: list[UnitRef],
    award: Award | None,
    nominee: Nominee,
    period: str,
    achievements: str,
    council_vote: CouncilVote | None,
    current_year: int,
    council_rule: CouncilRule | None = None,
) -> str:
    """Every field-level rule of a submission; all failures at once, each naming its field.

    The period is checked against the award's period kind (a year, a school year, a term); the canonical text
    of a valid one ("2024 – 2025" → "2024-2025") is returned for the caller to store. A grassroots council vote is
    judged by `council_rule` (the Rulebook's rule for the CĐCS's council), by default the award's own."""
    errors: list[FieldError] = []
    if unit is None:
        errors.append(FieldError(field="unit_code", message="Không có đơn vị này"))
    elif unit.level != "grassroots":
        errors.append(FieldError(field="unit_code", message="Chỉ công đoàn cơ sở được nộp hồ sơ đề nghị khen thưởng"))
    errors += _award_errors(award, nominee, unit, unit_path)
    try:
        parsed = periods.parse(period, award.period_kind if award is not None else "calendar_year")
        periods.check_recent(parsed, current_year)
        period = parsed.text
    except periods.PeriodError as e:
        errors.append(FieldError(field="period", message=e.message))
    if len(achievements.strip()) < 20:
        errors.append(FieldError(field="achievements", message="Tóm tắt thành tích cần ít nhất 20 ký tự"))
    if nominee.kind == "individual" and nominee.member_count is not None:
        errors.append(FieldError(field="nominee.member_count", message="Chỉ tập thể mới có số thành viên"))
    if council_vote is not None:
        shape = _council_vote_errors(council_vote)
        errors.extend(shape or _council_verdict(award, council_vote, council_rule))
    if errors:
        raise ValidationFailed("Hồ sơ chưa hợp lệ", fields=errors)
    return period


def _award_errors(award: Award | None, nominee: Nominee, unit: UnitRef | None, unit_path: list[UnitRef]) -> list[FieldError]:
    """What is wrong with the award asked for: unknown, not for this kind of nominee, decided at the grassroots, or
    outside the unit's line of authority."""
    if award is None:
        return [FieldError(field="award_code", message="Không có hình thức khen thưởng này trong danh mục hiện hành")]
    errors: list[FieldError] = []
    if nominee.kind not in award.nominee_kinds:
        kinds = ", ".join(NOMINEE_KIND_VI[k] for k in award.nominee_kinds)
        errors.append(FieldError(field="nominee.kind", message=f"“{award.name}” chỉ xét cho: {kinds}"))
    if not award.submittable:
        errors.append(
            FieldError(
                field="award_code",
                message=f"“{award.name}” do {award.decided_by or 'công đoàn cơ sở'} xét tại cơ sở, không gửi lên cấp trên",
            )
        )
    elif unit is not None and not any(u.level == award.awarding_level for u in unit_path):
        errors.append(FieldError(field="award_code", message="Đơn vị không thuộc cấp có thẩm quyền khen thưởng hình thức này"))
    return errors


def grassroots_council_result(award: Award | None, vote: CouncilVote, rule: CouncilRule | None = None) -> CouncilResult | None:
    """The CĐCS council's vote judged by `rule` (default: the award's); None when the grassroots need not vote."""
    required = award.council if award is not None else None
    if required is None or not required.vote_required or (required.levels is not None and "grassroots" not in required.levels):
        return None
    return judge(rule or required, vote)


def council_warning(award: Award | None, vote: CouncilVote | None, rule: CouncilRule | None) -> EligibilityCheck | None:
    """A CĐCS vote that missed an unconfirmed threshold: it does not block, it travels as a warning to the approvers."""
    result = grassroots_council_result(award, vote, rule) if vote is not None else None
    judged_by = rule or (award.council if award is not None else None)
    if result is None or not result.warnings or judged_by is None:
        return None
    missed = "; ".join(c.message for c in result.warnings)
    return EligibilityCheck(
        rule="council_vote",
        status="warning",
        message=f"Hội đồng cơ sở chưa đạt ngưỡng chưa xác nhận ({missed}): chỉ cảnh báo, không chặn",
        source=f"{judged_by.source} (chưa xác nhận)",
        field="council_vote",
    )


def _council_verdict(award: Award | None, vote: CouncilVote, rule: CouncilRule | None = None) -> list[FieldError]:
    """A grassroots council vote that does not pass its (confirmed) rule stops the dossier here: it cannot go up."""
    result = grassroots_council_result(award, vote, rule)
    if result is None or result.passed:
        return []
    failed = "; ".join(c.message for c in result.checks if not c.passed)
    return [FieldError(field="council_vote", message=f"Hội đồng Thi đua – Khen thưởng chưa thông qua: {failed}")]


def _council_vote_errors(vote: CouncilVote) -> list[FieldError]:
    errors = []
    if vote.present > vote.members:
        errors.append(FieldError(field="council_vote.present", message="Số có mặt không thể lớn hơn số thành viên"))
    if vote.votes_for + vote.votes_against > vote.present:
        errors.append(FieldError(field="council_vote.votes_for", message="Tổng phiếu đồng ý và không đồng ý vượt số có mặt"))
    return errors


NOMINEE_KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}


def active_key(unit_code: str, nominee: Nominee, award_code: str, period: str) -> str:
    """Identity of a nomination that must be unique while it is active: a person of the register by their id (two
    namesakes are two people; a person transferred is still one), anyone else by unit, kind and name."""
    if nominee.person_id:
        return "|".join(("person", nominee.person_id, award_code, period))
    return "|".join((unit_code, nominee.kind, normalize_name(nominee.name), award_code, period))
