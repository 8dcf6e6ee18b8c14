"""Review's clock-driven entry point: the loop that fires the persisted timers, and its metrics.

What a timer does is the escalation use case's (`usecases.escalation`): this loop only polls, counts and
reports. It polls every `poll_interval` seconds of real time, reading the service's clock, or sooner when a pass saw
the next timer fall due before then; while a pass finds a full batch due it goes on at once. Several replicas share
the work, each timer acted on exactly once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.review.usecases.context import ReviewContext
from services.review.usecases.escalation import FiredTimer, ensure_scheduled, fire_due_timers
from shared.platform.service import ServiceContext

log = logging.getLogger("thidua.review.timers")

MIN_PAUSE = 0.01  # seconds


class TimerMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        kwargs: dict[str, Any] = {"registry": registry}  # None: not registered anywhere (tests)
        self.lateness = Histogram(
            "thidua_review_timer_lateness_seconds",
            "Time from a timer's due moment to the commit that acted on it (escalation lateness for kind=escalate)",
            ["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, float("inf")),
            **kwargs,
        )
        self.fired = Counter("thidua_review_timers_fired", "Timers acted on, by kind and outcome", ["kind", "outcome"], **kwargs)
        self.escalations = Counter(
            "thidua_review_escalations", "Superiors alerted to an overdue task (escalation by authority)", ["reason"], **kwargs
        )
        self.reminders = Counter("thidua_review_reminders", "Reminder events sent", ["kind"], **kwargs)
        self.failures = Counter("thidua_review_timer_failures", "Timer actions that raised (retried later)", ["kind"], **kwargs)


class TimerLoop:
    """Fires due timers: polls every `poll_interval` seconds of real time (or at the next timer's moment, if sooner),
    reading the service's clock; `batch_size` timers per transaction."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        instance: str,
        metrics: TimerMetrics | None = None,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.ctx = ctx
        self.review = ReviewContext.of(ctx)
        self.instance = instance
        self.metrics = metrics or TimerMetrics(None)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None
        self._next_at: datetime | None = None  # the next timer's moment, as the last pass saw it
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="review-timers")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        try:
            scheduled = await ensure_scheduled(self.review)
            if scheduled:
                log.info("timers.backfilled", extra={"tasks": scheduled})
        except Exception:
            log.exception("timers.backfill_failed")
        while not self._stopping.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("timers.loop_failed")
                handled = 0
            if handled == self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._pause())

    def _pause(self) -> float:
        """Until the next timer falls due by the service's clock, if sooner than the poll interval: a timer is acted on
        at its moment, not up to a poll later (never less than MIN_PAUSE: a frozen test clock does not move)."""
        if self._next_at is None:
            return self.poll_interval
        until = (self._next_at - self.review.clock.now()).total_seconds()
        return min(self.poll_interval, max(MIN_PAUSE, until))

    async def run_once(self) -> int:
        """Fire up to `batch_size` due timers in one transaction; returns how many were handled."""
        run = await fire_due_timers(self.review, instance=self.instance, batch_size=self.batch_size)
        self._next_at = run.next_at
        committed = self.review.clock.now()
        for timer in run.failed:
            self.metrics.failures.labels(timer.kind).inc()
        self._observe(run.fired, committed)
        return run.handled

    def _observe(self, fired: Sequence[FiredTimer], committed: datetime) -> None:
        """A pass's timers in the metrics: counted by kind and outcome, each one's lateness observed."""
        for (kind, outcome), count in collections.Counter((f.kind, f.outcome) for f in fired).items():
            self.metrics.fired.labels(kind, outcome.split(":", maxsplit=1)[0]).inc(count)
            if outcome.startswith("escalated:"):
                self.metrics.escalations.labels(outcome.split(":")[1]).inc(count)
            elif outcome.startswith("reminded:"):
                self.metrics.reminders.labels(kind).inc(count)
        lateness: dict[str, Any] = {}  # kind -> its histogram (labels() looked up once a pass)
        for f in fired:
            if f.outcome != "rescheduled":
                if f.kind not in lateness:
                    lateness[f.kind] = self.metrics.lateness.labels(f.kind)
                lateness[f.kind].observe(max(0.0, (committed - f.fire_at).total_seconds()))
