"""What each review and awards event writes on a nomination's timeline: its step, the unit it happened at, and the
line of Vietnamese that says it. Pure: events in, values out."""

from __future__ import annotations

from datetime import date, datetime

from services.registration.domain.nomination import Step
from shared.contracts.events import (
    AwardGranted,
    AwardProposed,
    CouncilVote,
    CouncilVoteRecorded,
    DecisionDrafted,
    Event,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationReturned,
    StateOutcomeRecorded,
    TaskClaimed,
    TaskEscalated,
    TaskOpened,
    TaskReleased,
    TaskReorganised,
    TaskSentBack,
)
from shared.contracts.values import VIETNAM_TZ, UnitRef


def timeline_step(event: Event) -> tuple[Step, str, UnitRef, str | None]:  # noqa: PLR0912 - one case per event
    """The step a review or awards event is on the nomination's timeline: (step, nomination id, unit, comment)."""
    match event:
        case TaskOpened(task=t):
            due = f"Hạn xử lý {date_vn(t.due_at)}" if t.due_at else None
            return Step.QUEUE, t.nomination_id, t.unit, due
        case TaskClaimed(task=t):
            return Step.CLAIM, t.nomination_id, t.queue_unit or t.unit, None
        case TaskReleased(task=t, comment=c):
            return Step.RELEASE, t.nomination_id, t.unit, c or None
        case TaskEscalated(task=t, from_unit=u, to_unit=to, reason=reason, was_due_at=was):
            why = f"quá hạn {date_vn(was)}" if reason == "overdue" and was else "đơn vị không có người duyệt"
            return Step.ESCALATE, t.nomination_id, u, f"Chuyển lên {to.short_name} ({why}); hạn mới {date_vn(t.due_at)}"
        case TaskSentBack(task=t, from_unit=u, to_unit=to, comment=c):
            return Step.SEND_BACK, t.nomination_id, u, f"Trả về {to.short_name}, hạn mới {date_vn(t.due_at)}: {c}"
        case TaskReorganised(task=t, from_unit=u, to_unit=to, effective_on=on, released_claimant=released):
            released_text = f"; {released} không còn nhận xử lý" if released else ""
            return (
                Step.REHOME,
                t.nomination_id,
                to,
                f"Từ hộp việc {u.short_name} sang {to.short_name} (sắp xếp tổ chức từ {on:%d/%m/%Y}); "
                f"hạn xử lý giữ nguyên {date_vn(t.due_at)}{released_text}",
            )
        case NominationForwarded(nomination_id=nid, from_unit=u, to_unit=to, comment=c, proposal_number=number):
            text = c or f"Chuyển {to.short_name}"
            if number and number not in text:
                text += f" (Tờ trình số {number})"
            return Step.FORWARD, nid, u, text
        case CouncilVoteRecorded(nomination_id=nid, unit=u, vote=v, passed=passed, held_on=on):
            return Step.COUNCIL, nid, u, council_line(u, v, passed, on)
        case NominationReturned(nomination_id=nid, unit=u, reason=r):
            return Step.RETURN, nid, u, r
        case NominationRejected(nomination_id=nid, unit=u, reason=r):
            return Step.REJECT, nid, u, r
        case NominationApproved(nomination=nom, issuer=u, comment=c):
            return Step.APPROVE, nom.id, u, c or None
        case DecisionDrafted(nomination_id=nid, draft=d):
            what = "Quyết định" if d.kind == "decision" else "Tờ trình"
            return Step.DRAFT, nid, d.issuer, f"Dự thảo {what.lower()} của {d.issuer.short_name}, chờ người ký"
        case AwardGranted(nomination_id=nid, decision=d):
            return Step.GRANT, nid, d.issuer, f"Quyết định số {d.number_text}"
        case AwardProposed(nomination_id=nid, proposal=p, decided_by=by):
            return Step.PROPOSE, nid, p.issuer, f"Tờ trình số {p.number_text}: đã đề nghị {by}"
        case StateOutcomeRecorded(nomination_id=nid, proposal=p, outcome=o):
            step = Step.STATE_GRANT if o.granted else Step.STATE_DECLINE
            return step, nid, p.issuer, f"Quyết định số {o.number_text} ngày {o.decided_on:%d/%m/%Y} của {o.authority}"
    raise TypeError(f"registration does not react to {type(event).__name__}")


def council_line(unit: UnitRef, vote: CouncilVote, passed: bool, held_on: date) -> str:
    """'Hội đồng TĐKT LĐLĐ thị xã Sơn Tây biểu quyết: Đạt (7/9 đồng ý, 1 không đồng ý; có mặt 9/11,
    bỏ phiếu kín), họp ngày 02/03/2026'."""
    ballot = "bỏ phiếu kín" if vote.secret_ballot else "biểu quyết công khai"
    return (
        f"Hội đồng TĐKT {unit.short_name} biểu quyết: {'Đạt' if passed else 'Không đạt'} "
        f"({vote.votes_for}/{vote.present} đồng ý, {vote.votes_against} không đồng ý; có mặt {vote.present}/{vote.members}, "
        f"{ballot}), họp ngày {held_on:%d/%m/%Y}"
    )


def date_vn(at: datetime | None) -> str:
    return f"{at.astimezone(VIETNAM_TZ):%d/%m/%Y}" if at else "—"
