"""Reports: counts of registry entries (pipeline decisions and the grassroots register) for a unit's subtree and a
period, by award, level, sector, nominee kind, year and the units directly below; prize totals.

Set-based: two grouped queries over `registry_scopes` (unit, decision date) joined to the registry by key.
A unit sees its own subtree; operations and administrators see every unit.
"""

from __future__ import annotations

from services.awards.domain.report import ScopeFilter, actor_units, by_unit, report_unit, summarise
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitDirectory
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.operations.awards import ReportQuery, ReportView


def gift_awards(ctx: AwardsContext, codes: set[str]) -> frozenset[str]:
    """The awards among `codes` whose prize is a gift in a catalogue version: their entries' amounts are the gifts'
    value, which a report sums apart from the money (an award code keeps its prize kind across versions)."""
    return frozenset(
        a.code for f in ctx.rules.catalog_files() for a in f.catalog.awards if a.code in codes and a.prize_kind == "gift"
    )


async def report(ctx: AwardsContext, units: UnitDirectory, actor: Actor, q: ReportQuery) -> ReportView:
    asked, narrowed = report_unit(actor, q.unit_code)
    unit = asked or (await units.root(actor)).code  # the whole tree: its root, as registration holds it
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
        period=q.period,
        within=mine if narrowed else None,  # a unit below the actor's: only entries also in one of the actor's subtrees
    )
    async with ctx.reading() as uow:
        counts = await uow.store.scope_counts(where)
        own_name = None
        if any(c.child_code is None for c in counts):  # the unit's own entries: a CĐCS, named as on its entries
            own_name = await uow.store.entry_unit_name(unit)
        if narrowed and not counts and not await uow.store.below_any(unit, mine):
            # an empty report of a unit below one of the actor's units is no secret
            raise Forbidden("Đơn vị này không thuộc phạm vi của bạn", code="not_your_unit")
    gifts = gift_awards(ctx, {c.award_code for c in counts})
    return ReportView.model_validate(
        {
            "unit_code": unit,
            "date_from": start,
            "date_to": end,
            "narrowed_to_own_units": narrowed,
            **summarise([c.group(gifts) for c in counts]),
            "by_unit": by_unit(counts, unit, own_name, gifts),
        }
    )
