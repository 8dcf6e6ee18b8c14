"""Review's clock-driven use cases: persisted timers for reminders and escalation, scheduled with each task and
fired in batches (the loop that polls for them is `services/review/timers.py`); the task's timeline and notices.

Every active task has timers for its current due date (`generation`): `before_due` (at the configured
share of the time), `due_day` (the morning of the due date) and `escalate` (the due date itself).
The loop claims due timers with `FOR UPDATE SKIP LOCKED` (PostgreSQL; on SQLite each transaction
holds the single write lock) and acts on each in the same transaction that marks it fired, so a
restart or kill -9 loses none and fires none twice, and several replicas share the work with each
timer acted on exactly once. A timer whose task has moved on (decided, escalated, given a new due date) only
records why it did nothing.

Escalation by authority (issue 17): an overdue task stays in its unit's queue; its `escalate` timer alerts the
superior (the unit's approvers and the superior's hear of it), and schedules one more `escalate` timer after the
rule's lapse period (domain.authority): if nobody set a new due date by then, the unit above is alerted too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal
from uuid import uuid4

from services.review.domain import authority
from services.review.domain.deadlines import after_working_days
from services.review.domain.reminders import REMINDER_KINDS, escalation_after_move, notification_text, recipients, timer_plan
from services.review.domain.task import ReviewTask
from services.review.store.port import AlreadyScheduled, UnitOfWork
from services.review.store.records import MoveKind, NewNotification, ScheduledTimer, TaskMove, TaskRecord, TimerRecord
from services.review.usecases import notes
from services.review.usecases.context import ReviewContext
from services.review.usecases.policy import ReviewPolicy, policy_of
from shared.contracts.errors import Conflict
from shared.contracts.events import SYSTEM_ACTOR, Actor, Event, Recipient, TaskEscalated, TaskReminder, TaskSnapshot
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.rulebook import Rulebook

log = logging.getLogger("thidua.review.timers")

MAX_TIMER_ATTEMPTS = 5


def scheduled(
    task: ReviewTask, since: datetime, roster: Sequence[Recipient] | None, policy: ReviewPolicy
) -> list[ScheduledTimer]:
    reminder = policy.deadlines.reminder_on(since.astimezone(VIETNAM_TZ).date())
    return [ScheduledTimer(task.id, kind, task.generation, at) for kind, at in timer_plan(task, since, roster, reminder)]


async def roster_of(uow: UnitOfWork, unit_code: str) -> tuple[Recipient, ...] | None:
    """The unit's active approvers as the portal last announced them; None if it never did."""
    roster = await uow.rosters.get(unit_code)
    return roster.approvers if roster is not None else None


async def schedule(uow: UnitOfWork, task: ReviewTask, since: datetime, policy: ReviewPolicy) -> None:
    """Timers for the task's current due date; at once if the holding unit is known to have no approver."""
    await uow.timers.add(scheduled(task, since, await roster_of(uow, task.holder.code), policy))


async def follow_new_holder(uow: UnitOfWork, task: ReviewTask, now: datetime) -> None:
    """A task moved without a new due date (reorganisation): its pending escalation stays at the due date,
    unless it was brought forward for the old holder, or the new holder is known to have no approver."""
    fire_at = escalation_after_move(task, await roster_of(uow, task.holder.code), now)
    if fire_at is not None:
        await uow.timers.move_escalation(task.id, task.generation, fire_at)


async def ensure_scheduled(review: ReviewContext) -> int:
    """Give every active task without timers for its due date its timers (tasks from before migration 0003)."""
    try:
        async with review.unit_of_work() as uow:
            records = await uow.tasks.active_without_timers()
            for record in records:
                await schedule(uow, record.task, record.opened_at, policy_of(review.rules))
            await uow.commit()
    except AlreadyScheduled:
        return 0  # another replica scheduled them at the same moment
    return len(records)


