"""Tasks, their moves between queues, and review's replica of the nominations: the rows of a task's life.

Locks follow one order everywhere: tasks (by id), then their nomination; `FOR UPDATE` is a no-op on SQLite,
where every transaction holds the single write lock.

One module on purpose (about 630 lines): the three tables share that lock order and the task's row mapping (the unit
columns decoded once per distinct text, the queue's sort keys), which splitting would scatter or import across files.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review.domain.task import ACTIVE_STATES, ReviewTask, TaskState
from services.review.store import port
from services.review.store import tables as t
from services.review.store.records import (
    DecidedTask,
    NominationRecord,
    NominationStatus,
    QueueKey,
    QueueRows,
    SortedKey,
    TaskMove,
    TaskRecord,
    UnitQueue,
    sort_key,
)
from shared.contracts.events import NominationSnapshot
from shared.contracts.operations.review import QUEUE_COUNT_CAP, QueueCounts, QueueQuery, QueueSort, QueueSortKey
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.db import insert_rows
from shared.rules.text import normalize_name

ACTIVE = [s.value for s in ACTIVE_STATES]
IN_LIST_MAX = 500  # ids in one `IN (…)`: far below SQLite's limit on parameters (32,766)
# What a task's life changes; the rest of the row (the dossier's names, the round, when it opened) never does.
TASK_CHANGES = (
    "unit_code",
    "unit",
    "state",
    "claimant_id",
    "claimant_name",
    "claimed_at",
    "due_at",
    "decided_at",
    "decided_by",
    "decided_by_name",
    "comment",
    "queue_unit_code",
    "queue_unit",
    "escalations",
    "generation",
    "escalated_at",
    "alerted",
    "alerted_codes",
)


@lru_cache(maxsize=4096)
def _unit_ref(fields: tuple[tuple[str, Any], ...]) -> UnitRef:
    return UnitRef.model_validate(dict(fields))


def unit_ref(stored: dict[str, Any] | str) -> UnitRef:
    """A unit as a row stores it (JSON, or its text where the query read the column as text). UnitRef is frozen, so
    one instance serves every row naming the same unit: thousands of rows name a few units (the timer loop reads a
    batch of them)."""
    if isinstance(stored, str):
        return _unit_of_text(stored)
    try:
        return _unit_ref(tuple(stored.items()))
    except TypeError:  # a value that is no key (not a unit as written): validated, not cached
        return UnitRef.model_validate(stored)


@lru_cache(maxsize=4096)
def _unit_of_text(text: str) -> UnitRef:
    return unit_ref(json.loads(text))


@lru_cache(maxsize=4096)
def _units_of_text(text: str) -> tuple[UnitRef, ...]:
    return tuple(unit_ref(u) for u in json.loads(text) or ())


def unit_refs(stored: list[dict[str, Any]] | str | None) -> tuple[UnitRef, ...]:
    """Units as a row stores a list of them (`alerted`, a path): JSON, its text, or NULL."""
    if isinstance(stored, str):
        return _units_of_text(stored)
    return tuple(unit_ref(u) for u in stored or ())


# The tasks' columns with the units as their JSON text: decoded once per distinct text (`unit_refs`), not once a row.
_UNIT_COLUMNS = ("unit", "queue_unit", "alerted")
TASK_COLUMNS_UNITS_AS_TEXT = [sa.cast(c, sa.Text).label(c.name) if c.name in _UNIT_COLUMNS else c for c in t.tasks.c]


def task_record(row: RowMapping) -> TaskRecord:
    return TaskRecord(
        task=ReviewTask(
            id=row["id"],
            nomination_id=row["nomination_id"],
            unit=unit_ref(row["unit"]),
            state=TaskState(row["state"]),
            round=row["round"],
            claimant_id=row["claimant_id"],
            claimant_name=row["claimant_name"],
            due_at=row["due_at"],
            queue_unit=unit_ref(row["queue_unit"]),
            escalations=row["escalations"],
            generation=row["generation"],
            alerted=unit_refs(row["alerted"]),
        ),
        award_code=row["award_code"],
        award_name=row["award_name"],
        nominee_name=row["nominee_name"],
        nominee_kind=row["nominee_kind"],
        origin_unit_code=row["origin_unit_code"],
        origin_unit_name=row["origin_unit_name"],
        period=row["period"],
        opened_at=row["opened_at"],
        claimed_at=row["claimed_at"],
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        decided_by_name=row["decided_by_name"],
        comment=row["comment"],
        escalated_at=row["escalated_at"],
    )


@lru_cache(maxsize=4096)
def _unit_json(unit: UnitRef) -> dict[str, Any]:
    return unit.model_dump()


def unit_json(unit: UnitRef) -> dict[str, Any]:
    """A unit as a row stores it; frozen, so its dump is made once (a copy each time: the caller may change it)."""
    return dict(_unit_json(unit))


def task_changes(record: TaskRecord) -> dict[str, Any]:
    task = record.task
    return {
        "unit_code": task.unit.code,
        "unit": unit_json(task.unit),
        "state": task.state.value,
        "claimant_id": task.claimant_id,
        "claimant_name": task.claimant_name,
        "claimed_at": record.claimed_at,
        "due_at": task.due_at,
        "decided_at": record.decided_at,
        "decided_by": record.decided_by,
        "decided_by_name": record.decided_by_name,
        "comment": record.comment,
        "queue_unit_code": task.holder.code,
        "queue_unit": unit_json(task.holder),
        "escalations": task.escalations,
        "generation": task.generation,
        "escalated_at": record.escalated_at,
        "alerted": [unit_json(u) for u in task.alerted] or None,
        "alerted_codes": alerted_codes(task.alerted),
    }


# The columns each field of a task is written to (the holder is `queue_unit or unit`); fields not named never change.
_COLUMNS_OF_TASK_FIELD = {
    "unit": ("unit_code", "unit", "queue_unit_code", "queue_unit"),
    "state": ("state",),
    "claimant_id": ("claimant_id",),
    "claimant_name": ("claimant_name",),
    "due_at": ("due_at",),
    "queue_unit": ("queue_unit_code", "queue_unit"),
    "escalations": ("escalations",),
    "generation": ("generation",),
    "alerted": ("alerted", "alerted_codes"),
}
_ROW_FIELDS = ("claimed_at", "decided_at", "decided_by", "decided_by_name", "comment", "escalated_at")
assert {c for cs in _COLUMNS_OF_TASK_FIELD.values() for c in cs} | set(_ROW_FIELDS) == set(TASK_CHANGES)


def changed_columns(before: TaskRecord, after: TaskRecord) -> dict[str, Any]:
    """The columns whose values differ between a task as loaded and as changed, as `task_changes` writes them
    (the fields compared as the domain holds them; only a changed task is dumped)."""
    old, new = vars(before.task), vars(after.task)
    names = {c for f, columns in _COLUMNS_OF_TASK_FIELD.items() if old[f] is not new[f] and old[f] != new[f] for c in columns}
    names.update(f for f in _ROW_FIELDS if getattr(before, f) != getattr(after, f))
    if not names:
        return {}
    return {column: value for column, value in task_changes(after).items() if column in names}


def alerted_codes(units: Sequence[UnitRef]) -> str:
    """ "|a|b|": a unit's code is found with LIKE '%|code|%' on SQLite and PostgreSQL alike."""
    return "|" + "|".join(u.code for u in units) + "|" if units else ""


