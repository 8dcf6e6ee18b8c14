"""What consuming one event costs a service before its handler does anything: CPU per message through the project's
`EventConsumer` (decode, log context, ack) on a FastStream broker, bare and with the middlewares every service runs
(Prometheus, OpenTelemetry), beside a bare nats-py pull consumer fetching and acking the same messages, in the same run.

Run: .venv/bin/python bench/consumer_overhead.py [messages] [rounds]

A nats-server (the wheel's) in a temporary directory; `messages` NominationWithdrawn events published once into the
REGISTRATION stream; each variant then reads all of them through its own new durable, with a handler that only counts.
CPU is this process's user+system time from the first fetch to the last handler call (the broker's own start-up
excluded), divided by the messages; rounds alternate the variants so that machine noise falls on each alike.
Figures only: no pass or fail. Issue 20's finding: every event a service takes costs it this much, so a service
should take only the events it handles (ConsumerDef.subjects) and nothing per message should hop to a thread.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import nats
from faststream.nats import NatsRouter
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from prometheus_client import CollectorRegistry

from shared.contracts import subjects
from shared.contracts.actors import SYSTEM_ACTOR
from shared.contracts.events import NominationWithdrawn
from shared.contracts.subjects import ConsumerDef
from shared.platform.messaging import EventConsumer, make_broker
from shared.platform.topology import ensure_consumer, ensure_streams
from thidua.natsserver import NatsServer, free_port

VARIANTS = ("bare nats-py pull+ack", "EventConsumer, no middleware", "EventConsumer, Prometheus+OpenTelemetry")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def durable(name: str) -> ConsumerDef:
    return ConsumerDef(name, subjects.REGISTRATION_STREAM, (subjects.NOMINATION_WITHDRAWN,))


async def bare(url: str, consumer: ConsumerDef, count: int) -> float:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_consumer(js, consumer)
        sub = await js.pull_subscribe_bind(consumer.durable, consumer.stream.name)
        seen, start = 0, cpu_seconds()
        while seen < count:
            for msg in await sub.fetch(1, timeout=5):
                await msg.ack()
                seen += 1
        return (cpu_seconds() - start) / count
    finally:
        await nc.close()


async def through_event_consumer(url: str, consumer: ConsumerDef, count: int, *, middlewares: bool) -> float:
    nc = await nats.connect(url)
    await ensure_consumer(nc.jetstream(), consumer)
    await nc.close()
    done, seen = asyncio.Event(), 0

    async def handler(event: NominationWithdrawn) -> None:
        nonlocal seen
        seen += 1
        if seen == count:
            done.set()

    extra = (
        {"middlewares": (NatsPrometheusMiddleware(registry=CollectorRegistry(), app_name="bench"), NatsTelemetryMiddleware())}
        if middlewares
        else {}
    )
    broker = make_broker(url, "bench", **extra)
    router = NatsRouter()
    EventConsumer(broker, "bench", consumer, {NominationWithdrawn: handler}).register(router)
    broker.include_router(router)
    await broker.start()
    start = cpu_seconds()
    try:
        await asyncio.wait_for(done.wait(), 600)
        return (cpu_seconds() - start) / count
    finally:
        await broker.stop()


async def main(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = NatsServer(free_port(), Path(tmp) / "nats").start()
        try:
            nc = await nats.connect(server.url)
            js = nc.jetstream()
            await ensure_streams(js)
            for i in range(count):
                event = NominationWithdrawn(occurred_at=datetime.now(UTC), actor=SYSTEM_ACTOR, nomination_id=f"n-{i}")
                await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(event.event_id)})
            await nc.close()
            runs: dict[str, Callable[[ConsumerDef], Awaitable[float]]] = {
                VARIANTS[0]: lambda c: bare(server.url, c, count),
                VARIANTS[1]: lambda c: through_event_consumer(server.url, c, count, middlewares=False),
                VARIANTS[2]: lambda c: through_event_consumer(server.url, c, count, middlewares=True),
            }
            figures: dict[str, list[float]] = {name: [] for name in VARIANTS}
            started = time.perf_counter()
            for r in range(rounds):
                for i, (name, run) in enumerate(runs.items()):
                    figures[name].append(await run(durable(f"bench-{r}-{i}")))
            print(f"{count:,} events per variant, {rounds} rounds ({time.perf_counter() - started:.0f} s); CPU per event, ms")
            print(f"{'variant':44s} {'median':>8s} {'min':>8s} {'max':>8s}")
            for name, values in figures.items():
                ms = [v * 1000 for v in values]
                print(f"{name:44s} {statistics.median(ms):8.3f} {min(ms):8.3f} {max(ms):8.3f}")
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 3))
