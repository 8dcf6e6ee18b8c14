"""Awards' queries for the reports (a part of `SqlAwardsStore`, which inherits them): counts over the register's
scope rows, one row per entry and unit on its path, by every dimension a report groups by."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards.domain.report import UNKNOWN_SECTOR, ScopeCount, ScopeFilter
from services.awards.store.tables import registry, registry_scopes


class SqlReports:
    """On the store's connection inside the caller's transaction."""

    conn: AsyncConnection

    async def scope_counts(self, where: ScopeFilter) -> list[ScopeCount]:
        """One pass over the unit's range: every combination of unit below, award, level, sector, kind, year, period."""
        s = registry_scopes
        year = sa.extract("year", s.c.decided_on)
        query = (
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
                s.c.period,
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(s.c.prize_amount_vnd), 0),
            )
            .where(*_scope_filter(where))
            .group_by(s.c.child_code, s.c.award_code, s.c.level, s.c.sector, s.c.nominee_kind, year, s.c.period)
        )
        return [
            ScopeCount(
                child_code=child,
                child_name=child_name,
                award_code=code,
                award_name=name,
                category=category,
                level=level,
                sector=sector,
                nominee_kind=kind,
                year=int(year_) if year_ is not None else None,
                period=period,
                count=int(n),
                prize_vnd=int(amount),
            )
            for child, child_name, code, name, category, level, sector, kind, year_, period, n, amount in (
                await self.conn.execute(query)
            ).all()
        ]

    async def entry_unit_name(self, unit_code: str) -> str | None:
        """A unit's name as its own entries carry it (a CĐCS's)."""
        r = registry
        name = await self.conn.scalar(sa.select(r.c.unit_name).where(r.c.unit_code == unit_code).limit(1))
        return str(name) if name is not None else None

    async def below_any(self, unit_code: str, units: frozenset[str]) -> bool:
        """Whether any entry has `unit_code` on its path below one of `units` (both in the entry's scope rows)."""
        s = registry_scopes
        mine = s.alias("mine")
        found = await self.conn.scalar(
            sa.select(sa.literal(1))
            .select_from(s.join(mine, mine.c.entry_id == s.c.entry_id))
            .where(s.c.unit_code == unit_code, mine.c.unit_code.in_(sorted(units)))
            .limit(1)
        )
        return found is not None


def _scope_filter(where: ScopeFilter) -> list[Any]:
    s = registry_scopes
    conditions: list[Any] = [s.c.unit_code == where.unit_code]
    if where.date_from is not None:
        conditions.append(s.c.decided_on >= where.date_from)
    if where.date_to is not None:
        conditions.append(s.c.decided_on <= where.date_to)
    if where.award_code:
        conditions.append(s.c.award_code == where.award_code)
    if where.level:
        conditions.append(s.c.level == where.level)
    if where.sector:
        conditions.append(s.c.sector.is_(None) if where.sector == UNKNOWN_SECTOR else s.c.sector == where.sector)
    if where.nominee_kind:
        conditions.append(s.c.nominee_kind == where.nominee_kind)
    if where.period:
        conditions.append(s.c.period == where.period)
    if where.within is not None:
        # Only entries that are also in one of these units' subtrees.
        mine = s.alias("mine")
        conditions.append(
            sa.exists(sa.select(sa.literal(1)).where(mine.c.entry_id == s.c.entry_id, mine.c.unit_code.in_(sorted(where.within))))
        )
    return conditions