async def record_move(
    uow: UnitOfWork,
    before: ReviewTask,
    after: ReviewTask,
    kind: MoveKind,
    at: datetime,
    *,
    actor: Actor = SYSTEM_ACTOR,
    reason: str | None = None,
    comment: str | None = None,
    from_unit: UnitRef | None = None,
) -> None:
    """A step on the task's timeline: a move between queues, or a superior's word on an overdue task (`from_unit`)."""
    await uow.moves.add(
        TaskMove(
            task_id=before.id,
            kind=kind,
            at=at,
            from_unit=from_unit or before.holder,
            to_unit=after.holder,
            reason=reason,
            was_due_at=before.due_at,
            new_due_at=after.due_at,
            actor_id=actor.user_id,
            actor_name=actor.full_name or actor.username,
            comment=comment,
        )
    )


def notifications(
    record: TaskRecord,
    kind: str,
    now: datetime,
    told: Sequence[Recipient],
    *,
    unit_code: str | None = None,
    superior: str = "",
    message: str = "",
) -> list[NewNotification]:
    """What each person told about the task sees in their bell (`unit_code`: the unit the note is for, the task's own
    by default)."""
    if not told:
        return []
    task = record.task
    text = notification_text(task, kind, record.nominee_name, record.award_name, superior=superior, message=message)
    return [
        NewNotification(
            user_id=r.user_id,
            kind=kind,
            task_id=task.id,
            nomination_id=task.nomination_id,
            unit_code=unit_code or task.holder.code,
            text=text,
            due_at=task.due_at,
            created_at=now,
        )
        for r in told
    ]


async def notify_unit(
    uow: UnitOfWork, record: TaskRecord, kind: str, now: datetime, *, superior: str = "", message: str = ""
) -> list[Recipient]:
    """Notify the claimant, or every approver of the task's unit; returns who was notified."""
    told = recipients(record.task, await roster_of(uow, record.task.holder.code))
    await notes.issue(uow, *notifications(record, kind, now, told, superior=superior, message=message))
    return told


def authority_rule(record: TaskRecord, now: datetime, rules: Rulebook) -> authority.AuthorityRule:
    """The escalation rule for the task's level and award kind in force today; refused (409) on a day before every
    version of `escalation.toml`, rather than guessed."""
    today = now.astimezone(VIETNAM_TZ).date()
    award = rules.award_on(record.award_code, today)
    try:
        return authority.rule_for(record.task.unit.level, award.kind if award else "yearly", today, policy_of(rules).authority)
    except LookupError:
        log.error("escalation.no_rule", extra={"task_id": record.id, "unit_id": record.task.unit.code})
        raise Conflict(
            f"Chưa có quy định về xử lý hồ sơ quá hạn áp dụng ngày {today:%d/%m/%Y}", code="no_escalation_rule"
        ) from None


def lapse_at(record: TaskRecord, now: datetime, rules: Rulebook) -> datetime | None:
    """When an alerted superior's time to act runs out (None without a rule in force: nobody above is alerted later)."""
    try:
        return after_working_days(now, authority_rule(record, now, rules).lapse_working_days, policy_of(rules).calendar)
    except Conflict:
        return None


Reason = Literal["overdue", "no_approver"]


def escalated_event(
    task: ReviewTask,
    below: UnitRef,
    superior: UnitRef,
    reason: Reason,
    was_due_at: datetime | None,
    now: datetime,
) -> TaskEscalated:
    """`TaskEscalated(..., task=task.snapshot())`, built from values already checked (the task as loaded and changed by
    the domain, the units as stored) without validating them again: a batch builds thousands, and validation was the
    larger part of an escalation's cost. Serialised once, into the outbox."""
    snapshot = TaskSnapshot.model_construct(**task.snapshot_fields())
    return TaskEscalated.model_construct(
        event_id=uuid4(),
        schema_version=TaskEscalated.SCHEMA_VERSION,
        occurred_at=now,
        correlation_id=task.nomination_id,
        actor=SYSTEM_ACTOR,  # given, not left to the default: model_construct deep-copies a default model each time
        task=snapshot,
        from_unit=below,
        to_unit=superior,
        reason=reason,
        was_due_at=was_due_at,
    )


