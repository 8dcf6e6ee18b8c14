"""Review's clock-driven side: persisted timers for reminders and escalation, and the loop that fires them.

Every active task has timers for its current due date (`generation`): `before_due` (at the configured
share of the time), `due_day` (the morning of the due date) and `escalate` (the due date itself).
The loop claims due timers with `FOR UPDATE SKIP LOCKED` (PostgreSQL; on SQLite each transaction
holds the single write lock) and acts on each in the same transaction that marks it fired, so a
restart or kill -9 loses none and fires none twice, and several replicas share the work with each
timer acted on exactly once. A timer whose task has moved on (decided, escalated, sent back) only
records why it did nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review import store
from services.review.domain.deadlines import escalated_due_at, reminder_times
from services.review.domain.task import ACTIVE_STATES, ReviewTask, parent_in_path
from shared.contracts.events import SYSTEM_ACTOR, Actor, Event, Recipient, TaskEscalated, TaskReminder
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.outbox import enqueue
from shared.platform.service import ServiceContext

log = logging.getLogger("thidua.review.timers")

REMINDER_KINDS = ("before_due", "due_day")
MAX_TIMER_ATTEMPTS = 5
NOTIFICATION_TEXT = {
    "before_due": "Sắp đến hạn xử lý ({due})",
    "due_day": "Hôm nay là hạn xử lý ({due})",
    "escalated_in": "Quá hạn – chuyển lên từ {unit}, hạn mới {due}",
    "sent_back": "Cấp trên trả về để xử lý, hạn mới {due}",
    "reorganised_in": "Chuyển đến theo sắp xếp tổ chức, hạn xử lý giữ nguyên {due}",
}


# Scheduling (inside the transaction that opens or moves the task)


async def schedule(conn: AsyncConnection, task: ReviewTask, since: datetime) -> None:
    """Timers for the task's current due date; at once if the holding unit is known to have no approver."""
    rows = timer_rows(task, since, await roster_of(conn, task.holder.code))
    if rows:
        await conn.execute(store.timers.insert(), rows)


def timer_rows(task: ReviewTask, since: datetime, roster: list[Recipient] | None) -> list[dict[str, Any]]:
    if task.due_at is None:
        return []
    escalate_at = task.due_at
    if roster is not None and not roster and parent_of_holder_exists(task):
        escalate_at = since  # "a unit with no active approver escalates at once"
    rows = [{"kind": "escalate", "fire_at": escalate_at}]
    if escalate_at == task.due_at:
        rows += [{"kind": kind, "fire_at": at} for kind, at in reminder_times(since, task.due_at).items()]
    return [{"task_id": task.id, "generation": task.generation, **row} for row in rows]


def parent_of_holder_exists(task: ReviewTask) -> bool:
    return task.holder.level != "national"


async def escalate_unit_now(conn: AsyncConnection, unit_code: str, now: datetime) -> int:
    """A unit lost its last approver: bring its tasks' pending escalation forward to now."""
    t, tm = store.tasks, store.timers
    waiting = (
        sa.select(t.c.id)
        .where(
            t.c.queue_unit_code == unit_code,
            t.c.state.in_([s.value for s in ACTIVE_STATES]),
            t.c.id == tm.c.task_id,
            t.c.generation == tm.c.generation,
        )
        .exists()
    )
    result = await conn.execute(
        tm.update().where(tm.c.kind == "escalate", tm.c.fired_at.is_(None), tm.c.fire_at > now, waiting).values(fire_at=now)
    )
    return result.rowcount


async def follow_new_holder(conn: AsyncConnection, task: ReviewTask, now: datetime) -> None:
    """A task moved without a new due date (reorganisation): its pending escalation stays at the due date,
    unless it was brought forward for the old holder, or the new holder is known to have no approver."""
    roster = await roster_of(conn, task.holder.code)
    if task.due_at is None:
        return
    fire_at = now if roster is not None and not roster and parent_of_holder_exists(task) else task.due_at
    tm = store.timers
    await conn.execute(
        tm.update()
        .where(tm.c.task_id == task.id, tm.c.generation == task.generation, tm.c.kind == "escalate", tm.c.fired_at.is_(None))
        .values(fire_at=fire_at)
    )


async def ensure_scheduled(ctx: ServiceContext) -> int:
    """Give every active task without timers for its due date its timers (tasks from before migration 0003)."""
    t, tm = store.tasks, store.timers
    has_timer = sa.select(tm.c.id).where(tm.c.task_id == t.c.id, tm.c.generation == t.c.generation).exists()
    try:
        async with ctx.engine.begin() as conn:
            rows = (
                (
                    await conn.execute(
                        sa.select(t).where(t.c.state.in_([s.value for s in ACTIVE_STATES]), t.c.due_at.is_not(None), ~has_timer)
                    )
                )
                .mappings()
                .all()
            )
            for row in rows:
                await schedule(conn, store.task_from_row(row), row["opened_at"])
    except IntegrityError:
        return 0  # another replica scheduled them at the same moment
    return len(rows)


