"""Writing registry entries with what reports count by: one function for the pipeline and the grassroots register.

Each entry gets one `registry_scopes` row per unit on its path (the path stored with the entry, as the tree stood
on the decision date), so a unit's report reads its subtree with one indexed range scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards import store
from shared.contracts.values import UnitRef
from shared.rules.catalog import Award


@dataclass(frozen=True)
class RegisterEntry:
    id: str
    source: str  # "pipeline" | "grassroots"
    award: Award
    level: str
    nominee: dict[str, Any]
    unit_path: Sequence[UnitRef]  # the CĐCS first, as on the decision date
    sector: str | None
    period: str
    decided_on: date
    coefficient: str
    base_salary_vnd: int
    prize_amount_vnd: int
    decision_id: str | None = None
    nomination_id: str | None = None
    decision_text: str | None = None
    title: str | None = None
    entry_key: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    catalog_version: str | None = None  # the version that judged the nomination, when not the award's own
    position: int = 0  # order within its decision
    status: str = "granted"  # granted | proposed (a tờ trình to the state authority; not an award yet)

    @property
    def counted(self) -> bool:
        """Reports count awards given: a proposal is not one (yet), and a revoked entry no longer is."""
        return self.status == "granted"

    @property
    def category(self) -> str:
        return "innovation" if "innovation" in self.award.categories else str(self.nominee.get("kind", "individual"))

    def row(self) -> dict[str, Any]:
        unit = self.unit_path[0]
        return {
            "id": self.id,
            "decision_id": self.decision_id,
            "nomination_id": self.nomination_id,
            "nominee": self.nominee,
            "nominee_name": self.nominee.get("name", ""),
            "unit_code": unit.code,
            "unit_name": unit.name,
            "period": self.period,
            "coefficient": self.coefficient,
            "base_salary_vnd": self.base_salary_vnd,
            "prize_amount_vnd": self.prize_amount_vnd,
            "source": self.source,
            "award_code": self.award.code,
            "award_name": self.award.name,
            "catalog_version": self.catalog_version or self.award.catalog_version,
            "position": self.position,
            "status": self.status,
            "award_category": self.category,
            "level": self.level,
            "nominee_kind": self.nominee.get("kind", "individual"),
            "sector": self.sector,
            "path_codes": "|" + "|".join(u.code for u in self.unit_path) + "|",
            "decided_on": self.decided_on,
            "year": self.decided_on.year,
            "decision_text": self.decision_text,
            "title": self.title,
            "entry_key": self.entry_key,
            "recorded_by": self.recorded_by,
            "recorded_at": self.recorded_at,
        }

    def scopes(self) -> list[dict[str, Any]]:
        path = list(self.unit_path)
        return [
            {
                "unit_code": u.code,
                "entry_id": self.id,
                "child_code": path[i - 1].code if i > 0 else None,
                "child_name": path[i - 1].name if i > 0 else None,
                "decided_on": self.decided_on,
                "award_code": self.award.code,
                "award_name": self.award.name,
                "award_category": self.category,
                "level": self.level,
                "nominee_kind": self.nominee.get("kind", "individual"),
                "sector": self.sector,
                "prize_amount_vnd": self.prize_amount_vnd,
            }
            for i, u in enumerate(path)
        ]


async def add_entries(conn: AsyncConnection, entries: Sequence[RegisterEntry]) -> None:
    """Insert entries, and the scope rows of those reports count, in the caller's transaction (executemany)."""
    if not entries:
        return
    await conn.execute(store.registry.insert(), [e.row() for e in entries])
    scopes = [s for e in entries if e.counted for s in e.scopes()]
    if scopes:
        await conn.execute(store.registry_scopes.insert(), scopes)


async def uncount_entries(conn: AsyncConnection, decision_id: str) -> None:
    """A revoked decision's entries stay in the register but leave the reports."""
    entry_ids = sa.select(store.registry.c.id).where(store.registry.c.decision_id == decision_id).scalar_subquery()
    await conn.execute(store.registry_scopes.delete().where(store.registry_scopes.c.entry_id.in_(entry_ids)))
