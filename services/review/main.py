"""Composition root of review: nothing connects at import time."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from services.review import opsview, routes, store
from services.review.timers import TimerLoop, TimerMetrics
from shared.contracts.subjects import REVIEW_FROM_PORTAL, REVIEW_FROM_REGISTRATION
from shared.platform.runtime import ServiceSpec, Worker
from shared.platform.schemahead import head_revision
from shared.platform.service import ServiceContext


def workers(ctx: ServiceContext, registry: CollectorRegistry) -> Sequence[Worker]:
    loop = TimerLoop(
        ctx, instance=ctx.settings.instance, metrics=TimerMetrics(registry), poll_interval=ctx.settings.timer_poll_seconds
    )
    return (loop,)


SPEC = ServiceSpec(
    name="review",
    outbox=store.outbox,
    idempotency_keys=store.idempotency_keys,
    consumers=(REVIEW_FROM_REGISTRATION, REVIEW_FROM_PORTAL),
    wire=routes.wire,
    head_revision=lambda: head_revision("review"),
    workers=workers,
    metrics=opsview.register_metrics,
)