@dataclass(frozen=True)
class FiredTimer:
    """A timer acted on, with what it did (`outcome`), for the metrics."""

    kind: str
    fire_at: datetime
    outcome: str


@dataclass
class TimerRun:
    """What one pass over the due timers did."""

    handled: int = 0
    fired: list[FiredTimer] = field(default_factory=list)
    failed: list[TimerRecord] = field(default_factory=list)
    next_at: datetime | None = None  # when the next timer falls due, when this pass left none due (None: none pending)


class TimerBatch:
    """What a batch of due timers does: decided in memory from the rows it loaded, then written in bulk."""

    def __init__(self, now: datetime, instance: str, rules: Rulebook) -> None:
        self.now = now
        self.instance = instance
        self.rules = rules
        self.tasks: dict[str, TaskRecord] = {}
        self.loaded: dict[str, TaskRecord] = {}  # as read, before this batch changed them
        self.paths: dict[str, list[UnitRef]] = {}  # nomination id -> unit path
        self.rosters: dict[str, list[Recipient]] = {}
        self.changed: dict[str, TaskRecord] = {}
        self.moves: list[TaskMove] = []
        self.new_timers: list[ScheduledTimer] = []
        self.notifications: list[NewNotification] = []
        self.events: list[Event] = []
        self.done: list[tuple[int, str]] = []  # timers fired, with their outcome
        self.rescheduled: list[tuple[int, datetime]] = []
        self.outcomes: list[FiredTimer] = []
        self.lapses: dict[tuple[str, str], datetime | None] = {}  # (level, award code) -> lapse_at, the same all batch

    async def load(self, uow: UnitOfWork, timers: Sequence[TimerRecord]) -> None:
        self.tasks = await uow.tasks.lock_many(sorted({timer.task_id for timer in timers}))
        self.loaded = dict(self.tasks)
        self.paths = await uow.nominations.unit_paths(sorted({r.task.nomination_id for r in self.tasks.values()}))
        units = {code for path in self.paths.values() for code in (u.code for u in path)}
        self.rosters = await uow.rosters.of_units(sorted(units))

    def fire(self, timer: TimerRecord) -> str:
        record = self.tasks.get(timer.task_id)
        if record is None:
            outcome = "task_missing"
        elif not record.task.is_active:
            outcome = "task_closed"
        elif record.task.generation != timer.generation:
            outcome = "superseded"
        elif timer.kind in REMINDER_KINDS:
            outcome = self._remind(record, timer.kind)
        else:
            outcome = self._escalate(record, timer)
        if outcome != "rescheduled":
            self.done.append((timer.id, outcome))
        self.outcomes.append(FiredTimer(timer.kind, timer.fire_at, outcome))
        return outcome

    def _notify(self, record: TaskRecord, kind: str, *, superior: str = "") -> list[Recipient]:
        told = recipients(record.task, self.rosters.get(record.task.holder.code))
        self.notifications += notifications(record, kind, self.now, told, superior=superior)
        return told

    def _remind(self, record: TaskRecord, kind: str) -> str:
        task = record.task
        told = self._notify(record, kind)
        self.events.append(
            TaskReminder(
                occurred_at=self.now, correlation_id=task.nomination_id, task=task.snapshot(), kind=kind, recipients=told
            )
        )
        return f"reminded:{len(told)}"

    def _escalate(self, record: TaskRecord, timer: TimerRecord) -> str:
        """The task stays in its unit's queue; the next superior up is alerted, and the unit below it with it."""
        task = record.task
        overdue = task.due_at is not None and task.due_at <= self.now
        if task.due_at is not None and not overdue and self.rosters.get(task.holder.code):
            # Brought forward for a unit without approvers, which has one again: wait for the due date.
            self.rescheduled.append((timer.id, task.due_at))
            return "rescheduled"
        path = self.paths.get(task.nomination_id)
        if path is None:
            return "nomination_missing"
        superior = authority.next_to_alert(task, path)
        if superior is None:
            return "at_top"  # overdue with Tổng LĐLĐ alerted (or overdue at Tổng LĐLĐ): nobody above to tell
        below = task.alerted_top or task.unit
        alerted = replace(record, task=task.alert(superior), escalated_at=self.now)
        self.tasks[task.id] = self.changed[task.id] = alerted
        reason: Reason = "overdue" if overdue else "no_approver"
        self.moves.append(
            TaskMove(
                task_id=task.id,
                kind="escalated",
                at=self.now,
                from_unit=below,
                to_unit=superior,
                reason=reason,
                was_due_at=task.due_at,
                new_due_at=task.due_at,
                actor_id=SYSTEM_ACTOR.user_id,
                actor_name=SYSTEM_ACTOR.full_name,
            )
        )
        lapses = self._lapse_at(record)
        if lapses is not None:
            self.new_timers.append(ScheduledTimer(task.id, "escalate", alerted.task.generation, lapses))
        self._notify(alerted, "overdue", superior=superior.short_name)
        told = self.rosters.get(superior.code, [])
        self.notifications += notifications(alerted, "escalated_in", self.now, told, unit_code=superior.code)
        self.events.append(escalated_event(alerted.task, below, superior, reason, task.due_at, self.now))
        return f"escalated:{reason}"

    def _lapse_at(self, record: TaskRecord) -> datetime | None:
        """`lapse_at` once per level and award in the batch: every timer in it shares `now`, and looking the award up
        in the catalogue and the rule up in the calendar cost more than the rest of the escalation."""
        key = (record.task.unit.level, record.award_code)
        if key not in self.lapses:
            self.lapses[key] = lapse_at(record, self.now, self.rules)
        return self.lapses[key]

    async def write(self, uow: UnitOfWork) -> None:
        await uow.tasks.save_changed([(self.loaded[task_id], record) for task_id, record in self.changed.items()])
        await uow.moves.add(*self.moves)
        await uow.timers.add(self.new_timers)
        await notes.issue(uow, *self.notifications)
        await uow.publish(*self.events)
        await uow.timers.mark_fired(self.done, self.now, self.instance)
        await uow.timers.reschedule(self.rescheduled)


