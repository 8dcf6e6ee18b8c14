"""A unit's path up the dated tree on given dates, with its sector: what awards stores with a grassroots register entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.registration.store import SqlUnitOfWork
from shared.contracts.events import Actor
from shared.platform.service import ServiceContext


class UnitPathsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    dates: list[date] = Field(min_length=1, max_length=400)


async def unit_paths(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """{"sector": …, "paths": {"2024-12-20": [unit, superior, …], …}}; an empty path: the unit did not exist that day."""
    q = UnitPathsQuery.model_validate(params)
    async with SqlUnitOfWork(ctx.engine).reading() as store:
        tree = await store.tree()  # two queries, then every date in memory
    unit = tree.get(q.code)
    paths = {on.isoformat(): [u.model_dump(mode="json") for u in tree.path_on(q.code, on)] for on in set(q.dates)}
    return {"sector": unit.sector if unit else None, "paths": paths}
