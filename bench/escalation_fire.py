"""Escalation's own cost: review's timer loop firing 10,000 `escalate` timers due at once, without NATS or the relay.

Run: PYTHONPATH=. .venv/bin/python bench/escalation_fire.py [tasks] [--runs N] [--profile FILE] [--approvers]
     [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

The tasks are opened once through review's own handler (as bench/escalation_lateness.py does, with the reminders
before the due date fired) into a seed database kept between runs (a file under the temp directory, or a PostgreSQL
database `escalation_seed_<tasks>`); each run works on a fresh copy (a copied file, or CREATE DATABASE ... TEMPLATE).
A run calls TimerLoop.run_once on a clock frozen one second after the due instant until no timer is left, and prints
the process CPU time (every thread: the SQLite driver's included) and the wall time. `--approvers` gives every unit
on the path two approvers first, so each escalation also writes four notes and their NotificationIssued events.
Run from a copy of another commit with PYTHONPATH pointing at it to compare the two on the same seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (bench/escalation_fire.py): the repository's root, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import cProfile
import pstats
import shutil
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench.escalation_lateness import OPENED, submission
from services.review import store
from services.review.timers import TimerLoop
from services.review.usecases import intake, rosters
from services.review.usecases.context import ReviewContext
from shared.contracts.events import UnitApproversChanged
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from shared.platform.runtime import settle_heap
from shared.platform.service import ServiceContext
from shared.platform.settings import ServiceSettings
from shared.rules.reference import UnitTree, load_units

UNIT = "HN-SONTAY-DST"


def context(url: str, at: datetime) -> ServiceContext:
    settings = ServiceSettings(service="review", database_url=url)
    return ServiceContext(engine=make_engine(url), clock=FixedClock(at), settings=settings, rules=settings.rulebook())


async def seed(url: str, count: int, approvers: bool) -> None:
    await asyncio.to_thread(upgrade, "review", url)
    ctx = context(url, OPENED)
    review = ReviewContext.of(ctx)
    path = UnitTree(load_units()).path(UNIT)
    if approvers:
        for unit in path:
            people = [{"user_id": f"u-{unit.code}-{n}", "full_name": f"Lãnh đạo {n} {unit.short_name}"} for n in (1, 2)]
            change = UnitApproversChanged(occurred_at=OPENED - timedelta(days=1), unit_code=unit.code, approvers=people)
            await rosters.on_approvers_changed(review, change)
    for i in range(count):
        await intake.on_submitted(review, submission(path, i))
    async with ctx.engine.connect() as conn:
        due = await conn.scalar(sa.select(sa.func.max(store.tasks.c.due_at)))
    assert isinstance(due, datetime)
    await ctx.engine.dispose()
    warmup = context(url, due - timedelta(seconds=5))  # the reminders before the due instant
    loop = TimerLoop(warmup, instance="warmup")
    while await loop.run_once():
        pass
    await warmup.engine.dispose()


async def due_instant(url: str) -> datetime:
    engine = make_engine(url)
    async with engine.connect() as conn:
        due = await conn.scalar(sa.select(sa.func.max(store.tasks.c.due_at)))
    await engine.dispose()
    assert isinstance(due, datetime)
    return due


async def admin(url: str, *statements: str) -> None:
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)
    await engine.dispose()


async def fresh_copy(count: int, approvers: bool, database_url: str | None, run: int) -> str:
    """A copy of the seed for one run (the seed made first when there is none)."""
    name = f"escalation_seed_{count}{'_approvers' if approvers else ''}"
    if database_url is None:
        seed_file = Path(tempfile.gettempdir()) / f"thidua-{name}.db"
        if not seed_file.exists():
            partial = seed_file.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            await seed(f"sqlite+aiosqlite:///{partial}", count, approvers)
            partial.rename(seed_file)
        target = Path(tempfile.mkdtemp(prefix="thidua-fire-")) / "review.db"
        shutil.copyfile(seed_file, target)
        return f"sqlite+aiosqlite:///{target}"
    base = make_url(database_url)
    engine = make_engine(database_url)
    async with engine.connect() as conn:
        exists = await conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    await engine.dispose()
    if not exists:
        await admin(database_url, f'DROP DATABASE IF EXISTS "{name}_partial"', f'CREATE DATABASE "{name}_partial"')
        await seed(base.set(database=f"{name}_partial").render_as_string(hide_password=False), count, approvers)
        await admin(database_url, f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    copy = f"escalation_run_{run}"
    await admin(database_url, f'DROP DATABASE IF EXISTS "{copy}"', f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    return base.set(database=copy).render_as_string(hide_password=False)


async def fire_all(url: str, profile: Path | None) -> tuple[float, float, int]:
    due = await due_instant(url)
    ctx = context(url, due + timedelta(seconds=1))
    loop = TimerLoop(ctx, instance="bench")
    async with ctx.engine.connect() as conn:  # the pool's connection opened before the clock starts
        await conn.scalar(sa.select(1))
    settle_heap()  # as review's runtime does before it starts its workers
    profiler = cProfile.Profile() if profile else None
    cpu, wall, own = time.process_time(), time.perf_counter(), time.thread_time()
    if profiler:
        profiler.enable()
    handled = 0
    while batch := await loop.run_once():
        handled += batch
    if profiler:
        profiler.disable()
    cpu, wall, own = time.process_time() - cpu, time.perf_counter() - wall, time.thread_time() - own
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(str(profile)).sort_stats("cumulative").print_stats(45)
    async with ctx.engine.connect() as conn:
        escalated = await conn.scalar(
            sa.select(sa.func.count()).select_from(store.timers).where(store.timers.c.outcome.startswith("escalated"))
        )
    await ctx.engine.dispose()
    print(f"  event loop's thread: CPU {own:.2f} s (the rest of the CPU: SQLite's driver thread; none on PostgreSQL)")
    return cpu, wall, int(escalated or 0)


async def main(count: int, runs: int, profile: Path | None, approvers: bool, database_url: str | None) -> None:
    for run in range(runs):
        url = await fresh_copy(count, approvers, database_url, run)
        cpu, wall, escalated = await fire_all(url, profile)
        each = wall / max(1, escalated) * 1e3
        print(f"run {run + 1}: {escalated} escalated, CPU {cpu:.2f} s, wall {wall:.2f} s ({each:.3f} ms each)")
        if database_url is not None:
            await admin(database_url, f'DROP DATABASE IF EXISTS "escalation_run_{run}"')


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks", nargs="?", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="cProfile the run(s) into this file and print the top")
    parser.add_argument("--approvers", action="store_true", help="two approvers at every unit of the path")
    parser.add_argument(
        "--database-url", help="PostgreSQL to copy seeds in, e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.runs, args.profile, args.approvers, args.database_url))
