"""Review's figures for operations: queue depth, oldest task and overdue tasks per unit, at scrape
time for Prometheus and on request for the ops page (`ops_queues`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from services.review.store.records import UnitQueue
from services.review.usecases.context import ReviewContext
from shared.contracts.events import Actor
from shared.contracts.operations.review import LevelFigures, OpsQueues, QueuesQuery, UnitFigures
from shared.contracts.values import LEVEL_NAMES_VI, Level
from shared.platform.observability import require_operations

DECIDED_WINDOW = timedelta(days=30)


async def queue_figures(review: ReviewContext, now: datetime) -> list[UnitQueue]:
    async with review.reading() as uow:
        return await uow.tasks.queue_figures(now)


async def ops_queues(review: ReviewContext, actor: Actor, query: QueuesQuery) -> OpsQueues:
    """The slowest units first: by the age of the oldest task waiting in their queue, with the average
    time their tasks took to be decided over the last 30 days."""
    require_operations(actor)
    now = review.clock.now()
    async with review.reading() as uow:
        figures = await uow.tasks.queue_figures(now)
        decided = await uow.tasks.decided_since(now - DECIDED_WINDOW)
    durations: dict[str, list[float]] = {}
    for task in decided:
        durations.setdefault(task.queue_unit_code, []).append((task.decided_at - task.opened_at).total_seconds())
    units = sorted(figures, key=lambda f: f.oldest_opened_at)[: query.limit]
    return OpsQueues(
        at=now,
        total_tasks=sum(f.depth for f in figures),
        total_overdue=sum(f.overdue for f in figures),
        by_level=_by_level(figures),
        slowest=[
            UnitFigures(
                unit_code=f.unit_code,
                unit_name=f.name,
                level=f.level,
                level_name=LEVEL_NAMES_VI.get(f.level, f.level),
                depth=f.depth,
                overdue=f.overdue,
                oldest_age_seconds=round((now - f.oldest_opened_at).total_seconds()),
                decided_30d=len(durations.get(f.unit_code, [])),
                avg_decision_seconds=round(sum(d) / len(d)) if (d := durations.get(f.unit_code)) else None,
            )
            for f in units
        ],
    )


def _by_level(figures: list[UnitQueue]) -> dict[Level, LevelFigures]:
    levels: dict[Level, LevelFigures] = {}
    for f in figures:
        level = levels.setdefault(cast(Level, f.level), LevelFigures(depth=0, overdue=0))  # a UnitRef's level
        level.depth += f.depth
        level.overdue += f.overdue
    return levels
