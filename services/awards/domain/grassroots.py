"""The grassroots register's rules: who may record, which awards a CĐCS decides itself, and when two rows are the
same entry. Pure."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from services.awards.domain.register import RegisterEntry
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.values import NomineeKind
from shared.rules.catalog import Award, award_on, catalog_files
from shared.rules.text import normalize_name

KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}


def require_cdcs_officer(actor: Actor, unit_code: str) -> None:
    if not (actor.is_admin or actor.has_role("submitter", unit_code) or actor.has_role("unit_admin", unit_code)):
        raise Forbidden("Chỉ cán bộ của chính công đoàn cơ sở này được ghi sổ khen thưởng cơ sở", code="not_unit_officer")


def register_award(code: str, on: date) -> Award | None:
    """The award as the catalogue in force on the decision date defines it; for a decision the CĐCS took before any
    catalogue version here defined the award (the register records past years), the earliest version that does.
    Which version was used is stored with the entry."""
    found = award_on(code, on)
    if found is not None:
        return found
    versions = sorted(catalog_files(), key=lambda f: f.catalog.effective_from)
    return next((a for f in versions for a in f.catalog.awards if a.code == code and f.catalog.effective_from > on), None)


def award_problem(award: Award | None, code: str, nominee_kind: NomineeKind, on: date) -> tuple[str, str] | None:
    """(field, message) when the CĐCS may not record this award for this nominee; None when it may."""
    if award is None:
        return "award_code", f"Không có hình thức “{code}” trong danh mục khen thưởng có hiệu lực ngày {on:%d/%m/%Y}"
    if award.awarding_level != "grassroots" or award.outcome != "decision":
        return "award_code", f"“{award.name}” không do công đoàn cơ sở tự quyết định; hồ sơ phải gửi lên cấp trên"
    if nominee_kind not in award.nominee_kinds:
        return "nominee_kind", f"“{award.name}” không xét cho {KIND_VI[nominee_kind]}"
    return None


def entry_key(
    unit_code: str,
    *,
    award_code: str,
    nominee_kind: str,
    nominee_name: str,
    decided_on: date,
    decision_number: str | None,
    title: str | None,
) -> str:
    """A row without a key of its own: the same person, award, decision and title is the same entry."""
    parts = [unit_code, award_code, nominee_kind, normalize_name(nominee_name), decided_on.isoformat()]
    parts += [normalize_name(decision_number or ""), normalize_name(title or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def not_yet_recorded(entries: Sequence[RegisterEntry], recorded: set[str]) -> list[RegisterEntry]:
    """Entries whose key is neither in the register nor earlier in the same batch."""
    seen = set(recorded)
    fresh: list[RegisterEntry] = []
    for e in entries:
        if e.entry_key in seen:
            continue
        seen.add(e.entry_key or e.id)
        fresh.append(e)
    return fresh