def alerted_here(unit_code: str) -> sa.ColumnElement[bool]:
    return t.tasks.c.alerted_codes.contains(f"|{unit_code}|", autoescape=True)


class SqlTasks(port.Tasks):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, task_id: str, *, lock: bool = False) -> TaskRecord | None:
        query = sa.select(t.tasks).where(t.tasks.c.id == task_id)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        return task_record(row) if row is not None else None

    async def lock_many(self, task_ids: Sequence[str]) -> dict[str, TaskRecord]:
        tasks = t.tasks
        query = sa.select(*TASK_COLUMNS_UNITS_AS_TEXT).where(tasks.c.id.in_(task_ids)).order_by(tasks.c.id).with_for_update()
        return {row["id"]: task_record(row) for row in (await self.conn.execute(query)).mappings()}

    async def lock_of_nomination(self, nomination_id: str) -> None:
        await self.conn.execute(sa.select(t.tasks.c.id).where(t.tasks.c.nomination_id == nomination_id).with_for_update())

    async def of_nomination(self, nomination_id: str) -> list[TaskRecord]:
        tasks = t.tasks
        query = sa.select(tasks).where(tasks.c.nomination_id == nomination_id).order_by(tasks.c.opened_at)
        return [task_record(row) for row in (await self.conn.execute(query)).mappings()]

    async def add(self, record: TaskRecord) -> None:
        await self.conn.execute(
            t.tasks.insert().values(
                id=record.id,
                nomination_id=record.task.nomination_id,
                round=record.task.round,
                award_code=record.award_code,
                award_name=record.award_name,
                nominee_name=record.nominee_name,
                nominee_search=normalize_name(record.nominee_name),
                nominee_kind=record.nominee_kind,
                origin_unit_code=record.origin_unit_code,
                origin_unit_name=record.origin_unit_name,
                period=record.period,
                opened_at=record.opened_at,
                **task_changes(record),
            )
        )

    async def save(self, *records: TaskRecord) -> None:
        if not records:
            return
        tasks = t.tasks
        update = tasks.update().where(tasks.c.id == sa.bindparam("b_id")).values({c: sa.bindparam(c) for c in TASK_CHANGES})
        await self.conn.execute(update, [{"b_id": r.id, **task_changes(r)} for r in records])

    async def save_changed(self, changes: Sequence[tuple[TaskRecord, TaskRecord]]) -> None:
        """Only the columns that differ (an UPDATE that names an indexed column rewrites that index's entry on SQLite
        even when the value stays, and the tasks have a dozen indexes), and tasks changed alike in one UPDATE: a batch
        of timers alerts thousands of tasks to the same superior, with the same new values."""
        alike: dict[tuple[tuple[str, ...], str], tuple[dict[str, Any], list[str]]] = {}
        for before, after in changes:
            if changed := changed_columns(before, after):
                key = (tuple(changed), repr(tuple(changed.values())))  # equal reprs: equal values (JSON, datetimes)
                alike.setdefault(key, (changed, []))[1].append(after.id)
        tasks = t.tasks
        one_by_one: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for (columns, _values), (changed, ids) in alike.items():
            if len(ids) == 1:
                one_by_one.setdefault(columns, []).append({"b_id": ids[0], **changed})
                continue
            for first in range(0, len(ids), IN_LIST_MAX):
                await self.conn.execute(tasks.update().where(tasks.c.id.in_(ids[first : first + IN_LIST_MAX])).values(changed))
        for columns, rows in one_by_one.items():
            update = tasks.update().where(tasks.c.id == sa.bindparam("b_id")).values({c: sa.bindparam(c) for c in columns})
            await self.conn.execute(update, rows)

    async def cancel_active_of_nomination(self, nomination_id: str, at: datetime, comment: str | None) -> None:
        tasks = t.tasks
        await self.conn.execute(
            tasks.update()
            .where(tasks.c.nomination_id == nomination_id, tasks.c.state.in_(ACTIVE))
            .values(state=TaskState.CANCELLED.value, decided_at=at, comment=comment)
        )

    async def queue_page(
        self,
        query: QueueQuery,
        now: datetime,
        *,
        after: QueueKey | SortedKey | None = None,
        limit: int | None = None,
        claimant_id: str | None = None,
    ) -> QueueRows:
        tasks = t.tasks
        active = tasks.c.state.in_(ACTIVE)
        overdue = sa.and_(active, tasks.c.due_at < now)
        held_here = tasks.c.queue_unit_code == query.unit_code
        overdue_below = _overdue_below(query.unit_code, tasks.c.state)
        where = _queue_filter(query, now, tasks.c.state, claimant_id)
        counted = [
            _capped_count(where, QUEUE_COUNT_CAP + query.offset),
            _capped_count([held_here, tasks.c.state == TaskState.OPEN.value]),
            _capped_count([held_here, tasks.c.state == TaskState.CLAIMED.value]),
            _capped_count([held_here, overdue]),
            _capped_count([held_here, active, _ALERTED]),
            _capped_count([overdue_below]),
        ]
        total, *counts = (await self.conn.execute(sa.select(*counted))).one()  # one round trip for all six
        if self.conn.dialect.name == "sqlite" and query.state != "escalated_in":
            # SQLite would rather look the state up in ix_tasks_holder_state and sort every match (the whole queue
            # when it is "overdue") than read ix_tasks_queue_order in order until the page is full: a state term it
            # cannot look up leaves it the order's index. PostgreSQL weighs the LIMIT itself.
            where = _queue_filter(query, now, sa.func.coalesce(tasks.c.state, ""), claimant_id)
        if after is not None:
            where.append(_after(query.sort, after))
        rows = (
            await self.conn.execute(
                sa.select(tasks)
                .where(*where)
                .order_by(*queue_order(query.sort))
                .limit(query.limit if limit is None else limit)
                .offset(query.offset)
            )
        ).mappings()
        return QueueRows(
            total=total,
            counts=QueueCounts(
                open=counts[0], claimed=counts[1], overdue=counts[2], escalated_in=counts[4], escalated_out=counts[3]
            ),
            items=[task_record(row) for row in rows],
        )

    async def active_of_nominations(self, nomination_ids: Sequence[str], *, lock: bool) -> list[TaskRecord]:
        tasks = t.tasks
        query = sa.select(tasks).where(tasks.c.state.in_(ACTIVE), tasks.c.nomination_id.in_(sorted(nomination_ids)))
        query = query.order_by(tasks.c.id)
        if lock:
            query = query.with_for_update()
        return [task_record(row) for row in (await self.conn.execute(query)).mappings()]

    async def active_without_timers(self) -> list[TaskRecord]:
        tasks, timers = t.tasks, t.timers
        has_timer = (
            sa.select(timers.c.id).where(timers.c.task_id == tasks.c.id, timers.c.generation == tasks.c.generation).exists()
        )
        query = sa.select(tasks).where(tasks.c.state.in_(ACTIVE), tasks.c.due_at.is_not(None), ~has_timer)
        return [task_record(row) for row in (await self.conn.execute(query)).mappings()]

    async def queue_figures(self, now: datetime) -> list[UnitQueue]:
        tasks = t.tasks
        active = tasks.c.state.in_(ACTIVE)
        query = (
            sa.select(
                tasks.c.queue_unit_code,
                sa.func.count(),
                sa.func.count().filter(tasks.c.due_at < now),
                sa.func.min(tasks.c.opened_at),
            )
            .where(active)
            .group_by(tasks.c.queue_unit_code)
        )
        rows = (await self.conn.execute(query)).all()
        # The holder's name and level as the tasks carry them (review keeps no copy of the unit tree,
        # and a reorganisation creates units that no reference file knows).
        one_task_each = sa.select(sa.func.min(tasks.c.id)).where(active).group_by(tasks.c.queue_unit_code)
        holder_query = sa.select(tasks.c.queue_unit_code, tasks.c.queue_unit).where(tasks.c.id.in_(one_task_each))
        holders = dict((await self.conn.execute(holder_query)).all())
        return [
            UnitQueue(code, holders[code]["name"], holders[code]["level"], int(depth), int(overdue), oldest)
            for code, depth, overdue, oldest in rows
        ]

    async def decided_since(self, since: datetime) -> list[DecidedTask]:
        tasks = t.tasks
        query = sa.select(tasks.c.queue_unit_code, tasks.c.opened_at, tasks.c.decided_at).where(
            tasks.c.decided_at.is_not(None), tasks.c.decided_at >= since
        )
        return [DecidedTask(code, opened, decided) for code, opened, decided in (await self.conn.execute(query)).all()]


