"""Reports: counts of registry entries (pipeline decisions and the grassroots register) for a unit's subtree and a
period, by award, level, sector, nominee kind, year and the units directly below; prize totals.

Set-based: two grouped queries over `registry_scopes` (unit, decision date) joined to the registry by key.
A unit sees its own subtree; operations and administrators see every unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.awards.domain.report import ScopeFilter, actor_units, by_unit, report_unit, summarise
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor


class ReportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str | None = Field(default=None, max_length=64)
    year: int | None = Field(default=None, ge=1945, le=2100)
    date_from: date | None = None
    date_to: date | None = None
    award_code: str | None = Field(default=None, max_length=64)
    level: Literal["grassroots", "district", "city", "national"] | None = None
    sector: Literal["public_administration", "school", "enterprise", "unknown"] | None = None
    nominee_kind: Literal["individual", "collective"] | None = None

    @model_validator(mode="after")
    def _period(self) -> ReportQuery:
        if self.year is not None and (self.date_from or self.date_to):
            raise ValueError("Chọn năm hoặc khoảng ngày, không chọn cả hai")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("Ngày bắt đầu ở sau ngày kết thúc")
        return self

    def bounds(self) -> tuple[date | None, date | None]:
        if self.year is not None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        return self.date_from, self.date_to


async def report(ctx: AwardsContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ReportQuery.model_validate(params)
    unit, narrowed = report_unit(actor, q.unit_code)
    start, end = q.bounds()
    mine = actor_units(actor)
    where = ScopeFilter(
        unit_code=unit,
        date_from=start,
        date_to=end,
        award_code=q.award_code,
        level=q.level,
        sector=q.sector,
        nominee_kind=q.nominee_kind,
        within=mine if narrowed else None,  # a unit below the actor's: only entries also in one of the actor's subtrees
    )
    async with ctx.unit_of_work() as uow:
        counts = await uow.store.scope_counts(where)
        own_name = None
        if any(c.child_code is None for c in counts):  # the unit's own entries: a CĐCS, named as on its entries
            own_name = await uow.store.entry_unit_name(unit)
        if narrowed and not counts and not await uow.store.below_any(unit, mine):
            # an empty report of a unit below one of the actor's units is no secret
            raise Forbidden("Đơn vị này không thuộc phạm vi của bạn", code="not_your_unit")
    return {
        "unit_code": unit,
        "date_from": start.isoformat() if start else None,
        "date_to": end.isoformat() if end else None,
        "narrowed_to_own_units": narrowed,
        **summarise([c.group() for c in counts]),
        "by_unit": by_unit(counts, unit, own_name),
    }
