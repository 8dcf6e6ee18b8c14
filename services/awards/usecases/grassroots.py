"""The grassroots register: a CĐCS records the awards it decides itself (sáng kiến cấp cơ sở, Giấy khen of its
Ban Chấp hành…), which never go up the review pipeline, as registry entries that reports count like decisions.

A batch is checked whole and recorded in one transaction or not at all; the same row sent twice (same entry key)
is recorded once.
"""

from __future__ import annotations

from uuid import uuid4

from services.awards.domain.grassroots import check_rows, not_yet_recorded, require_cdcs_officer, require_grassroots_unit
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitDirectory
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.awards import GrassrootsRecorded, RecordGrassroots


async def record_grassroots(ctx: AwardsContext, units: UnitDirectory, actor: Actor, cmd: RecordGrassroots) -> GrassrootsRecorded:
    require_cdcs_officer(actor, cmd.unit_code)
    now = ctx.clock.now()
    found = await units.paths(actor, cmd.unit_code, {r.decided_on for r in cmd.entries})
    require_grassroots_unit(found.paths)
    checked = check_rows(
        cmd.unit_code,
        cmd.entries,
        paths=found.paths,
        sector=found.sector,
        now=now,
        recorded_by=actor.username,
        base_salary_vnd=ctx.base_salary_vnd,
        new_id=lambda: str(uuid4()),
        rules=ctx.rules,
    )
    if checked.problems:
        title = f"{len(checked.problems)} dòng chưa hợp lệ, chưa ghi dòng nào"
        raise ValidationFailed(title, fields=list(checked.problems), code="grassroots_rows_invalid")
    entries = checked.entries
    async with ctx.unit_of_work() as uow:
        fresh = not_yet_recorded(entries, await uow.store.recorded_entry_keys([e.entry_key for e in entries if e.entry_key]))
        await uow.store.add_entries(fresh)
        await uow.commit()
    return GrassrootsRecorded(recorded=len(fresh), already_recorded=len(entries) - len(fresh), rows=len(entries))
