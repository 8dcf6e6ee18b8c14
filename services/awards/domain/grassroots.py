"""The grassroots register's rules: who may record, which awards a CĐCS decides itself, what each row becomes in
the register (or why it cannot), and when two rows are the same entry. Pure.

A batch is checked whole, every row's problems named on its field ("entries.12.award_code") in Vietnamese.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.awards.domain.decision import prize_for
from services.awards.domain.register import RegisterEntry
from shared.contracts.errors import FieldError, Forbidden, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.awards import GrassrootsRow
from shared.contracts.values import VIETNAM_TZ, NomineeKind, UnitRef
from shared.rules.catalog import Award, CatalogFile, award_in
from shared.rules.reference import base_salary_on
from shared.rules.rulebook import Rulebook
from shared.rules.text import normalize_name

KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}


def require_cdcs_officer(actor: Actor, unit_code: str) -> None:
    if not (actor.is_admin or actor.has_role("submitter", unit_code) or actor.has_role("unit_admin", unit_code)):
        raise Forbidden("Chỉ cán bộ của chính công đoàn cơ sở này được ghi sổ khen thưởng cơ sở", code="not_unit_officer")


def register_award(code: str, on: date, files: Sequence[CatalogFile]) -> Award | None:
    """The award as the catalogue in force on the decision date defines it; for a decision the CĐCS took before any
    catalogue version here defined the award (the register records past years), the earliest version that does.
    Which version was used is stored with the entry. `files`: the catalogue's versions, read once for a whole batch."""
    found = award_in(files, code, on)
    if found is not None:
        return found
    versions = sorted(files, key=lambda f: f.catalog.effective_from)
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


def entry_key(row: GrassrootsRow, unit_code: str) -> str:
    """Who sent it decides the key; else the row itself (the same person, award, decision and title)."""
    if row.entry_key:
        return row.entry_key
    parts = [unit_code, row.award_code, row.nominee_kind, normalize_name(row.nominee_name), row.decided_on.isoformat()]
    parts += [normalize_name(row.decision_number or ""), normalize_name(row.title or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def require_grassroots_unit(paths: Mapping[date, Sequence[UnitRef]]) -> None:
    if any(path and path[0].level != "grassroots" for path in paths.values()):
        raise ValidationFailed.on("unit_code", "Sổ khen thưởng cơ sở chỉ dành cho công đoàn cơ sở", code="not_grassroots_unit")


@dataclass(frozen=True)
class Checked:
    entries: tuple[RegisterEntry, ...]
    problems: tuple[FieldError, ...]


def check_rows(
    unit_code: str,
    rows: Sequence[GrassrootsRow],
    *,
    paths: Mapping[date, Sequence[UnitRef]],
    sector: str | None,
    now: datetime,
    recorded_by: str,
    base_salary_vnd: int | None,
    new_id: Callable[[], str],
    rules: Rulebook,
) -> Checked:
    """Each row as the entry it becomes, on the unit's path as on its decision date, or the problems of those that cannot."""
    today = now.astimezone(VIETNAM_TZ).date()
    files = rules.catalog_files()
    problems: list[FieldError] = []
    entries: list[RegisterEntry] = []
    for i, row in enumerate(rows):

        def problem(field: str, message: str, i: int = i) -> None:
            problems.append(FieldError(field=f"entries.{i}.{field}", message=message))

        path = paths.get(row.decided_on) or []
        if row.decided_on > today:
            problem("decided_on", f"Ngày quyết định {row.decided_on:%d/%m/%Y} ở sau hôm nay")
            continue
        if not path:
            problem("decided_on", f"Đơn vị {unit_code} không tồn tại vào ngày {row.decided_on:%d/%m/%Y}")
            continue
        award = register_award(row.award_code, row.decided_on, files)
        wrong = award_problem(award, row.award_code, row.nominee_kind, row.decided_on)
        if wrong is not None:
            problem(*wrong)
            continue
        assert award is not None
        coefficient = award.coefficient_for(row.nominee_kind)
        try:
            base = base_salary_on(row.decided_on, base_salary_vnd)
        except LookupError:
            if coefficient:
                problem("decided_on", f"Chưa có mức lương cơ sở áp dụng ngày {row.decided_on:%d/%m/%Y} để tính tiền thưởng")
                continue
            base = 0
        prize = prize_for(award, row.nominee_kind, base, row.decided_on)
        entries.append(
            RegisterEntry(
                id=new_id(),
                source="grassroots",
                award=award,
                award_name=award.name_for(path[0].name),
                level="grassroots",
                nominee={"kind": row.nominee_kind, "name": row.nominee_name},
                unit_path=path,
                sector=sector,
                period=row.period or str(row.decided_on.year),
                decided_on=row.decided_on,
                coefficient=prize.coefficient,
                base_salary_vnd=prize.base_salary_vnd,
                prize_amount_vnd=prize.amount_vnd,
                decision_text=row.decision_number,
                title=row.title,
                entry_key=entry_key(row, unit_code),
                recorded_by=recorded_by,
                recorded_at=now,
            )
        )
    return Checked(entries=tuple(entries), problems=tuple(problems))


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
