"""Awards' figures for operations: decisions issued (not tờ trình; revoked ones included, they were issued), counted
from the register itself (so the counter survives restarts and reads the same on every replica; Prometheus takes its rate)."""

from __future__ import annotations

from services.awards.usecases.context import AwardsContext
from shared.platform.observability import Sampler
from shared.platform.service import ServiceContext


def register_metrics(ctx: ServiceContext, sampler: Sampler) -> None:
    awards = AwardsContext.of(ctx)
    c = sampler.collector
    c.declare("thidua_awards_decisions_issued_total", "Decisions issued, by issuer level", "counter", ["level"])

    async def refresh() -> None:
        async with awards.reading() as uow:
            issued = await uow.store.decisions_issued()
        by_level: dict[str, int] = {}
        for issuer, count in issued:  # the issuer's level as its decisions recorded it
            by_level[issuer.level] = by_level.get(issuer.level, 0) + int(count)
        c.set("thidua_awards_decisions_issued_total", [((level,), n) for level, n in sorted(by_level.items())])

    sampler.add(refresh)
