"""Review's queue figures for Prometheus, read at scrape time (the ops page asks `usecases.ops`)."""

from __future__ import annotations

from services.review.usecases.context import ReviewContext
from services.review.usecases.ops import queue_figures
from shared.platform.observability import Sampler
from shared.platform.service import ServiceContext


def register_metrics(ctx: ServiceContext, sampler: Sampler) -> None:
    review = ReviewContext.of(ctx)
    c = sampler.collector
    labels = ["unit", "level"]
    c.declare("thidua_review_queue_depth_tasks", "Open and claimed tasks held in the unit's queue", "gauge", labels)
    c.declare("thidua_review_oldest_task_age_seconds", "Age of the oldest task held in the unit's queue", "gauge", labels)
    c.declare("thidua_review_overdue_tasks", "Tasks held in the unit's queue past their due date (SLA breaches)", "gauge", labels)

    async def refresh() -> None:
        now = review.clock.now()
        figures = await queue_figures(review, now)
        keyed = [((q.unit_code, q.level), q) for q in figures]
        c.set("thidua_review_queue_depth_tasks", [(k, q.depth) for k, q in keyed])
        c.set("thidua_review_oldest_task_age_seconds", [(k, (now - q.oldest_opened_at).total_seconds()) for k, q in keyed])
        c.set("thidua_review_overdue_tasks", [(k, q.overdue) for k, q in keyed])

    sampler.add(refresh)