async def _fire(uow: UnitOfWork, timers: Sequence[TimerRecord], now: datetime, instance: str, rules: Rulebook) -> TimerBatch:
    batch = TimerBatch(now, instance, rules)
    await batch.load(uow, timers)
    for timer in timers:
        batch.fire(timer)
    await batch.write(uow)
    return batch


async def fire_due_timers(review: ReviewContext, *, instance: str, batch_size: int) -> TimerRun:
    """Fire up to `batch_size` due timers in one transaction.

    The batch is written in bulk; if anything in it fails, each timer is retried alone in a
    savepoint so one bad timer cannot hold back the others (it is retried later, then given up on).
    """
    now = review.clock.now()
    run = TimerRun()
    async with review.unit_of_work() as uow:
        due = await uow.timers.due(now, batch_size)
        if len(due) < batch_size:
            run.next_at = await uow.timers.next_after(now)
        if not due:
            return run
        try:
            async with uow.savepoint():
                batches = [await _fire(uow, due, now, instance, review.rules)]
        except Exception:
            log.warning("timers.batch_failed", extra={"timers": len(due)}, exc_info=True)
            batches = []
            for timer in due:
                try:
                    async with uow.savepoint():
                        batches.append(await _fire(uow, [timer], now, instance, review.rules))
                except Exception as exc:
                    run.failed.append(timer)
                    log.warning("timers.fire_failed", extra={"timer": timer.id, "kind": timer.kind, "error": repr(exc)})
                    gave_up = timer.attempts + 1 >= MAX_TIMER_ATTEMPTS
                    await uow.timers.record_failure(timer.id, repr(exc), now, gave_up=gave_up)
        await uow.commit()
    run.handled = len(due)
    run.fired = [fired for batch in batches for fired in batch.outcomes]
    return run
