"""Reports: counts of registry entries (pipeline decisions and the grassroots register) for a unit's subtree and a
period, by award, level, sector, nominee kind, year and the units directly below; prize totals.

Set-based: two grouped queries over `registry_scopes` (unit, decision date) joined to the registry by key.
A unit sees its own subtree; operations and administrators see every unit.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.awards import store
from services.awards.domain.report import SECTORS, UNKNOWN_SECTOR, Group, sector_breakdown, sector_key, summarise
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.platform.service import ServiceContext

ROOT_UNIT = "TLD"


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


def _unit_for(actor: Actor, requested: str | None) -> tuple[str, bool]:
    """The unit whose subtree the report covers, and whether it must be narrowed to the actor's own units."""
    own = {g.unit_code for g in actor.roles if g.unit_code}
    if actor.sees_everything():
        return requested or ROOT_UNIT, False
    if not own:
        raise Forbidden("Bạn chưa thuộc đơn vị nào nên không xem được báo cáo", code="no_unit")
    if requested is None:
        return sorted(own)[0], False
    return requested, requested not in own


async def report(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ReportQuery.model_validate(params)
    unit, narrowed = _unit_for(actor, q.unit_code)
    s = store.registry_scopes
    start, end = q.bounds()
    where: list[Any] = [s.c.unit_code == unit]
    if start is not None:
        where.append(s.c.decided_on >= start)
    if end is not None:
        where.append(s.c.decided_on <= end)
    if q.award_code:
        where.append(s.c.award_code == q.award_code)
    if q.level:
        where.append(s.c.level == q.level)
    if q.sector:
        where.append(s.c.sector.is_(None) if q.sector == UNKNOWN_SECTOR else s.c.sector == q.sector)
    if q.nominee_kind:
        where.append(s.c.nominee_kind == q.nominee_kind)
    if narrowed:
        # A unit below the actor's: only entries that are also in one of the actor's own subtrees.
        where.append(sa.exists(_own_scope(actor)))
    count, prize = sa.func.count(), sa.func.coalesce(sa.func.sum(s.c.prize_amount_vnd), 0)
    year = sa.extract("year", s.c.decided_on)
    async with ctx.engine.connect() as conn:
        # One pass over the unit's range: every combination of unit below, award, level, sector, kind and year.
        rows = (
            await conn.execute(
                sa.select(
                    s.c.child_code,
                    sa.func.max(s.c.child_name),
                    s.c.award_code,
                    sa.func.max(s.c.award_name),
                    sa.func.max(s.c.award_category),
                    s.c.level,
                    s.c.sector,
                    s.c.nominee_kind,
                    year,
                    count,
                    prize,
                )
                .where(*where)
                .group_by(s.c.child_code, s.c.award_code, s.c.level, s.c.sector, s.c.nominee_kind, year)
            )
        ).all()
        own_name = None
        if any(row[0] is None for row in rows):  # the unit's own entries: a CĐCS, named as on its entries
            r = store.registry
            own_name = await conn.scalar(sa.select(r.c.unit_name).where(r.c.unit_code == unit).limit(1))
        if narrowed and not rows and not await _within_reach(conn, actor, unit):
            raise Forbidden("Đơn vị này không thuộc phạm vi của bạn", code="not_your_unit")
    groups = [
        Group(
            award_code=code,
            award_name=name or code,
            category=category,
            level=level or "",
            sector=sector,
            nominee_kind=kind or "individual",
            year=int(year_ or 0),
            count=int(n),
            prize_vnd=int(amount),
        )
        for _, _, code, name, category, level, sector, kind, year_, n, amount in rows
    ]
    per_unit = [(child, child_name, sector, n, amount) for child, child_name, _, _, _, _, sector, _, _, n, amount in rows]
    return {
        "unit_code": unit,
        "date_from": start.isoformat() if start else None,
        "date_to": end.isoformat() if end else None,
        "narrowed_to_own_units": narrowed,
        **summarise(groups),
        "by_unit": _units(per_unit, unit, own_name),
    }


def actor_units(actor: Actor) -> set[str]:
    return {g.unit_code for g in actor.roles if g.unit_code}


def _own_scope(actor: Actor) -> sa.Select[Any]:
    s = store.registry_scopes
    mine = s.alias("mine")
    return sa.select(sa.literal(1)).where(mine.c.entry_id == s.c.entry_id, mine.c.unit_code.in_(sorted(actor_units(actor))))


async def _within_reach(conn: Any, actor: Actor, unit: str) -> bool:
    """Whether any entry has the unit below one of the actor's units (an empty report of such a unit is no secret)."""
    s = store.registry_scopes
    mine = s.alias("mine")
    found = await conn.scalar(
        sa.select(sa.literal(1))
        .select_from(s.join(mine, mine.c.entry_id == s.c.entry_id))
        .where(s.c.unit_code == unit, mine.c.unit_code.in_(sorted(actor_units(actor))))
        .limit(1)
    )
    return found is not None


def _units(rows: Any, unit: str, own_name: str | None) -> list[dict[str, Any]]:
    """One line per unit directly below (entries of the unit itself under its own code), largest first."""
    lines: dict[str, dict[str, Any]] = {}
    for child, child_name, sector, n, amount in rows:
        code = child or unit
        name = child_name or (own_name if child is None else None) or code
        line = lines.setdefault(code, {"code": code, "name": name, "count": 0, "prize_vnd": 0, "by_sector": {}})
        line["count"] += int(n)
        line["prize_vnd"] += int(amount)
        key = sector_key(sector)
        line["by_sector"][key] = line["by_sector"].get(key, 0) + int(n)
    for line in lines.values():
        line["sector_text"] = sector_breakdown(line["by_sector"])
        line["by_sector"] = {s: line["by_sector"].get(s, 0) for s in (*SECTORS, UNKNOWN_SECTOR)}
    return sorted(lines.values(), key=lambda x: (-x["count"], x["name"]))
