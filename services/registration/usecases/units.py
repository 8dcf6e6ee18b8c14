"""The unit tree as registration holds it: loaded from its data file, listed, its root, and a unit's path up the dated
tree on given dates with its sector (what awards stores with a grassroots register entry)."""

from __future__ import annotations

from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import NotFound
from shared.contracts.events import Actor
from shared.contracts.operations.registration import IgnoredParams, UnitList, UnitListing, UnitPaths, UnitPathsQuery
from shared.contracts.values import LEVEL_RANK, UnitRef
from shared.rules.reference import Unit


async def load_units(ctx: RegistrationContext, units: list[Unit]) -> int:
    """Insert or update the unit tree from its data file (parents first). A unit a reorganisation has
    changed is left as the reorganisation made it: from then on the database is the record."""
    ordered = sorted(units, key=lambda u: -LEVEL_RANK[u.level])
    async with ctx.uow.transaction() as store:
        changed_by = {u.code: u.reorganised_by for u in await store.units()}
        for u in ordered:
            if u.code in changed_by and changed_by[u.code] is not None:
                continue
            await store.save_unit(u, exists=u.code in changed_by, reorganised_by=None)
    return len(units)


async def list_units(ctx: RegistrationContext, actor: Actor, params: IgnoredParams) -> UnitList:
    """Every unit, closed ones included (old names stay readable), with its validity."""
    async with ctx.uow.reading() as store:
        rows = await store.units()
    return UnitList(
        [
            UnitListing(
                code=r.code,
                name=r.name,
                short_name=r.short_name,
                level=r.level,
                parent_code=r.parent_code,
                sector=r.sector,
                valid_from=r.valid_from,
                valid_to=r.valid_to,
            )
            for r in rows
        ]
    )


async def unit_paths(ctx: RegistrationContext, actor: Actor, q: UnitPathsQuery) -> UnitPaths:
    """The unit's sector and its path on each date; an empty path: the unit did not exist that day."""
    async with ctx.uow.reading() as store:
        tree = await store.tree()  # two queries, then every date in memory
    unit = tree.get(q.code)
    paths = {on.isoformat(): tree.path_on(q.code, on) for on in set(q.dates)}
    return UnitPaths(sector=unit.sector if unit else None, paths=paths)


async def unit_root(ctx: RegistrationContext, actor: Actor, params: IgnoredParams) -> UnitRef:
    """The top of the tree today: the unit with no parent (the highest level first should there be several)."""
    today = ctx.today()
    async with ctx.uow.reading() as store:
        tree = await store.tree()
    roots = [u for u in tree.units.values() if u.exists_on(today) and u.parent_on(today) is None]
    if not roots:
        raise NotFound("Chưa có cây đơn vị", code="no_unit_tree")
    return min(roots, key=lambda u: (-LEVEL_RANK[u.level], u.code)).ref()