async def roster_of(conn: AsyncConnection, unit_code: str) -> list[Recipient] | None:
    """The unit's active approvers as the portal last announced them; None if it never did."""
    r = store.unit_rosters
    approvers = await conn.scalar(sa.select(r.c.approvers).where(r.c.unit_code == unit_code))
    return None if approvers is None else [Recipient.model_validate(a) for a in approvers]


async def record_move(
    conn: AsyncConnection,
    before: ReviewTask,
    after: ReviewTask,
    kind: str,
    at: datetime,
    *,
    actor: Actor = SYSTEM_ACTOR,
    reason: str | None = None,
    comment: str | None = None,
) -> None:
    await conn.execute(
        store.task_moves.insert().values(
            task_id=before.id,
            kind=kind,
            at=at,
            from_unit=before.holder.model_dump(),
            to_unit=after.holder.model_dump(),
            reason=reason,
            was_due_at=before.due_at,
            new_due_at=after.due_at,
            actor_id=actor.user_id,
            actor_name=actor.full_name or actor.username,
            comment=comment,
        )
    )


async def moves_of(conn: AsyncConnection, task_id: str) -> list[dict[str, Any]]:
    m = store.task_moves
    rows = (await conn.execute(sa.select(m).where(m.c.task_id == task_id).order_by(m.c.at, m.c.id))).mappings().all()
    return [
        {
            "kind": r["kind"],
            "at": r["at"].isoformat(),
            "from_unit": r["from_unit"],
            "to_unit": r["to_unit"],
            "reason": r["reason"],
            "was_due_at": r["was_due_at"].isoformat() if r["was_due_at"] else None,
            "new_due_at": r["new_due_at"].isoformat() if r["new_due_at"] else None,
            "actor_name": r["actor_name"],
            "comment": r["comment"],
        }
        for r in rows
    ]


async def notify_unit(conn: AsyncConnection, task: ReviewTask, kind: str, now: datetime) -> list[Recipient]:
    """Notify the claimant, or every approver of the unit holding the task; returns who was notified."""
    roster = await roster_of(conn, task.holder.code)
    row = await conn.execute(sa.select(store.tasks.c.nominee_name, store.tasks.c.award_name).where(store.tasks.c.id == task.id))
    nominee, award = row.one()
    recipients, rows = notification_rows(task, kind, now, roster, nominee, award)
    if rows:
        await conn.execute(store.notifications.insert(), rows)
    return recipients


def notification_rows(
    task: ReviewTask, kind: str, now: datetime, roster: list[Recipient] | None, nominee: str, award: str
) -> tuple[list[Recipient], list[dict[str, Any]]]:
    if task.claimant_id is not None:
        recipients = [Recipient(user_id=task.claimant_id, full_name=task.claimant_name or "")]
    else:
        recipients = roster or []
    due = task.due_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if task.due_at else "—"
    text = f"{nominee} — {award}: " + NOTIFICATION_TEXT[kind].format(due=due, unit=task.unit.short_name)
    rows = [
        {
            "user_id": r.user_id,
            "kind": kind,
            "task_id": task.id,
            "nomination_id": task.nomination_id,
            "unit_code": task.holder.code,
            "text": text[:500],
            "due_at": task.due_at,
            "created_at": now,
        }
        for r in recipients
    ]
    return recipients, rows


# Firing: a batch of due timers is read, decided in memory and written with one statement per table,
# so that 10,000 timers coming due at once cost a few hundred statements, not a hundred thousand.


