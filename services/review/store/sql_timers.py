"""The clock-driven side: timers, the approvers' notifications, and the rosters of each unit's approvers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review.store import port
from services.review.store import tables as t
from services.review.store.records import NewNotification, NotificationRecord, Preference, Roster, ScheduledTimer, TimerRecord
from services.review.store.sql_tasks import ACTIVE
from shared.contracts.events import Recipient
from shared.platform.db import insert_rows

TIMER_FIELDS = [f.name for f in fields(TimerRecord)]  # the columns in the record's order: rows made positionally


def _utc(moment: datetime | str) -> datetime:
    """min() over UtcDateTime comes back raw on SQLite (a string, no offset): the instant, in UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SqlTimers(port.Timers):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, timers: Sequence[ScheduledTimer]) -> None:
        if timers:
            rows = [(s.task_id, s.kind, s.generation, s.fire_at) for s in timers]
            try:
                await insert_rows(self.conn, t.timers, ("task_id", "kind", "generation", "fire_at"), rows)
            except IntegrityError as exc:
                raise port.AlreadyScheduled(str(exc)) from exc

    async def bring_forward(self, unit_code: str, now: datetime) -> int:
        tasks, tm = t.tasks, t.timers
        waiting = (
            sa.select(tasks.c.id)
            .where(
                tasks.c.queue_unit_code == unit_code,
                tasks.c.state.in_(ACTIVE),
                tasks.c.alerted_codes == "",  # already alerted: the superior keeps its own time to act
                tasks.c.id == tm.c.task_id,
                tasks.c.generation == tm.c.generation,
            )
            .exists()
        )
        result = await self.conn.execute(
            tm.update().where(tm.c.kind == "escalate", tm.c.fired_at.is_(None), tm.c.fire_at > now, waiting).values(fire_at=now)
        )
        return result.rowcount

    async def move_escalation(self, task_id: str, generation: int, fire_at: datetime) -> None:
        tm = t.timers
        await self.conn.execute(
            tm.update()
            .where(tm.c.task_id == task_id, tm.c.generation == generation, tm.c.kind == "escalate", tm.c.fired_at.is_(None))
            .values(fire_at=fire_at)
        )

    async def due(self, now: datetime, limit: int) -> list[TimerRecord]:
        tm = t.timers
        query = (
            sa.select(*(tm.c[name] for name in TIMER_FIELDS))
            .where(tm.c.fired_at.is_(None), tm.c.fire_at <= now)
            .order_by(tm.c.fire_at, tm.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [TimerRecord(*row) for row in await self.conn.execute(query)]

    async def next_after(self, now: datetime) -> datetime | None:
        tm = t.timers
        earliest = sa.select(sa.func.min(tm.c.fire_at)).where(tm.c.fired_at.is_(None), tm.c.fire_at > now)
        found = await self.conn.scalar(earliest)
        return _utc(found) if found is not None else None

    async def mark_fired(self, outcomes: Sequence[tuple[int, str]], at: datetime, by: str) -> None:
        by_outcome: dict[str, list[int]] = {}
        for timer_id, outcome in outcomes:
            by_outcome.setdefault(outcome, []).append(timer_id)
        tm = t.timers
        for outcome, ids in by_outcome.items():  # a batch has a few outcomes: one UPDATE each
            await self.conn.execute(tm.update().where(tm.c.id.in_(ids)).values(fired_at=at, outcome=outcome, fired_by=by))

    async def reschedule(self, moves: Sequence[tuple[int, datetime]]) -> None:
        if moves:
            tm = t.timers
            update = tm.update().where(tm.c.id == sa.bindparam("b_id")).values(fire_at=sa.bindparam("b_fire_at"))
            await self.conn.execute(update, [{"b_id": i, "b_fire_at": at} for i, at in moves])

    async def record_failure(self, timer_id: int, error: str, at: datetime, *, gave_up: bool) -> None:
        tm = t.timers
        await self.conn.execute(
            tm.update()
            .where(tm.c.id == timer_id)
            .values(
                attempts=tm.c.attempts + 1,
                last_error=error[:2000],
                fired_at=at if gave_up else None,
                outcome="failed" if gave_up else None,
            )
        )


class SqlNotifications(port.Notifications):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, *notifications: NewNotification) -> list[int]:
        if not notifications:
            return []
        rows = [
            {
                "user_id": n.user_id,
                "kind": n.kind,
                "task_id": n.task_id,
                "nomination_id": n.nomination_id,
                "unit_code": n.unit_code,
                "text": n.text,
                "due_at": n.due_at,
                "created_at": n.created_at,
                "event_id": n.event_id,
                "count": n.count,
            }
            for n in notifications
        ]
        # each note's id travels in its NotificationIssued event: multi-row INSERT ... RETURNING (SQLAlchemy's
        # "insertmanyvalues"), the ids in the order of the notes, rather than a round trip per note
        insert = t.notifications.insert().returning(t.notifications.c.id, sort_by_parameter_order=True)
        return [int(note_id) for note_id in (await self.conn.execute(insert, rows)).scalars()]

    async def unread_count(self, user_id: str) -> int:
        n = t.notifications
        unread = await self.conn.scalar(
            sa.select(sa.func.count()).select_from(n).where(n.c.user_id == user_id, n.c.read_at.is_(None))
        )
        return unread or 0

    async def of_user(self, user_id: str, *, unread_only: bool, limit: int) -> list[NotificationRecord]:
        n = t.notifications
        query = sa.select(n).where(n.c.user_id == user_id)
        if unread_only:
            query = query.where(n.c.read_at.is_(None))
        rows = (await self.conn.execute(query.order_by(n.c.created_at.desc(), n.c.id.desc()).limit(limit))).mappings()
        return [NotificationRecord(**row) for row in rows]

    async def mark_read(self, user_id: str, ids: Sequence[int] | None, at: datetime) -> int:
        n = t.notifications
        where = [n.c.user_id == user_id, n.c.read_at.is_(None)]
        if ids is not None:
            where.append(n.c.id.in_(ids))
        result = await self.conn.execute(n.update().where(*where).values(read_at=at))
        return result.rowcount

    async def unread_batch(self, user_id: str, kind: str, unit_code: str) -> NotificationRecord | None:
        n = t.notifications
        query = (
            sa.select(n)
            .where(n.c.user_id == user_id, n.c.kind == kind, n.c.unit_code == unit_code, n.c.read_at.is_(None))
            .order_by(n.c.created_at.desc(), n.c.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).mappings().first()
        return NotificationRecord(**row) if row is not None else None

    async def update_batch(self, note_id: int, *, count: int, text: str, task_id: str, nomination_id: str, at: datetime) -> None:
        n = t.notifications
        values = {"count": count, "text": text, "task_id": task_id, "nomination_id": nomination_id, "created_at": at}
        await self.conn.execute(n.update().where(n.c.id == note_id).values(**values))


class SqlPreferences(port.Preferences):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def of_user(self, user_id: str) -> list[Preference]:
        p = t.notification_preferences
        rows = (await self.conn.execute(sa.select(p).where(p.c.user_id == user_id).order_by(p.c.kind))).mappings()
        return [Preference(kind=r["kind"], delivery=r["delivery"], digest_hour=r["digest_hour"]) for r in rows]

    async def put(self, user_id: str, preferences: Sequence[Preference], at: datetime) -> None:
        p = t.notification_preferences
        kinds = [pref.kind for pref in preferences]
        await self.conn.execute(p.delete().where(p.c.user_id == user_id, p.c.kind.in_(kinds)))
        rows = [
            {"user_id": user_id, "kind": pref.kind, "delivery": pref.delivery, "digest_hour": pref.digest_hour, "updated_at": at}
            for pref in preferences
        ]
        if rows:
            await self.conn.execute(p.insert(), rows)


class SqlRosters(port.Rosters):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, unit_code: str, *, lock: bool = False) -> Roster | None:
        r = t.unit_rosters
        query = sa.select(r).where(r.c.unit_code == unit_code)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        return Roster(row["unit_code"], tuple(Recipient.model_validate(a) for a in row["approvers"]), row["changed_at"])

    async def of_units(self, unit_codes: Sequence[str]) -> dict[str, list[Recipient]]:
        r = t.unit_rosters
        rows = await self.conn.execute(sa.select(r.c.unit_code, r.c.approvers).where(r.c.unit_code.in_(unit_codes)))
        return {code: [Recipient.model_validate(a) for a in approvers] for code, approvers in rows}

    async def put(self, roster: Roster, *, new: bool) -> None:
        r = t.unit_rosters
        values = {"approvers": [a.model_dump() for a in roster.approvers], "changed_at": roster.changed_at}
        if new:
            await self.conn.execute(r.insert().values(unit_code=roster.unit_code, **values))
        else:
            await self.conn.execute(r.update().where(r.c.unit_code == roster.unit_code).values(**values))
