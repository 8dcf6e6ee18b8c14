"""The grassroots register: a CĐCS records the awards it decides itself (sáng kiến cấp cơ sở, Giấy khen of its
Ban Chấp hành…), which never go up the review pipeline, as registry entries that reports count like decisions.

A batch is checked whole, every row's problems named on its field ("entries.12.award_code") in Vietnamese, and
recorded in one transaction or not at all. The same row sent twice (same entry key) is recorded once.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.awards.domain.decision import prize_for
from services.awards.domain.grassroots import award_problem, entry_key, not_yet_recorded, register_award, require_cdcs_officer
from services.awards.domain.register import RegisterEntry
from services.awards.unitdirectory import UnitDirectory
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ, NomineeKind
from shared.rules.reference import base_salary_on

MAX_ROWS = 2000


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
        return entry_key(
            unit_code,
            award_code=self.award_code,
            nominee_kind=self.nominee_kind,
            nominee_name=self.nominee_name,
            decided_on=self.decided_on,
            decision_number=self.decision_number,
            title=self.title,
        )


class RecordGrassroots(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str = Field(min_length=1, max_length=64)
    entries: list[GrassrootsRow] = Field(min_length=1, max_length=MAX_ROWS)


async def record_grassroots(ctx: AwardsContext, units: UnitDirectory, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = RecordGrassroots.model_validate(params)
    require_cdcs_officer(actor, cmd.unit_code)
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
        wrong = award_problem(award, row.award_code, row.nominee_kind, row.decided_on)
        if wrong is not None:
            problem(*wrong)
            continue
        assert award is not None
        coefficient = award.coefficient_for(row.nominee_kind)
        try:
            base = base_salary_on(row.decided_on, ctx.base_salary_vnd)
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
    async with ctx.unit_of_work() as uow:
        fresh = not_yet_recorded(entries, await uow.store.recorded_entry_keys([e.entry_key for e in entries if e.entry_key]))
        await uow.store.add_entries(fresh)
        await uow.commit()
    return {"recorded": len(fresh), "already_recorded": len(entries) - len(fresh), "rows": len(entries)}