def _overdue_below(unit_code: str, state: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """ "Quá hạn ở cấp dưới", read-only: read off ix_tasks_alerted (only the tasks with a superior alerted)."""
    return sa.and_(_ALERTED, state.in_(ACTIVE), alerted_here(unit_code))


def _queue_filter(
    query: QueueQuery, now: datetime, state: sa.ColumnElement[str], claimant_id: str | None
) -> list[sa.ColumnElement[bool]]:
    """The tasks the page lists: the unit's own (or those below it it was alerted to) in the state and filters asked;
    with `claimant_id`, only those that user holds (ix_tasks_claimant)."""
    tasks = t.tasks
    active = state.in_(ACTIVE)
    held_here = tasks.c.queue_unit_code == query.unit_code
    where = [_overdue_below(query.unit_code, state) if query.state == "escalated_in" else held_here]
    where.append(
        {
            "open": state == TaskState.OPEN.value,
            "claimed": state == TaskState.CLAIMED.value,
            "overdue": sa.and_(active, tasks.c.due_at < now),
            "escalated_in": sa.true(),
            "escalated_out": _ALERTED,
            "active": active,
            "done": sa.not_(active),
            "all": sa.true(),
        }[query.state]
    )
    if query.award_code:
        where.append(tasks.c.award_code == query.award_code)
    if query.origin_unit_code:
        where.append(tasks.c.origin_unit_code == query.origin_unit_code)
    if query.period:
        where.append(tasks.c.period == query.period)
    if query.due_before:
        where.append(tasks.c.due_at < due_before_bound(query))
    if query.q:
        where.append(tasks.c.nominee_search.contains(normalize_name(query.q)))
    if claimant_id is not None:
        where.append(tasks.c.claimant_id == claimant_id)
    return where


# Each order a queue can be read in, and the index that serves it (queue_unit_code first, then these, then the id;
# migration 0011): a page is read off the index in order, forwards or backwards, and stops when it is full.
SORT_COLUMNS: dict[QueueSortKey, sa.ColumnElement[Any]] = {
    "received": t.tasks.c.opened_at,  # ix_tasks_sort_received
    "nominee": t.tasks.c.nominee_search,  # ix_tasks_sort_nominee
    "award": t.tasks.c.award_name,  # ix_tasks_sort_award
    "state": t.tasks.c.state,  # ix_tasks_sort_state
}


def queue_order(sort: QueueSort) -> list[sa.ColumnElement[Any]]:
    """The ORDER BY of a queue read in `sort`'s order; "due" is ix_tasks_queue_order's, the others SORT_COLUMNS'."""
    key, descending = sort_key(sort)
    tasks = t.tasks
    if key == "due":
        columns: list[sa.ColumnElement[Any]] = [tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.opened_at, tasks.c.id]
    else:
        columns = [SORT_COLUMNS[key], tasks.c.id]
    return [c.desc() for c in columns] if descending else columns


def _after(sort: QueueSort, key: QueueKey | SortedKey) -> sa.ColumnElement[bool]:
    """The tasks after `key` in `sort`'s order."""
    column, descending = sort_key(sort)
    if isinstance(key, QueueKey):
        return _before_in_queue(key) if descending else _after_in_queue(key)
    tasks = t.tasks
    value = SORT_COLUMNS[column]
    if descending:
        return sa.or_(value < key.value, sa.and_(value == key.value, tasks.c.id < key.id))
    return sa.or_(value > key.value, sa.and_(value == key.value, tasks.c.id > key.id))


def _before_in_queue(key: QueueKey) -> sa.ColumnElement[bool]:
    """The tasks before `key` in the queue's order: the next page of the queue read backwards ("-due")."""
    tasks = t.tasks
    earlier_same_due = sa.or_(tasks.c.opened_at < key.opened_at, sa.and_(tasks.c.opened_at == key.opened_at, tasks.c.id < key.id))
    if key.undated:
        return sa.or_(tasks.c.due_at.is_not(None), sa.and_(tasks.c.due_at.is_(None), earlier_same_due))
    return sa.and_(
        tasks.c.due_at.is_not(None),
        sa.or_(tasks.c.due_at < key.due_at, sa.and_(tasks.c.due_at == key.due_at, earlier_same_due)),
    )


# A literal, not a bound parameter: SQLite uses a partial index only when the query repeats its WHERE term as written.
_ALERTED = t.tasks.c.alerted_codes != sa.literal_column("''")


def _capped_count(where: Sequence[sa.ColumnElement[bool]], cap: int | None = None) -> sa.ScalarSelect[int]:
    """How many tasks match, counted up to cap + 1 (reads at most that many index entries, never the whole queue)."""
    cap = QUEUE_COUNT_CAP if cap is None else cap
    matching = sa.select(sa.literal(1)).select_from(t.tasks).where(*where).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(matching).scalar_subquery()


def _after_in_queue(key: QueueKey) -> sa.ColumnElement[bool]:
    """The tasks after `key` in the queue's order: (undated, due_at, opened_at, id) compared term by term."""
    tasks = t.tasks
    later_same_due = sa.or_(tasks.c.opened_at > key.opened_at, sa.and_(tasks.c.opened_at == key.opened_at, tasks.c.id > key.id))
    if key.undated:
        return sa.and_(tasks.c.due_at.is_(None), later_same_due)
    return sa.or_(
        tasks.c.due_at.is_(None),
        tasks.c.due_at > key.due_at,
        sa.and_(tasks.c.due_at == key.due_at, later_same_due),
    )


def due_before_bound(query: QueueQuery) -> datetime:
    """Tasks due before the given day: before its first instant in Vietnam time."""
    assert query.due_before is not None
    return datetime.combine(query.due_before, datetime.min.time(), tzinfo=VIETNAM_TZ)


def nomination_record(row: RowMapping) -> NominationRecord:
    snapshot = row["snapshot"]
    return NominationRecord(
        id=row["id"],
        snapshot=NominationSnapshot.model_validate(snapshot) if snapshot is not None else None,
        status=row["status"],
        returned_at_unit=row["returned_at_unit"],
        updated_at=row["updated_at"],
        submitted_by=row["submitted_by"],
    )


class SqlNominations(port.Nominations):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def get(self, nomination_id: str, *, lock: bool = False) -> NominationRecord | None:
        query = sa.select(t.nominations).where(t.nominations.c.id == nomination_id)
        if lock:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).mappings().first()
        return nomination_record(row) if row is not None else None

    async def add(self, record: NominationRecord) -> None:
        await self.conn.execute(
            t.nominations.insert().values(
                id=record.id,
                snapshot=record.snapshot.model_dump(mode="json") if record.snapshot is not None else None,
                status=record.status,
                returned_at_unit=record.returned_at_unit,
                updated_at=record.updated_at,
                submitted_by=record.submitted_by,
            )
        )

    async def reopen(self, nomination_id: str, snapshot: NominationSnapshot, at: datetime) -> None:
        noms = t.nominations
        await self.conn.execute(
            noms.update()
            .where(noms.c.id == nomination_id)
            .values(snapshot=snapshot.model_dump(mode="json"), status="in_review", returned_at_unit=None, updated_at=at)
        )

    async def set_status(self, nomination_ids: Sequence[str], status: NominationStatus, at: datetime) -> None:
        noms = t.nominations
        await self.conn.execute(noms.update().where(noms.c.id.in_(nomination_ids)).values(status=status, updated_at=at))

    async def returned(self, nomination_id: str, unit_code: str, at: datetime) -> None:
        noms = t.nominations
        await self.conn.execute(
            noms.update().where(noms.c.id == nomination_id).values(status="returned", returned_at_unit=unit_code, updated_at=at)
        )

    async def repath(self, nomination_id: str, snapshot: NominationSnapshot, returned_at_unit: str | None) -> None:
        noms = t.nominations
        await self.conn.execute(
            noms.update()
            .where(noms.c.id == nomination_id)
            .values(snapshot=snapshot.model_dump(mode="json"), returned_at_unit=returned_at_unit)
        )

    async def under_review(self) -> list[NominationRecord]:
        noms = t.nominations
        query = sa.select(noms).where(noms.c.status.in_(["in_review", "returned"])).order_by(noms.c.id)
        return [nomination_record(row) for row in (await self.conn.execute(query)).mappings()]

    async def unit_paths(self, nomination_ids: Sequence[str]) -> dict[str, list[UnitRef]]:
        noms = t.nominations
        # only the path out of each snapshot (the timer loop asks for thousands): JSON extraction in the database, as
        # text, decoded once per distinct path (a batch's nominations share a few)
        path = sa.cast(noms.c.snapshot["unit_path"], sa.Text)
        query = sa.select(noms.c.id, path).where(noms.c.id.in_(nomination_ids), noms.c.snapshot.is_not(None))
        return {nid: list(unit_refs(units)) for nid, units in await self.conn.execute(query) if units not in (None, "null")}


