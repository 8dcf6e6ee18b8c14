"""The whole pipeline at a glance, as the ops page and `thidua ops status` show it.

Read from NATS only, so that it works while any one service is down: instances from their heartbeats
(`thidua_instances` bucket), consumer lag from the JetStream API, dead letters from the DEADLETTER
stream, and the figures only the owning services know (nominations per stage, queues per unit) through
their `ops_*` requests. Anything that cannot be read becomes a problem in the list, never an exception.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from pydantic import BaseModel, Field

from shared.contracts.errors import DomainError
from shared.contracts.operations import SERVICE_NAMES_VI as SERVICES_VI
from shared.contracts.subjects import CONSUMERS
from shared.platform.deadletters import dead_letter_counts
from shared.platform.defaults import SERVICES
from shared.platform.instances import InstanceStatus, read_instances

Call = Callable[[str, str, dict[str, Any]], Awaitable[Any]]

SERVICE_NAMES_VI = {**SERVICES_VI, "portal": "Cổng"}


class Thresholds(BaseModel):
    consumer_lag: int = Field(default=1000, ge=0, description="messages not yet delivered to a consumer")
    outbox_age_seconds: float = Field(default=60.0, ge=0, description="age of the oldest unpublished outbox row")
    dead_letters: int = Field(default=0, ge=0, description="dead letters tolerated before it counts as a problem")


class ConsumerLag(BaseModel):
    stream: str
    durable: str
    service: str
    pending: int | None = None
    ack_pending: int | None = None
    redelivered: int | None = None
    error: str | None = None


class ServiceHealth(BaseModel):
    service: str
    name: str
    instances: int
    ready: int
    outbox_pending: int
    outbox_oldest_age_seconds: float


class OpsStatus(BaseModel):
    at: datetime
    healthy: bool
    problems: list[str]
    services: list[ServiceHealth]
    instances: list[InstanceStatus]
    consumers: list[ConsumerLag]
    dead_letters: dict[str, int]
    pipeline: dict[str, Any] | None = None
    queues: dict[str, Any] | None = None


async def consumer_lags(js: JetStreamContext) -> list[ConsumerLag]:
    lags = []
    for c in CONSUMERS:
        lag = ConsumerLag(stream=c.stream.name, durable=c.durable, service=c.durable.split("-")[0])
        try:
            info = await js.consumer_info(c.stream.name, c.durable)
            lag.pending, lag.ack_pending, lag.redelivered = (
                info.num_pending or 0,
                info.num_ack_pending or 0,
                info.num_redelivered or 0,
            )
        except Exception as exc:  # not created yet (its service never started) or NATS unreachable
            lag.error = type(exc).__name__
        lags.append(lag)
    return lags


def service_health(instances: list[InstanceStatus]) -> list[ServiceHealth]:
    health = []
    for service in SERVICES:
        mine = [i for i in instances if i.service == service]
        health.append(
            ServiceHealth(
                service=service,
                name=SERVICE_NAMES_VI.get(service, service),
                instances=len(mine),
                ready=sum(1 for i in mine if i.ready),
                outbox_pending=max((int(i.checks.get("outbox_pending") or 0) for i in mine), default=0),
                outbox_oldest_age_seconds=max((float(i.checks.get("outbox_oldest_age_seconds") or 0) for i in mine), default=0.0),
            )
        )
    return health


def instance_problems(instances: list[InstanceStatus]) -> list[str]:
    """An instance that is not ready, with the reason it gives; a consumer of it waiting out an outage."""
    problems = []
    for i in instances:
        if not i.ready:
            failing = ", ".join(k for k in ("nats", "database", "migrations_current") if not i.checks.get(k))
            reason = i.checks.get("reason") or failing or "không rõ"
            problems.append(f"Phiên bản {i.service}@{i.instance}: chưa sẵn sàng ({reason})")
        for durable, why in (i.checks.get("waiting") or {}).items():
            problems.append(f"Phiên bản {i.service}@{i.instance}: consumer {durable} chờ hệ thống phục hồi ({why})")
    return problems


async def collect(js: JetStreamContext, call: Call | None, thresholds: Thresholds | None = None) -> OpsStatus:
    """Everything the ops page shows; `call(service, operation, params)` asks a service (None: skip)."""
    limits = thresholds or Thresholds()
    problems: list[str] = []
    try:
        instances = await read_instances(js)
    except Exception as exc:  # NATS unreachable or the bucket unreadable: every service then looks down
        instances = []
        problems.append(f"Không đọc được nhịp tim các phiên bản (thidua_instances): {type(exc).__name__}")
    services = service_health(instances)
    for s in services:
        if s.ready == 0:
            problems.append(f"Dịch vụ {s.name} ({s.service}): không có phiên bản nào sẵn sàng")
        if s.outbox_oldest_age_seconds > limits.outbox_age_seconds:
            problems.append(
                f"Dịch vụ {s.name}: {s.outbox_pending} sự kiện chưa gửi, cũ nhất {s.outbox_oldest_age_seconds:.0f} giây (outbox)"
            )
    problems.extend(instance_problems(instances))
    consumers = await consumer_lags(js)
    for lag in consumers:
        if lag.error:
            problems.append(f"Consumer {lag.durable}: không đọc được ({lag.error})")
        elif (lag.pending or 0) > limits.consumer_lag:
            problems.append(f"Consumer {lag.durable}: tồn {lag.pending} tin chưa xử lý")
    try:
        dead = await dead_letter_counts(js)
    except Exception as exc:
        dead = {}
        problems.append(f"Không đọc được hàng thư lỗi (DEADLETTER): {type(exc).__name__}")
    total_dead = sum(dead.values())
    if total_dead > limits.dead_letters:
        problems.append(f"{total_dead} thư lỗi chờ xử lý (.venv/bin/thidua dlq list)")
    pipeline = queues = None
    if call is not None:
        pipeline = await _ask(call, "registration", "ops_pipeline", {"days": 30}, problems)
        queues = await _ask(call, "review", "ops_queues", {"limit": 10}, problems)
    return OpsStatus(
        at=datetime.now(UTC),
        healthy=not problems,
        problems=problems,
        services=services,
        instances=instances,
        consumers=consumers,
        dead_letters=dead,
        pipeline=pipeline,
        queues=queues,
    )


async def _ask(call: Call, service: str, operation: str, params: dict[str, Any], problems: list[str]) -> Any:
    try:
        return await call(service, operation, params)
    except DomainError as exc:
        problems.append(f"Dịch vụ {SERVICE_NAMES_VI.get(service, service)}: {exc.title}")
    except Exception as exc:
        problems.append(f"Dịch vụ {SERVICE_NAMES_VI.get(service, service)}: {type(exc).__name__}")
    return None


def age(seconds: Any) -> str:
    """How long, as the ops page and `thidua ops status` print it: '45 giây', '12 phút', '5 giờ', '3 ngày'."""
    if seconds is None or seconds == "":
        return "—"
    n = int(float(seconds))
    if n < 120:
        return f"{n} giây"
    if n < 7_200:
        return f"{n // 60} phút"
    if n < 172_800:
        return f"{n // 3_600} giờ"
    return f"{n // 86_400} ngày"
