"""The state's answer to a union tờ trình. A state title (Chiến sĩ thi đua toàn quốc, Bằng khen của Thủ tướng…) is
proposed by the union's awarding level and decided by a state authority; the union office that sent the tờ trình
records that authority's decision (its number, its date, and for every nominee listed whether it was granted). A
granted nominee then holds the title: it counts in the title history and in the reports (as a state award); a nominee
not granted stays on the tờ trình, marked so. Recorded once: a correction is an administrator's act on the data.
Pure: who may record it, what a valid record is, and what it tells the other services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.awards.domain.register import Decision, RegistryEntry
from services.awards.domain.revocation import may_act_for
from shared.contracts.errors import Conflict, FieldError, Forbidden, ValidationFailed
from shared.contracts.events import Actor, DecisionSnapshot, StateOutcome, StateOutcomeRecorded
from shared.contracts.operations.awards import RecordStateOutcome, StateOutcomeView
from shared.contracts.values import VIETNAM_TZ

STATE_LEVEL = "state"  # how reports name the level of an award the state granted ("cấp Nhà nước")


@dataclass(frozen=True)
class StateDecision:
    """The deciding authority's answer to one tờ trình, as its sender recorded it."""

    decision_id: str  # the tờ trình's
    authority: str
    number_text: str
    decided_on: date
    note: str
    recorded_by: str
    recorded_by_id: str
    recorded_at: datetime
    granted: Mapping[str, bool]  # by nomination: granted or not

    def view(self) -> StateOutcomeView:
        granted = sum(1 for g in self.granted.values() if g)
        return StateOutcomeView(
            authority=self.authority,
            number_text=self.number_text,
            decided_on=self.decided_on,
            note=self.note,
            recorded_by=self.recorded_by,
            recorded_at=self.recorded_at,
            granted=granted,
            not_granted=len(self.granted) - granted,
        )


def may_record(actor: Actor, decision: Decision) -> bool:
    """Whether `actor` may record the state's answer to this document (its sender's approvers, administrators)."""
    return decision.kind == "proposal" and may_act_for(actor, decision.issuer_code)


def check_outcome(
    actor: Actor,
    decision: Decision,
    entries: Sequence[RegistryEntry],
    cmd: RecordStateOutcome,
    *,
    recorded: StateDecision | None,
    now: datetime,
) -> StateDecision:
    """The record, when `actor` may make it for this document and it answers for every nominee listed; otherwise the
    named error (fields named as the request names them)."""
    if not may_act_for(actor, decision.issuer_code):
        raise Forbidden(
            "Chỉ người duyệt của đơn vị trình hoặc quản trị hệ thống được ghi nhận kết quả của cấp có thẩm quyền",
            code="not_issuer",
        )
    if decision.kind != "proposal":
        raise Conflict("Chỉ ghi nhận kết quả cho tờ trình đề nghị cấp có thẩm quyền khen thưởng", code="not_a_proposal")
    if recorded is not None:
        raise Conflict(
            f"Kết quả của tờ trình này đã được ghi nhận (Quyết định số {recorded.number_text})", code="outcome_already_recorded"
        )
    authority, number_text = " ".join(cmd.authority.split()), " ".join(cmd.number_text.split())
    answered, errors = _answers(cmd, entries)
    errors += _date_errors(cmd.decided_on, decision, now)
    if len(authority) < 2:
        errors.append(FieldError(field="authority", message="Nêu cấp có thẩm quyền đã quyết định"))
    if not number_text:
        errors.append(FieldError(field="number_text", message="Nêu số quyết định của cấp có thẩm quyền"))
    if errors:
        raise ValidationFailed("Kết quả của cấp có thẩm quyền chưa hợp lệ", fields=errors, code="outcome_invalid")
    return StateDecision(
        decision_id=decision.id,
        authority=authority,
        number_text=number_text,
        decided_on=cmd.decided_on,
        note=" ".join(cmd.note.split()),
        recorded_by=actor.full_name or actor.username,
        recorded_by_id=actor.user_id,
        recorded_at=now,
        granted=answered,
    )


def _answers(cmd: RecordStateOutcome, entries: Sequence[RegistryEntry]) -> tuple[dict[str, bool], list[FieldError]]:
    """Granted or not for each nominee the tờ trình lists: every one answered once, no other."""
    listed = {e.nomination_id: e for e in entries if e.nomination_id is not None}
    answered: dict[str, bool] = {}
    errors: list[FieldError] = []
    for i, item in enumerate(cmd.items):
        if item.nomination_id not in listed:
            errors.append(FieldError(field=f"items.{i}.nomination_id", message="Tờ trình không có hồ sơ này"))
        elif item.nomination_id in answered:
            errors.append(FieldError(field=f"items.{i}.nomination_id", message="Một hồ sơ được ghi hai lần"))
        else:
            answered[item.nomination_id] = item.granted
    missing = [e.nominee_name for nid, e in listed.items() if nid not in answered]
    if missing:
        errors.append(FieldError(field="items", message="Chưa ghi kết quả cho: " + ", ".join(missing)))
    return answered, errors


def _date_errors(decided_on: date, decision: Decision, now: datetime) -> list[FieldError]:
    """The state decides after the tờ trình went up, and not in the future (Vietnam's calendar)."""
    proposed_on = decision.issued_at.astimezone(VIETNAM_TZ).date()
    if decided_on < proposed_on:
        return [FieldError(field="decided_on", message=f"Ngày quyết định không thể trước ngày tờ trình ({proposed_on:%d/%m/%Y})")]
    if decided_on > now.astimezone(VIETNAM_TZ).date():
        return [FieldError(field="decided_on", message="Ngày quyết định không thể sau hôm nay")]
    return []


def outcome_events(
    decision: Decision, entries: Sequence[RegistryEntry], outcome: StateDecision, actor: Actor
) -> list[StateOutcomeRecorded]:
    """One event per nominee, in the tờ trình's order: registration completes the dossier and the title history."""
    events = []
    for entry in entries:
        if entry.nomination_id is None:
            continue
        proposal = DecisionSnapshot(
            decision_id=decision.id,
            number=decision.number,
            number_text=decision.number_text,
            year=decision.year,
            issuer=decision.issuer,
            issued_at=decision.issued_at,
            award_code=entry.award_code,
            award_name=entry.award_name,
            prize_amount_vnd=0,
        )
        events.append(
            StateOutcomeRecorded(
                occurred_at=outcome.recorded_at,
                correlation_id=entry.nomination_id,
                actor=actor,
                nomination_id=entry.nomination_id,
                proposal=proposal,
                outcome=StateOutcome(
                    authority=outcome.authority,
                    number_text=outcome.number_text,
                    decided_on=outcome.decided_on,
                    granted=outcome.granted[entry.nomination_id],
                ),
            )
        )
    return events
