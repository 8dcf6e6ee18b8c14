"""How long awards' report takes over a registry at the seeds' scale (and ten times it).

Run: .venv/bin/python bench/reports.py [entries] [repetitions] [--database-url URL]

Builds a fresh awards database (SQLite file by default; or a PostgreSQL URL), fills it with the rows
`thidua seed-reports` generates (the same generator, repeated with other seeds past 16.788 rows), written
straight through the store's `add_entries` (a benchmark shortcut: the RPC path is measured by the
seed-reports timing), then times the report use case for Sơn Tây 2024, Thanh Xuân 2024 (285 units below),
Hà Nội over every year and a filtered query. Baselines from the same run: a bare COUNT(*) over the registry and
the bare grouped SQL of one report without the join.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Set
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from services.awards import store
from services.awards.domain.grassroots import register_award
from services.awards.domain.register import RegisterEntry
from services.awards.usecases import reports
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitPaths
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations.awards import ReportQuery
from shared.contracts.values import UnitRef
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from shared.platform.service import ServiceContext
from shared.platform.settings import RuleSources, ServiceSettings
from shared.rules.reference import base_salary_on
from thidua.seedreports import cdcs_by_parent, demo_entries

OPS = Actor(user_id="u-ops", username="ops", roles=(RoleGrant(role="ops"),))
PARENTS = {
    "HN-SONTAY": UnitRef(code="HN-SONTAY", name="LĐLĐ thị xã Sơn Tây", short_name="LĐLĐ Sơn Tây", level="district"),
    "HN-THANHXUAN": UnitRef(code="HN-THANHXUAN", name="LĐLĐ quận Thanh Xuân", short_name="LĐLĐ Thanh Xuân", level="district"),
}
HN = UnitRef(code="HN", name="LĐLĐ TP Hà Nội", short_name="LĐLĐ HN", level="city")
TLD = UnitRef(code="TLD", name="Tổng LĐLĐ Việt Nam", short_name="Tổng LĐLĐ", level="national")


class BenchUnits:
    """The unit directory as far as the reports timed here need it (each names its unit; the root is TLD)."""

    async def paths(self, actor: Actor, code: str, dates: Set[date]) -> UnitPaths:
        raise NotImplementedError("the reports timed here ask for no unit path")

    async def root(self, actor: Actor) -> UnitRef:
        return TLD


def entries(count: int) -> list[RegisterEntry]:
    made: list[RegisterEntry] = []
    files = RuleSources().rulebook().catalog_files()
    seed = 2024
    while len(made) < count:
        sectors = {code: (parent, s) for parent, units in cdcs_by_parent(seed).items() for code, s in units.items()}
        for code, rows in demo_entries(seed).items():
            parent, sector = sectors[code]
            path = [UnitRef(code=code, name=code, short_name=code, level="grassroots"), PARENTS[parent], HN, TLD]
            for r in rows:
                on = date.fromisoformat(r["decided_on"])
                award = register_award(r["award_code"], on, files)
                assert award is not None
                coefficient = award.coefficient_for(r["nominee_kind"])
                base = base_salary_on(on)
                made.append(
                    RegisterEntry(
                        id=str(uuid.uuid4()),
                        source="grassroots",
                        award=award,
                        level="grassroots",
                        nominee={"kind": r["nominee_kind"], "name": r["nominee_name"]},
                        unit_path=path,
                        sector=sector,
                        period=str(on.year),
                        decided_on=on,
                        coefficient=str(coefficient),
                        base_salary_vnd=base,
                        prize_amount_vnd=int(coefficient * base),
                    )
                )
        seed += 1
    return made[:count]


async def timed(label: str, runs: int, call: object) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        await call()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(samples)
    print(f"  {label:<58} p50 {p50:8.1f} ms   max {max(samples):8.1f} ms")
    return p50


async def main(count: int, runs: int, url: str) -> None:
    await asyncio.to_thread(upgrade, "awards", url)
    engine = make_engine(url)
    ctx = ServiceContext(
        engine=engine,
        clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)),
        settings=ServiceSettings(service="awards", database_url=url),
        rules=RuleSources().rulebook(),
    )
    rows = entries(count)
    start = time.perf_counter()
    for i in range(0, len(rows), 2000):
        async with store.SqlUnitOfWork(engine) as uow:
            await uow.store.add_entries(rows[i : i + 2000])
            await uow.commit()
    took = time.perf_counter() - start
    print(f"{len(rows):,} entries ({len(rows) * 4:,} scope rows) written in {took:.1f} s on {engine.dialect.name}")

    async def bare_count() -> None:
        async with engine.connect() as conn:
            await conn.scalar(sa.select(sa.func.count()).select_from(store.registry))

    async def bare_range() -> None:
        s = store.registry_scopes
        async with engine.connect() as conn:
            await conn.scalar(sa.select(sa.func.count()).select_from(s).where(s.c.unit_code == "HN"))

    async def bare_grouped() -> None:
        s = store.registry_scopes
        async with engine.connect() as conn:
            await conn.execute(
                sa.select(s.c.child_code, sa.func.count()).where(s.c.unit_code == "HN-THANHXUAN").group_by(s.c.child_code)
            )

    def report(params: dict[str, object]) -> object:
        return lambda: reports.report(AwardsContext.of(ctx), BenchUnits(), OPS, ReportQuery.model_validate(params))

    print("Baselines (same run):")
    await timed("SELECT COUNT(*) FROM registry", runs, bare_count)
    await timed("COUNT(*) of Hà Nội's scope range (every entry)", runs, bare_range)
    await timed("Thanh Xuân's scope range grouped by unit", runs, bare_grouped)
    print("Reports:")
    await timed("Sơn Tây, năm 2024", runs, report({"unit_code": "HN-SONTAY", "year": 2024}))
    await timed("Thanh Xuân, năm 2024 (285 CĐCS below)", runs, report({"unit_code": "HN-THANHXUAN", "year": 2024}))
    await timed("Hà Nội, every year", runs, report({"unit_code": "HN"}))
    await timed("Tổng LĐLĐ (ops default), every year", runs, report({}))
    await timed(
        "Hà Nội 2025, sáng kiến, doanh nghiệp",
        runs,
        report({"unit_code": "HN", "year": 2025, "award_code": "sang_kien_co_so", "sector": "enterprise"}),
    )
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("entries", type=int, nargs="?", default=16_788)
    parser.add_argument("repetitions", type=int, nargs="?", default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'awards.db'}"
        asyncio.run(main(args.entries, args.repetitions, url))
