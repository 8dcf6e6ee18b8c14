"""A unit's path up the dated tree on given dates, with its sector: what awards stores with a grassroots register entry."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from services.registration import store
from services.registration.usecases import _unit_path
from shared.contracts import Actor
from shared.service import ServiceContext


class UnitPathsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    dates: list[date] = Field(min_length=1, max_length=400)


async def unit_paths(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """{"sector": …, "paths": {"2024-12-20": [unit, superior, …], …}}; an empty path: the unit did not exist that day."""
    q = UnitPathsQuery.model_validate(params)
    async with ctx.engine.connect() as conn:
        sector = await conn.scalar(sa.select(store.units.c.sector).where(store.units.c.code == q.code))
        paths = {on.isoformat(): [u.model_dump(mode="json") for u in await _unit_path(conn, q.code, on)] for on in set(q.dates)}
    return {"sector": sector, "paths": paths}
