"""What a running service tells operations: Prometheus figures read at scrape time, and its readiness.

Figures that live in a database or in JetStream (outbox backlog, consumer lag, queue depth, decisions)
are read when Prometheus scrapes, by `Sampler.refresh`, and served from a collector that holds the last
reading; a label set that disappears (a unit whose queue emptied) disappears from /metrics with it.

Every instance also writes its readiness every few seconds to a JetStream key-value bucket: see
`shared.platform.instances`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.subjects import ConsumerDef
from shared.platform.db import reading
from shared.platform.faults import describe
from shared.platform.outbox import outbox_backlog

log = logging.getLogger("thidua.observability")

REFRESH_TIMEOUT_SECONDS = 5.0
READINESS_TIMEOUT_SECONDS = 3.0

Kind = Literal["gauge", "counter"]


@dataclass
class Family:
    name: str
    doc: str
    kind: Kind
    labels: tuple[str, ...]
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def metric(self) -> Metric:
        family: GaugeMetricFamily | CounterMetricFamily
        if self.kind == "counter":
            family = CounterMetricFamily(self.name.removesuffix("_total"), self.doc, labels=self.labels)
        else:
            family = GaugeMetricFamily(self.name, self.doc, labels=self.labels)
        for values, value in self.samples:
            family.add_metric(list(values), value)
        return family


class SampledCollector(Collector):
    """Serves the families of the last reading; a reading replaces a family's samples as a whole."""

    def __init__(self) -> None:
        self.families: dict[str, Family] = {}

    def declare(self, name: str, doc: str, kind: Kind, labels: Sequence[str]) -> None:
        self.families[name] = Family(name, doc, kind, tuple(labels))

    def set(self, name: str, samples: Iterable[tuple[Sequence[str], float]]) -> None:
        self.families[name].samples = [(tuple(values), float(value)) for values, value in samples]

    def collect(self) -> Iterable[Metric]:
        return [f.metric() for f in self.families.values()]


Refresh = Callable[[], Awaitable[None]]


class Sampler:
    """Reads the figures a service shows at scrape time: its outbox, its consumers' lag, and its own."""

    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        self.service = service
        self.collector = SampledCollector()
        registry.register(self.collector)
        self.refreshers: list[Refresh] = []

    def add(self, refresh: Refresh) -> None:
        self.refreshers.append(refresh)

    async def refresh(self) -> None:
        """Every reader gets its chance; one failing (database down) leaves its figures as they were."""
        for refresh in self.refreshers:
            try:
                await asyncio.wait_for(refresh(), REFRESH_TIMEOUT_SECONDS)
            except Exception:
                log.warning("metrics.refresh_failed", extra={"service": self.service}, exc_info=True)

    def watch_outbox(self, engine: AsyncEngine, outbox: sa.Table, now: Callable[[], datetime]) -> None:
        c = self.collector
        c.declare("thidua_outbox_pending_rows", "Outbox rows not yet published", "gauge", ["service"])
        c.declare(
            "thidua_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none)",
            "gauge",
            ["service"],
        )

        async def refresh() -> None:
            pending, oldest = await outbox_backlog(engine, outbox)
            age = (now() - oldest).total_seconds() if oldest is not None else 0.0
            c.set("thidua_outbox_pending_rows", [((self.service,), pending)])
            c.set("thidua_outbox_oldest_pending_age_seconds", [((self.service,), max(age, 0.0))])

        self.add(refresh)

    def watch_consumers(self, js: Callable[[], JetStreamContext], consumers: Sequence[ConsumerDef]) -> None:
        c = self.collector
        c.declare(
            "thidua_jetstream_consumer_pending_messages",
            "Messages in the stream not yet delivered to the durable consumer",
            "gauge",
            ["stream", "durable"],
        )
        c.declare(
            "thidua_jetstream_consumer_ack_pending_messages",
            "Messages delivered to the durable consumer and not yet acknowledged",
            "gauge",
            ["stream", "durable"],
        )

        async def refresh() -> None:
            pending, ack_pending = [], []
            for consumer in consumers:
                info = await js().consumer_info(consumer.stream.name, consumer.durable)
                labels = (consumer.stream.name, consumer.durable)
                pending.append((labels, float(info.num_pending or 0)))
                ack_pending.append((labels, float(info.num_ack_pending or 0)))
            c.set("thidua_jetstream_consumer_pending_messages", pending)
            c.set("thidua_jetstream_consumer_ack_pending_messages", ack_pending)

        if consumers:
            self.add(refresh)


async def readiness(
    service: str,
    instance: str,
    broker: NatsBroker,
    engine: AsyncEngine,
    outbox: sa.Table,
    head_revision: str,
    now: datetime,
    *,
    waiting: Mapping[str, str] | None = None,
    answer_within: float = READINESS_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """What /readyz answers and the heartbeat carries: NATS reachable, database reachable, migrations
    current, and the outbox backlog; when not ready, `reason` says why. `waiting` names the consumers
    waiting out an outage and what they saw (shown, not a condition: the probes are)."""
    checks: dict[str, Any] = {"service": service, "instance": instance, "nats": await broker.ping(timeout=2.0)}
    reasons = [] if checks["nats"] else ["nats: không kết nối được NATS"]
    try:
        async with asyncio.timeout(answer_within):  # a stopped database accepts connections and never answers
            async with reading(engine) as conn:  # on SQLite, not behind a long writer: the database is up
                current = await conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
            checks["database"] = True
            checks["migrations_current"] = current == head_revision
            if not checks["migrations_current"]:
                reasons.append(f"migrations: cơ sở dữ liệu ở {current}, mã nguồn cần {head_revision}")
            pending, oldest = await outbox_backlog(engine, outbox)
        checks["outbox_pending"] = pending
        checks["outbox_oldest_age_seconds"] = round(max((now - oldest).total_seconds(), 0.0), 1) if oldest else 0.0
    except Exception as exc:
        checks["database"] = False
        error = f"không trả lời trong {answer_within:.0f} giây" if isinstance(exc, TimeoutError) else describe(exc)
        checks["error"] = error
        reasons.append(f"database: {error}")
    if waiting:
        checks["waiting"] = dict(waiting)
    checks["ready"] = bool(checks["nats"] and checks["database"] and checks.get("migrations_current"))
    if not checks["ready"]:
        checks["reason"] = "; ".join(reasons) or "không rõ"
    return checks


def require_operations(actor: Actor) -> None:
    """Operations figures are for the `ops` and `admin` roles; the owning service checks it."""
    if not actor.sees_everything():
        raise Forbidden("Chỉ cán bộ vận hành hoặc quản trị hệ thống xem được số liệu vận hành", code="ops_only")
