"""Who may revoke a decision or mark its prizes recovered, and what a revocation needs. Pure rules."""

from __future__ import annotations

from enum import StrEnum

from shared.contracts.errors import Conflict, FieldError, Forbidden, ValidationFailed
from shared.contracts.events import Actor

MIN_REASON_CHARS = 10


class DecisionStatus(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"


class Recovery(StrEnum):
    """A revoked decision's prize, per register entry."""

    DUE = "due"  # phải thu hồi
    RECOVERED = "recovered"  # đã thu hồi


RECOVERY_LABELS_VI = {Recovery.DUE: "Phải thu hồi", Recovery.RECOVERED: "Đã thu hồi"}
STATUS_LABELS_VI = {DecisionStatus.ISSUED: "Đã ban hành", DecisionStatus.REVOKED: "Đã thu hồi"}


def may_act_for(actor: Actor, issuer_code: str) -> bool:
    """An approver of the issuing unit, or an administrator."""
    return actor.is_admin or actor.has_role("approver", issuer_code)


def check_revocation(actor: Actor, *, issuer_code: str, kind: str, status: str, reason: str) -> str:
    """The reason, trimmed, when `actor` may revoke this document now; otherwise the named error."""
    if not may_act_for(actor, issuer_code):
        raise Forbidden("Chỉ người duyệt của đơn vị ban hành hoặc quản trị hệ thống được thu hồi quyết định", code="not_issuer")
    if kind != "decision":
        raise Conflict("Chỉ thu hồi được quyết định khen thưởng; tờ trình đề nghị không có tiền thưởng", code="not_a_decision")
    if status == DecisionStatus.REVOKED:
        raise Conflict("Quyết định này đã bị thu hồi", code="already_revoked")
    cleaned = " ".join(reason.split())
    if len(cleaned) < MIN_REASON_CHARS:
        raise ValidationFailed(
            "Lý do thu hồi chưa hợp lệ",
            fields=[FieldError(field="reason", message=f"Nêu lý do thu hồi, ít nhất {MIN_REASON_CHARS} ký tự")],
            code="reason_required",
        )
    return cleaned


def check_recovered(actor: Actor, *, issuer_code: str, recovery: str | None) -> None:
    """Marking an entry's prize 'đã thu hồi': the same people, only for a prize that is due."""
    if not may_act_for(actor, issuer_code):
        raise Forbidden(
            "Chỉ người duyệt của đơn vị ban hành hoặc quản trị hệ thống được ghi nhận thu hồi tiền thưởng", code="not_issuer"
        )
    if recovery == Recovery.RECOVERED:
        raise Conflict("Tiền thưởng này đã được ghi nhận thu hồi", code="already_recovered")
    if recovery != Recovery.DUE:
        raise Conflict("Chỉ ghi nhận thu hồi tiền thưởng của quyết định đã bị thu hồi", code="not_due")