class Batch:
    """What a batch of due timers does: decided in memory from the rows it loaded, then written in bulk."""

    def __init__(self, now: datetime, instance: str) -> None:
        self.now = now
        self.instance = instance
        self.tasks: dict[str, ReviewTask] = {}
        self.labels: dict[str, tuple[str, str]] = {}  # task id -> (nominee, award) for notification texts
        self.paths: dict[str, list[UnitRef]] = {}  # nomination id -> unit path
        self.rosters: dict[str, list[Recipient]] = {}
        self.changed: dict[str, dict[str, Any]] = {}  # task id -> new column values
        self.moves: list[dict[str, Any]] = []
        self.new_timers: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.events: list[Event] = []
        self.done: list[dict[str, Any]] = []  # timers fired, with their outcome
        self.rescheduled: list[dict[str, Any]] = []
        self.outcomes: list[tuple[str, datetime, str]] = []

    async def load(self, conn: AsyncConnection, timers: Sequence[Any]) -> None:
        t, n, r = store.tasks, store.nominations, store.unit_rosters
        task_ids = sorted({timer.task_id for timer in timers})
        rows = (await conn.execute(sa.select(t).where(t.c.id.in_(task_ids)).order_by(t.c.id).with_for_update())).mappings()
        for row in rows:
            self.tasks[row["id"]] = store.task_from_row(row)
            self.labels[row["id"]] = (row["nominee_name"], row["award_name"])
        nomination_ids = {task.nomination_id for task in self.tasks.values()}
        for nid, snapshot in await conn.execute(sa.select(n.c.id, n.c.snapshot).where(n.c.id.in_(nomination_ids))):
            if snapshot is not None:
                self.paths[nid] = [UnitRef.model_validate(u) for u in snapshot["unit_path"]]
        units = {code for path in self.paths.values() for code in (u.code for u in path)}
        for code, approvers in await conn.execute(sa.select(r.c.unit_code, r.c.approvers).where(r.c.unit_code.in_(units))):
            self.rosters[code] = [Recipient.model_validate(a) for a in approvers]

    def fire(self, timer: Any) -> str:
        task = self.tasks.get(timer.task_id)
        if task is None:
            outcome = "task_missing"
        elif not task.is_active:
            outcome = "task_closed"
        elif task.generation != timer.generation:
            outcome = "superseded"
        elif timer.kind in REMINDER_KINDS:
            outcome = self._remind(task, timer.kind)
        else:
            outcome = self._escalate(task, timer)
        if outcome != "rescheduled":
            self.done.append({"b_id": timer.id, "b_outcome": outcome})
        self.outcomes.append((timer.kind, timer.fire_at, outcome))
        return outcome

    def _notify(self, task: ReviewTask, kind: str) -> list[Recipient]:
        nominee, award = self.labels[task.id]
        recipients, rows = notification_rows(task, kind, self.now, self.rosters.get(task.holder.code), nominee, award)
        self.notifications += rows
        return recipients

    def _remind(self, task: ReviewTask, kind: str) -> str:
        recipients = self._notify(task, kind)
        self.events.append(
            TaskReminder(
                occurred_at=self.now, correlation_id=task.nomination_id, task=task.snapshot(), kind=kind, recipients=recipients
            )
        )
        return f"reminded:{len(recipients)}"

    def _escalate(self, task: ReviewTask, timer: Any) -> str:
        overdue = task.due_at is not None and task.due_at <= self.now
        if task.due_at is not None and not overdue and self.rosters.get(task.holder.code):
            # Brought forward for a unit without approvers, which has one again: wait for the due date.
            self.rescheduled.append({"b_id": timer.id, "b_fire_at": task.due_at})
            return "rescheduled"
        path = self.paths.get(task.nomination_id)
        if path is None:
            return "nomination_missing"
        parent = parent_in_path(path, task.holder.code)
        if parent is None:
            return "at_top"  # overdue at Tổng LĐLĐ: it stays there, marked overdue
        moved = task.escalate(parent, escalated_due_at(self.now))
        self.tasks[task.id] = moved
        reason = "overdue" if overdue else "no_approver"
        self.changed[task.id] = {
            "b_id": task.id,
            "state": moved.state.value,
            "claimant_id": None,
            "claimant_name": None,
            "claimed_at": None,
            "due_at": moved.due_at,
            "queue_unit_code": parent.code,
            "queue_unit": parent.model_dump(),
            "escalations": moved.escalations,
            "generation": moved.generation,
            "escalated_at": self.now,
        }
        self.moves.append(
            {
                "task_id": task.id,
                "kind": "escalated",
                "at": self.now,
                "from_unit": task.holder.model_dump(),
                "to_unit": parent.model_dump(),
                "reason": reason,
                "was_due_at": task.due_at,
                "new_due_at": moved.due_at,
                "actor_id": SYSTEM_ACTOR.user_id,
                "actor_name": SYSTEM_ACTOR.full_name,
                "comment": None,
            }
        )
        self.new_timers += timer_rows(moved, self.now, self.rosters.get(parent.code))
        self._notify(moved, "escalated_in")
        self.events.append(
            TaskEscalated(
                occurred_at=self.now,
                correlation_id=task.nomination_id,
                task=moved.snapshot(),
                from_unit=task.holder,
                to_unit=parent,
                reason=reason,
                was_due_at=task.due_at,
            )
        )
        return f"escalated:{reason}"

    async def write(self, conn: AsyncConnection) -> None:
        t, tm = store.tasks, store.timers
        if self.changed:
            columns = next(iter(self.changed.values())).keys() - {"b_id"}
            update = t.update().where(t.c.id == sa.bindparam("b_id")).values({c: sa.bindparam(c) for c in columns})
            await conn.execute(update, list(self.changed.values()))
        for table, rows in ((store.task_moves, self.moves), (tm, self.new_timers), (store.notifications, self.notifications)):
            if rows:
                await conn.execute(table.insert(), rows)
        await enqueue(conn, store.outbox, *self.events)
        if self.done:
            mark = tm.update().where(tm.c.id == sa.bindparam("b_id"))
            values = {"fired_at": self.now, "outcome": sa.bindparam("b_outcome"), "fired_by": self.instance}
            await conn.execute(mark.values(values), self.done)
        if self.rescheduled:
            await conn.execute(
                tm.update().where(tm.c.id == sa.bindparam("b_id")).values(fire_at=sa.bindparam("b_fire_at")), self.rescheduled
            )


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
        self.escalations = Counter("thidua_review_escalations", "Tasks moved up to the parent unit", ["reason"], **kwargs)
        self.reminders = Counter("thidua_review_reminders", "Reminder events sent", ["kind"], **kwargs)
        self.failures = Counter("thidua_review_timer_failures", "Timer actions that raised (retried later)", ["kind"], **kwargs)