MOVE_COLUMNS = (
    "task_id",
    "kind",
    "at",
    "from_unit",
    "to_unit",
    "reason",
    "was_due_at",
    "new_due_at",
    "actor_id",
    "actor_name",
    "comment",
)


class SqlMoves(port.Moves):
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, *moves: TaskMove) -> None:
        # at the driver, each unit dumped once (its cached dump: the same object for every move naming it)
        rows = [
            (
                m.task_id,
                m.kind,
                m.at,
                _unit_json(m.from_unit),
                _unit_json(m.to_unit),
                m.reason,
                m.was_due_at,
                m.new_due_at,
                m.actor_id,
                m.actor_name,
                m.comment,
            )
            for m in moves
        ]
        await insert_rows(self.conn, t.task_moves, MOVE_COLUMNS, rows)

    async def of_task(self, task_id: str) -> list[TaskMove]:
        m = t.task_moves
        rows = (await self.conn.execute(sa.select(m).where(m.c.task_id == task_id).order_by(m.c.at, m.c.id))).mappings()
        return [
            TaskMove(
                task_id=r["task_id"],
                kind=r["kind"],
                at=r["at"],
                from_unit=UnitRef.model_validate(r["from_unit"]),
                to_unit=UnitRef.model_validate(r["to_unit"]),
                reason=r["reason"],
                was_due_at=r["was_due_at"],
                new_due_at=r["new_due_at"],
                actor_id=r["actor_id"],
                actor_name=r["actor_name"],
                comment=r["comment"],
            )
            for r in rows
        ]
