"""The grassroots register: a CĐCS records the awards it decides itself (sáng kiến cấp cơ sở, Giấy khen of its
Ban Chấp hành…), which never go up the review pipeline, as registry entries that reports count like decisions.

A batch is checked whole, every row's problems named on its field ("entries.12.award_code") in Vietnamese, and
recorded in one transaction or not at all. The same row sent twice (same entry key) is recorded once.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.awards.domain.decision import prize_for
from services.awards.domain.register import RegisterEntry
from services.awards.store import SqlUnitOfWork
from services.awards.unitdirectory import UnitDirectory
from shared.contracts.errors import FieldError, Forbidden, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ, NomineeKind
from shared.platform.service import ServiceContext
from shared.rules.catalog import Award, award_on, catalog_files
from shared.rules.reference import base_salary_on
from shared.rules.text import normalize_name

MAX_ROWS = 2000
KIND_VI = {"individual": "cá nhân", "collective": "tập thể"}


class GrassrootsRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    award_code: str = Field(min_length=1, max_length=64)
    nominee_kind: NomineeKind = "individual"
    nominee_name: str = Field(min_length=2, max_length=200)
    decided_on: date
    decision_number: str | None = Field(default=None, max_length=120)
    period: str | None = Field(default=None, max_length=20)
    title: str | None = Field(default=None, max_length=300, description="e.g. the innovation's name")
    entry_key: str | None = Field(default=None, min_length=1, max_length=64)

    def key(self, unit_code: str) -> str:
        """Who sent it decides the key; else the row itself (the same person, award, decision and title)."""
        if self.entry_key:
            return self.entry_key
        parts = [unit_code, self.award_code, self.nominee_kind, normalize_name(self.nominee_name), self.decided_on.isoformat()]
        parts += [normalize_name(self.decision_number or ""), normalize_name(self.title or "")]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class RecordGrassroots(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str = Field(min_length=1, max_length=64)
    entries: list[GrassrootsRow] = Field(min_length=1, max_length=MAX_ROWS)


def _require_cdcs_officer(actor: Actor, unit_code: str) -> None:
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


def _award_problem(award: Award | None, code: str, row: GrassrootsRow) -> tuple[str, str] | None:
    on = row.decided_on
    if award is None:
        return "award_code", f"Không có hình thức “{code}” trong danh mục khen thưởng có hiệu lực ngày {on:%d/%m/%Y}"
    if award.awarding_level != "grassroots" or award.outcome != "decision":
        return "award_code", f"“{award.name}” không do công đoàn cơ sở tự quyết định; hồ sơ phải gửi lên cấp trên"
    if row.nominee_kind not in award.nominee_kinds:
        return "nominee_kind", f"“{award.name}” không xét cho {KIND_VI[row.nominee_kind]}"
    return None


async def record_grassroots(ctx: ServiceContext, units: UnitDirectory, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = RecordGrassroots.model_validate(params)
    _require_cdcs_officer(actor, cmd.unit_code)
    now = ctx.clock.now()
    today = now.astimezone(VIETNAM_TZ).date()
    found = await units.paths(actor, cmd.unit_code, {r.decided_on for r in cmd.entries})
    if any(path and path[0].level != "grassroots" for path in found.paths.values()):
        raise ValidationFailed.on("unit_code", "Sổ khen thưởng cơ sở chỉ dành cho công đoàn cơ sở", code="not_grassroots_unit")
    errors: list[FieldError] = []
    entries: list[RegisterEntry] = []
    for i, row in enumerate(cmd.entries):

        def problem(field: str, message: str, i: int = i) -> None:
            errors.append(FieldError(field=f"entries.{i}.{field}", message=message))

        path = found.paths.get(row.decided_on) or []
        if row.decided_on > today:
            problem("decided_on", f"Ngày quyết định {row.decided_on:%d/%m/%Y} ở sau hôm nay")
            continue
        if not path:
            problem("decided_on", f"Đơn vị {cmd.unit_code} không tồn tại vào ngày {row.decided_on:%d/%m/%Y}")
            continue
        award = register_award(row.award_code, row.decided_on)
        wrong = _award_problem(award, row.award_code, row)
        if wrong is not None:
            problem(*wrong)
            continue
        assert award is not None
        coefficient = award.coefficient_for(row.nominee_kind)
        try:
            base = base_salary_on(row.decided_on, ctx.settings.base_salary_vnd)
        except LookupError:
            if coefficient:
                problem("decided_on", f"Chưa có mức lương cơ sở áp dụng ngày {row.decided_on:%d/%m/%Y} để tính tiền thưởng")
                continue
            base = 0
        prize = prize_for(award, row.nominee_kind, base, row.decided_on)
        entries.append(
            RegisterEntry(
                id=str(uuid4()),
                source="grassroots",
                award=award,
                level="grassroots",
                nominee={"kind": row.nominee_kind, "name": row.nominee_name},
                unit_path=path,
                sector=found.sector,
                period=row.period or str(row.decided_on.year),
                decided_on=row.decided_on,
                coefficient=prize.coefficient,
                base_salary_vnd=prize.base_salary_vnd,
                prize_amount_vnd=prize.amount_vnd,
                decision_text=row.decision_number,
                title=row.title,
                entry_key=row.key(cmd.unit_code),
                recorded_by=actor.username,
                recorded_at=now,
            )
        )
    if errors:
        title = f"{len(errors)} dòng chưa hợp lệ, chưa ghi dòng nào"
        raise ValidationFailed(title, fields=errors, code="grassroots_rows_invalid")
    async with SqlUnitOfWork(ctx.engine) as uow:
        recorded = await uow.store.recorded_entry_keys([e.entry_key for e in entries if e.entry_key])
        fresh = _not_yet_recorded(entries, recorded)
        await uow.store.add_entries(fresh)
        await uow.commit()
    return {"recorded": len(fresh), "already_recorded": len(entries) - len(fresh), "rows": len(entries)}


def _not_yet_recorded(entries: list[RegisterEntry], recorded: set[str]) -> list[RegisterEntry]:
    """Entries whose key is neither in the register nor earlier in the same batch."""
    seen = set(recorded)
    fresh: list[RegisterEntry] = []
    for e in entries:
        if e.entry_key in seen:
            continue
        seen.add(e.entry_key or e.id)
        fresh.append(e)
    return fresh
