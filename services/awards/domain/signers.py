"""Who signs a unit's documents: its roster of signing officers (người ký), each with a position and the dates of
the term, and the signature block chosen from it for a document's date by the signing rule in force
(`[[signers]]` of `shared/data/legal_basis.toml`). Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shared.contracts.errors import Conflict, FieldError, Forbidden, ValidationFailed
from shared.contracts.events import Actor

# The positions a signing officer can hold, as printed (upper-cased) under the authority line.
POSITIONS = ("Chủ tịch", "Phó Chủ tịch", "Ủy viên Ban Thường vụ", "Ủy viên Ban Chấp hành")
NO_SIGNER_WARNING_VI = "Chưa có người ký trong danh sách"


@dataclass(frozen=True)
class SigningOfficer:
    """One term of one officer who may sign for the unit: in force from `valid_from` to `valid_to` (inclusive)."""

    id: str
    unit_code: str
    full_name: str
    position: str
    valid_from: date
    valid_to: date | None = None
    username: str | None = None  # the officer's portal account, when they have one

    def in_force(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class SigningRule:
    """Which position signs a kind of document by default, and the lines printed above the name; the deputy who signs
    when no one holds the position ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH")."""

    position: str
    role: tuple[str, ...]
    deputy_position: str = ""
    deputy_role: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signature:
    """The block a document prints: the lines above the name, the name ("" when the roster has no one in force)."""

    role: tuple[str, ...]
    name: str
    officer_id: str | None = None

    @property
    def missing(self) -> bool:
        return not self.name


def _first_in_force(officers: Sequence[SigningOfficer], position: str, on: date) -> SigningOfficer | None:
    """The officer holding `position` on `on`; of several, the one whose term began last (the newest appointment)."""
    holders = [o for o in officers if o.position == position and o.in_force(on)]
    return max(holders, key=lambda o: (o.valid_from, o.id), default=None)


def choose_signature(officers: Sequence[SigningOfficer], rule: SigningRule, on: date) -> Signature:
    """The rule's position in force on the document's date; else its deputy with the deputy's lines (KT.); else the
    rule's lines with an empty name, so the document still issues and its reader is warned."""
    holder = _first_in_force(officers, rule.position, on)
    if holder is not None:
        return Signature(rule.role, holder.full_name, holder.id)
    if rule.deputy_position:
        deputy = _first_in_force(officers, rule.deputy_position, on)
        if deputy is not None:
            return Signature(rule.deputy_role or rule.role, deputy.full_name, deputy.id)
    return Signature(rule.role, "")


# Who may keep the roster, and who may read it


def may_keep_roster(actor: Actor, unit_code: str) -> bool:
    return actor.is_admin or actor.has_role("unit_admin", unit_code)


def may_read_roster(actor: Actor, unit_code: str) -> bool:
    return actor.sees_everything() or any(g.unit_code == unit_code for g in actor.roles)


def require_keeper(actor: Actor, unit_code: str) -> None:
    if not may_keep_roster(actor, unit_code):
        raise Forbidden("Chỉ quản trị của đơn vị hoặc quản trị hệ thống được sửa danh sách người ký", code="not_unit_admin")


def require_reader(actor: Actor, unit_code: str) -> None:
    if not may_read_roster(actor, unit_code):
        raise Forbidden("Chỉ người của đơn vị được xem danh sách người ký", code="not_of_unit")


def check_new_term(*, full_name: str, position: str, valid_from: date, valid_to: date | None) -> tuple[str, str]:
    """The name and position, trimmed, of a term that may be added; else `ValidationFailed` naming the fields."""
    name = " ".join(full_name.split())
    problems: list[FieldError] = []
    if len(name) < 2:
        problems.append(FieldError(field="full_name", message="Họ và tên: nhập họ và tên người ký"))
    if position not in POSITIONS:
        problems.append(FieldError(field="position", message=f"Chức vụ: chọn một trong {', '.join(POSITIONS)}"))
    if valid_to is not None and valid_to < valid_from:
        problems.append(FieldError(field="valid_to", message="Đến ngày: không được trước ngày bắt đầu nhiệm kỳ"))
    if problems:
        raise ValidationFailed("Thông tin người ký chưa hợp lệ", fields=problems, code="signer_invalid")
    return name, position


def check_end_of_term(officer: SigningOfficer, on: date) -> date:
    """The last day of the term, when it may end on `on`; else the named error."""
    if officer.valid_to is not None and officer.valid_to <= on:
        raise Conflict("Nhiệm kỳ của người ký này đã kết thúc", code="term_already_ended")
    if on < officer.valid_from:
        raise ValidationFailed.on("last_day", "Ngày cuối được ký: không được trước ngày bắt đầu nhiệm kỳ", code="signer_invalid")
    return on