class TimerLoop:
    """Fires due timers: polls every `poll_interval` seconds of real time, reading the service's clock."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        instance: str,
        metrics: TimerMetrics | None = None,
        batch_size: int = 200,
        poll_interval: float = 1.0,
    ) -> None:
        self.ctx = ctx
        self.instance = instance
        self.metrics = metrics or TimerMetrics(None)
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="review-timers")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        try:
            scheduled = await ensure_scheduled(self.ctx)
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
                await asyncio.wait_for(self._stopping.wait(), self.poll_interval)

    async def run_once(self) -> int:
        """Fire up to `batch_size` due timers in one transaction; returns how many were handled.

        The batch is written in bulk; if anything in it fails, each timer is retried alone in a
        savepoint so one bad timer cannot hold back the others (it is retried later, then given up on).
        """
        tm = store.timers
        now = self.ctx.clock.now()
        async with self.ctx.engine.begin() as conn:
            due = (
                await conn.execute(
                    sa.select(tm)
                    .where(tm.c.fired_at.is_(None), tm.c.fire_at <= now)
                    .order_by(tm.c.fire_at, tm.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not due:
                return 0
            try:
                async with conn.begin_nested():
                    batches = [await self._fire(conn, due, now)]
            except Exception:
                log.warning("timers.batch_failed", extra={"timers": len(due)}, exc_info=True)
                batches = [b for timer in due if (b := await self._fire_alone(conn, timer, now)) is not None]
        committed = self.ctx.clock.now()
        for batch in batches:
            for kind, fire_at, outcome in batch.outcomes:
                self._observe(kind, fire_at, outcome, committed)
        if any(batch.events for batch in batches):
            self.ctx.outbox_written()
        return len(due)

    async def _fire(self, conn: AsyncConnection, timers: Sequence[Any], now: datetime) -> Batch:
        batch = Batch(now, self.instance)
        await batch.load(conn, timers)
        for timer in timers:
            batch.fire(timer)
        await batch.write(conn)
        return batch

    async def _fire_alone(self, conn: AsyncConnection, timer: Any, now: datetime) -> Batch | None:
        tm = store.timers
        try:
            async with conn.begin_nested():
                return await self._fire(conn, [timer], now)
        except Exception as exc:
            self.metrics.failures.labels(timer.kind).inc()
            log.warning("timers.fire_failed", extra={"timer": timer.id, "kind": timer.kind, "error": repr(exc)})
            gave_up = timer.attempts + 1 >= MAX_TIMER_ATTEMPTS
            await conn.execute(
                tm.update()
                .where(tm.c.id == timer.id)
                .values(
                    attempts=tm.c.attempts + 1,
                    last_error=repr(exc)[:2000],
                    fired_at=now if gave_up else None,
                    outcome="failed" if gave_up else None,
                )
            )
            return None

    def _observe(self, kind: str, fire_at: datetime, outcome: str, committed: datetime) -> None:
        self.metrics.fired.labels(kind, outcome.split(":", maxsplit=1)[0]).inc()
        if outcome == "rescheduled":
            return
        self.metrics.lateness.labels(kind).observe(max(0.0, (committed - fire_at).total_seconds()))
        if outcome.startswith("escalated:"):
            self.metrics.escalations.labels(outcome.split(":")[1]).inc()
        elif outcome.startswith("reminded:"):
            self.metrics.reminders.labels(kind).inc()
