"""Review's store in memory: every repository of `services.review.store.port`, and a unit of work around them.

Records are immutable, so a transaction is a copy of the containers: leaving the unit of work without
`commit` (or failing inside a savepoint) puts the copy back, as the database's rollback would. Queries
answer as the SQL does (same filters, same order, instants in UTC, ids per table), so use cases behave the
same on either. One module, about 600 lines, because it is the whole port in one place: a method
added to `store.port` fails here until it has its fake, next to the others.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, Self, TypeVar

from services.review.domain.proposal import Proposal
from services.review.domain.task import ACTIVE_STATES, TaskState
from services.review.store import port
from services.review.store.records import (
    CouncilMeetingRecord,
    CouncilMemberRecord,
    CouncilVoteEntry,
    CouncilVoteRecord,
    DecidedTask,
    NewNotification,
    NominationRecord,
    NominationStatus,
    NotificationRecord,
    Preference,
    ProposalTask,
    QueueKey,
    QueueRows,
    ReorganisationRecord,
    Roster,
    ScheduledTimer,
    SortedKey,
    StandingCouncilRecord,
    TaskMove,
    TaskRecord,
    TimerRecord,
    UnitQueue,
    sort_key,
    sort_value,
)
from shared.contracts.events import Event, NominationSnapshot, Recipient
from shared.contracts.operations.review import QUEUE_COUNT_CAP, QueueCounts, QueueQuery
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.text import normalize_name

E = TypeVar("E", bound=Event)


@dataclass
class ReviewData:
    """Everything review's database holds, as records."""

    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    nominations: dict[str, NominationRecord] = field(default_factory=dict)
    timers: dict[int, TimerRecord] = field(default_factory=dict)
    moves: list[TaskMove] = field(default_factory=list)
    notifications: dict[int, NotificationRecord] = field(default_factory=dict)
    preferences: dict[tuple[str, str], Preference] = field(default_factory=dict)
    rosters: dict[str, Roster] = field(default_factory=dict)
    meetings: dict[str, CouncilMeetingRecord] = field(default_factory=dict)
    votes: dict[int, CouncilVoteRecord] = field(default_factory=dict)
    standing: dict[str, StandingCouncilRecord] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)
    proposal_tasks: list[ProposalTask] = field(default_factory=list)
    reorganisations: dict[str, ReorganisationRecord] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)
    outbox: list[Event] = field(default_factory=list)
    last_ids: dict[str, int] = field(default_factory=dict)  # each table's autoincrement

    def copy(self) -> ReviewData:
        """The containers copied; the records in them are immutable and shared."""
        return ReviewData(
            tasks=dict(self.tasks),
            nominations=dict(self.nominations),
            timers=dict(self.timers),
            moves=list(self.moves),
            notifications=dict(self.notifications),
            preferences=dict(self.preferences),
            rosters=dict(self.rosters),
            meetings=dict(self.meetings),
            votes=dict(self.votes),
            standing=dict(self.standing),
            proposals=dict(self.proposals),
            proposal_tasks=list(self.proposal_tasks),
            reorganisations=dict(self.reorganisations),
            inbox=set(self.inbox),
            outbox=list(self.outbox),
            last_ids=dict(self.last_ids),
        )

    def restore(self, saved: ReviewData) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(saved, f.name))

    def next_id(self, table: str) -> int:
        self.last_ids[table] = self.last_ids.get(table, 0) + 1
        return self.last_ids[table]


def _is_active(record: TaskRecord) -> bool:
    return record.task.state in ACTIVE_STATES


R = TypeVar("R")


def stored(record: R) -> R:
    """The record as the database gives it back: every instant in UTC (`UtcDateTime`), nested records too."""
    if not is_dataclass(record) or isinstance(record, type):
        return record
    changes: dict[str, object] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):
            changes[f.name] = value.astimezone(UTC)
        elif is_dataclass(value) and not isinstance(value, type):
            changes[f.name] = stored(value)
    return replace(record, **changes)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=VIETNAM_TZ)


def _due_before(record: TaskRecord, when: datetime) -> bool:
    return record.task.due_at is not None and record.task.due_at < when


class FakeTasks(port.Tasks):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def get(self, task_id: str, *, lock: bool = False) -> TaskRecord | None:
        return self.data.tasks.get(task_id)

    async def lock_many(self, task_ids: Sequence[str]) -> dict[str, TaskRecord]:
        return {i: self.data.tasks[i] for i in sorted(set(task_ids)) if i in self.data.tasks}

    async def lock_of_nomination(self, nomination_id: str) -> None:
        return None  # one test, one task at a time: nothing to wait for

    async def of_nomination(self, nomination_id: str) -> list[TaskRecord]:
        found = [r for r in self.data.tasks.values() if r.task.nomination_id == nomination_id]
        return sorted(found, key=lambda r: r.opened_at)

    async def add(self, record: TaskRecord) -> None:
        assert record.id not in self.data.tasks, f"task {record.id} added twice"
        self.data.tasks[record.id] = stored(record)

    async def save(self, *records: TaskRecord) -> None:
        for record in records:
            if record.id in self.data.tasks:  # an UPDATE of a row that is gone changes nothing
                self.data.tasks[record.id] = stored(record)

    async def cancel_active_of_nomination(self, nomination_id: str, at: datetime, comment: str | None) -> None:
        for record in list(self.data.tasks.values()):
            if record.task.nomination_id == nomination_id and _is_active(record):
                cancelled = replace(record.task, state=TaskState.CANCELLED)
                self.data.tasks[record.id] = stored(replace(record, task=cancelled, decided_at=at, comment=comment))

    async def queue_page(
        self,
        query: QueueQuery,
        now: datetime,
        *,
        after: QueueKey | SortedKey | None = None,
        limit: int | None = None,
        claimant_id: str | None = None,
    ) -> QueueRows:
        code = query.unit_code

        def held_here(r: TaskRecord) -> bool:
            return r.task.holder.code == code

        def overdue_below(r: TaskRecord) -> bool:  # a superior alerted as `code`
            return _is_active(r) and any(u.code == code for u in r.task.alerted)

        def in_state(r: TaskRecord) -> bool:
            return {
                "open": r.task.state is TaskState.OPEN,
                "claimed": r.task.state is TaskState.CLAIMED,
                "overdue": _is_active(r) and _due_before(r, now),
                "escalated_in": True,
                "escalated_out": r.task.is_escalated,
                "active": _is_active(r),
                "done": not _is_active(r),
                "all": True,
            }[query.state]

        def matches(r: TaskRecord) -> bool:
            if not (overdue_below(r) if query.state == "escalated_in" else held_here(r)) or not in_state(r):
                return False
            if query.award_code and r.award_code != query.award_code:
                return False
            if query.origin_unit_code and r.origin_unit_code != query.origin_unit_code:
                return False
            if query.period and r.period != query.period:
                return False
            if query.due_before and not _due_before(
                r, datetime.combine(query.due_before, datetime.min.time(), tzinfo=VIETNAM_TZ)
            ):
                return False
            if claimant_id is not None and r.task.claimant_id != claimant_id:
                return False
            return not query.q or normalize_name(query.q) in normalize_name(r.nominee_name)

        tasks = list(self.data.tasks.values())
        held = [r for r in tasks if held_here(r) and _is_active(r)]

        def capped(n: int, cap: int = QUEUE_COUNT_CAP) -> int:
            return min(n, cap + 1)

        counts = QueueCounts(
            open=capped(sum(r.task.state is TaskState.OPEN for r in held)),
            claimed=capped(sum(r.task.state is TaskState.CLAIMED for r in held)),
            overdue=capped(sum(_due_before(r, now) for r in held)),
            escalated_in=capped(sum(overdue_below(r) for r in tasks)),
            escalated_out=capped(sum(r.task.is_escalated for r in held)),
        )
        found = [r for r in tasks if matches(r)]
        column, descending = sort_key(query.sort)

        def place(r: TaskRecord | QueueKey | SortedKey) -> tuple[Any, ...]:
            if isinstance(r, QueueKey | SortedKey):
                return _queue_order(r, now) if isinstance(r, QueueKey) else (r.value, r.id)
            return _queue_order(QueueKey.of(r), now) if column == "due" else (sort_value(r, column), r.id)

        found.sort(key=place, reverse=descending)
        total = capped(len(found), QUEUE_COUNT_CAP + query.offset)
        if after is not None:
            mark = place(after)
            found = [r for r in found if (place(r) < mark if descending else place(r) > mark)]
        size = query.limit if limit is None else limit
        return QueueRows(total=total, counts=counts, items=found[query.offset : query.offset + size])

    async def active_of_nominations(self, nomination_ids: Sequence[str], *, lock: bool) -> list[TaskRecord]:
        wanted = set(nomination_ids)
        found = [r for r in self.data.tasks.values() if _is_active(r) and r.task.nomination_id in wanted]
        return sorted(found, key=lambda r: r.id)

    async def active_without_timers(self) -> list[TaskRecord]:
        timed = {(t.task_id, t.generation) for t in self.data.timers.values()}
        return [
            r
            for r in self.data.tasks.values()
            if _is_active(r) and r.task.due_at is not None and (r.id, r.task.generation) not in timed
        ]

    async def queue_figures(self, now: datetime) -> list[UnitQueue]:
        held: dict[str, list[TaskRecord]] = {}
        for record in sorted(self.data.tasks.values(), key=lambda r: r.id):
            if _is_active(record):
                held.setdefault(record.task.holder.code, []).append(record)
        return [
            UnitQueue(
                unit_code=code,
                name=records[0].task.holder.name,  # as the task with the smallest id carries it
                level=records[0].task.holder.level,
                depth=len(records),
                overdue=sum(_due_before(r, now) for r in records),
                oldest_opened_at=min(r.opened_at for r in records),
            )
            for code, records in held.items()
        ]

    async def decided_since(self, since: datetime) -> list[DecidedTask]:
        return [
            DecidedTask(r.task.holder.code, r.opened_at, r.decided_at)
            for r in self.data.tasks.values()
            if r.decided_at is not None and r.decided_at >= since
        ]


class FakeNominations(port.Nominations):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    def _change(self, nomination_id: str, change: Callable[[NominationRecord], NominationRecord]) -> None:
        found = self.data.nominations.get(nomination_id)
        if found is not None:  # an UPDATE of a row that is not there changes nothing
            self.data.nominations[nomination_id] = stored(change(found))

    async def get(self, nomination_id: str, *, lock: bool = False) -> NominationRecord | None:
        return self.data.nominations.get(nomination_id)

    async def add(self, record: NominationRecord) -> None:
        assert record.id not in self.data.nominations, f"nomination {record.id} added twice"
        self.data.nominations[record.id] = stored(record)

    async def reopen(self, nomination_id: str, snapshot: NominationSnapshot, at: datetime) -> None:
        self._change(
            nomination_id, lambda n: replace(n, snapshot=snapshot, status="in_review", returned_at_unit=None, updated_at=at)
        )

    async def set_status(self, nomination_ids: Sequence[str], status: NominationStatus, at: datetime) -> None:
        for nomination_id in nomination_ids:
            self._change(nomination_id, lambda n: replace(n, status=status, updated_at=at))

    async def returned(self, nomination_id: str, unit_code: str, at: datetime) -> None:
        self._change(nomination_id, lambda n: replace(n, status="returned", returned_at_unit=unit_code, updated_at=at))

    async def repath(self, nomination_id: str, snapshot: NominationSnapshot, returned_at_unit: str | None) -> None:
        self._change(nomination_id, lambda n: replace(n, snapshot=snapshot, returned_at_unit=returned_at_unit))

    async def under_review(self) -> list[NominationRecord]:
        found = [n for n in self.data.nominations.values() if n.status in ("in_review", "returned")]
        return sorted(found, key=lambda n: n.id)

    async def unit_paths(self, nomination_ids: Sequence[str]) -> dict[str, list[UnitRef]]:
        return {
            i: list(n.snapshot.unit_path)
            for i in nomination_ids
            if (n := self.data.nominations.get(i)) is not None and n.snapshot is not None
        }


class FakeTimers(port.Timers):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def add(self, timers: Sequence[ScheduledTimer]) -> None:
        taken = {(t.task_id, t.kind, t.generation) for t in self.data.timers.values()}
        for timer in timers:
            if (timer.task_id, timer.kind, timer.generation) in taken:
                raise port.AlreadyScheduled(f"{timer.kind} of task {timer.task_id}, generation {timer.generation}")
            timer_id = self.data.next_id("timers")
            self.data.timers[timer_id] = stored(TimerRecord(timer_id, timer.task_id, timer.kind, timer.generation, timer.fire_at))
            taken.add((timer.task_id, timer.kind, timer.generation))

    async def bring_forward(self, unit_code: str, now: datetime) -> int:
        moved = 0
        for timer in list(self.data.timers.values()):
            task = self.data.tasks.get(timer.task_id)
            waiting = (
                task is not None
                and task.task.holder.code == unit_code
                and _is_active(task)
                and not task.task.is_escalated
                and task.task.generation == timer.generation
            )
            if timer.kind == "escalate" and timer.fired_at is None and timer.fire_at > now and waiting:
                self.data.timers[timer.id] = stored(replace(timer, fire_at=now))
                moved += 1
        return moved

    async def move_escalation(self, task_id: str, generation: int, fire_at: datetime) -> None:
        for timer in list(self.data.timers.values()):
            if (timer.task_id, timer.generation, timer.kind) == (task_id, generation, "escalate") and timer.fired_at is None:
                self.data.timers[timer.id] = stored(replace(timer, fire_at=fire_at))

    async def due(self, now: datetime, limit: int) -> list[TimerRecord]:
        due = [t for t in self.data.timers.values() if t.fired_at is None and t.fire_at <= now]
        return sorted(due, key=lambda t: (t.fire_at, t.id))[:limit]

    async def next_after(self, now: datetime) -> datetime | None:
        return min((t.fire_at for t in self.data.timers.values() if t.fired_at is None and t.fire_at > now), default=None)

    async def mark_fired(self, outcomes: Sequence[tuple[int, str]], at: datetime, by: str) -> None:
        for timer_id, outcome in outcomes:
            self.data.timers[timer_id] = stored(replace(self.data.timers[timer_id], fired_at=at, outcome=outcome, fired_by=by))

    async def reschedule(self, moves: Sequence[tuple[int, datetime]]) -> None:
        for timer_id, fire_at in moves:
            self.data.timers[timer_id] = stored(replace(self.data.timers[timer_id], fire_at=fire_at))

    async def record_failure(self, timer_id: int, error: str, at: datetime, *, gave_up: bool) -> None:
        timer = self.data.timers[timer_id]
        failed = replace(
            timer,
            attempts=timer.attempts + 1,
            last_error=error[:2000],
            fired_at=at if gave_up else None,
            outcome="failed" if gave_up else None,
        )
        self.data.timers[timer_id] = stored(failed)


class FakeMoves(port.Moves):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def add(self, *moves: TaskMove) -> None:
        self.data.moves.extend(stored(m) for m in moves)

    async def of_task(self, task_id: str) -> list[TaskMove]:
        return sorted((m for m in self.data.moves if m.task_id == task_id), key=lambda m: m.at)  # stable: then as added


class FakeNotifications(port.Notifications):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def add(self, *notifications: NewNotification) -> list[int]:
        ids = []
        for n in notifications:
            note_id = self.data.next_id("notifications")
            self.data.notifications[note_id] = stored(NotificationRecord(**vars(n), id=note_id, read_at=None))
            ids.append(note_id)
        return ids

    async def unread_count(self, user_id: str) -> int:
        return sum(n.user_id == user_id and n.read_at is None for n in self.data.notifications.values())

    async def of_user(self, user_id: str, *, unread_only: bool, limit: int) -> list[NotificationRecord]:
        mine = [n for n in self.data.notifications.values() if n.user_id == user_id and not (unread_only and n.read_at)]
        return sorted(mine, key=lambda n: (n.created_at, n.id), reverse=True)[:limit]

    async def mark_read(self, user_id: str, ids: Sequence[int] | None, at: datetime) -> int:
        marked = 0
        for n in list(self.data.notifications.values()):
            if n.user_id == user_id and n.read_at is None and (ids is None or n.id in ids):
                self.data.notifications[n.id] = stored(replace(n, read_at=at))
                marked += 1
        return marked

    async def unread_batch(self, user_id: str, kind: str, unit_code: str) -> NotificationRecord | None:
        found = [
            n
            for n in self.data.notifications.values()
            if (n.user_id, n.kind, n.unit_code) == (user_id, kind, unit_code) and n.read_at is None
        ]
        return max(found, key=lambda n: (n.created_at, n.id), default=None)

    async def update_batch(self, note_id: int, *, count: int, text: str, task_id: str, nomination_id: str, at: datetime) -> None:
        note = self.data.notifications[note_id]
        changed = replace(note, count=count, text=text, task_id=task_id, nomination_id=nomination_id, created_at=at)
        self.data.notifications[note_id] = stored(changed)


class FakePreferences(port.Preferences):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def of_user(self, user_id: str) -> list[Preference]:
        return [p for (user, _), p in sorted(self.data.preferences.items()) if user == user_id]

    async def put(self, user_id: str, preferences: Sequence[Preference], at: datetime) -> None:
        for p in preferences:
            self.data.preferences[(user_id, p.kind)] = stored(p)


class FakeRosters(port.Rosters):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def get(self, unit_code: str, *, lock: bool = False) -> Roster | None:
        return self.data.rosters.get(unit_code)

    async def of_units(self, unit_codes: Sequence[str]) -> dict[str, list[Recipient]]:
        return {c: list(r.approvers) for c in unit_codes if (r := self.data.rosters.get(c)) is not None}

    async def put(self, roster: Roster, *, new: bool) -> None:
        assert new == (roster.unit_code not in self.data.rosters), "a new roster for a known unit, or the reverse"
        self.data.rosters[roster.unit_code] = stored(roster)


class FakeCouncils(port.Councils):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    def _entry(self, vote: CouncilVoteRecord) -> CouncilVoteEntry:
        return CouncilVoteEntry(vote=vote, meeting=self.data.meetings[vote.meeting_id])

    async def add_meeting(self, meeting: CouncilMeetingRecord) -> None:
        self.data.meetings[meeting.id] = stored(meeting)

    async def add_vote(self, vote: CouncilVoteRecord) -> None:
        vote_id = self.data.next_id("council_votes")
        self.data.votes[vote_id] = stored(replace(vote, id=vote_id))

    async def latest(self, task_ids: Sequence[str]) -> dict[str, CouncilVoteEntry]:
        latest: dict[str, CouncilVoteRecord] = {}
        for _, vote in sorted(self.data.votes.items()):
            if vote.task_id in task_ids:
                latest[vote.task_id] = vote  # the highest id counts
        return {task_id: self._entry(vote) for task_id, vote in latest.items()}

    async def of_nomination(self, nomination_id: str) -> list[CouncilVoteEntry]:
        votes = [v for _, v in sorted(self.data.votes.items(), reverse=True) if v.nomination_id == nomination_id]
        return [self._entry(v) for v in votes]

    async def add_standing(self, council: StandingCouncilRecord) -> None:
        self.data.standing[council.id] = stored(council)

    async def add_member(self, member: CouncilMemberRecord) -> None:
        council = self.data.standing[member.council_id]
        self.data.standing[council.id] = replace(council, members=(*council.members, member))

    async def end_member(self, member_id: str, term_to: date) -> None:
        for council in list(self.data.standing.values()):
            members = tuple(replace(m, term_to=term_to) if m.id == member_id else m for m in council.members)
            self.data.standing[council.id] = replace(council, members=members)

    async def standing_of(self, unit_code: str) -> list[StandingCouncilRecord]:
        mine = [c for c in self.data.standing.values() if c.unit_code == unit_code]
        return sorted(mine, key=lambda c: (c.decision_date, c.created_at), reverse=True)

    async def standing(self, council_id: str) -> StandingCouncilRecord | None:
        return self.data.standing.get(council_id)


class FakeProposals(port.Proposals):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def numbered_before(self, unit_code: str, year: int) -> int:
        old = [
            p.number or 0
            for p in self.data.proposals.values()
            if p.unit.code == unit_code and p.year == year and not p.document_id
        ]
        return max(old, default=0)

    async def record_signature(self, proposal: Proposal) -> None:
        self.data.proposals[proposal.id] = stored(proposal)

    async def add(self, proposal: Proposal, tasks: Sequence[ProposalTask]) -> None:
        self.data.proposals[proposal.id] = stored(proposal)
        self.data.proposal_tasks.extend(tasks)

    async def get(self, proposal_id: str) -> Proposal | None:
        return self.data.proposals.get(proposal_id)

    async def task_ids(self, proposal_id: str) -> list[str]:
        listed = sorted((pt for pt in self.data.proposal_tasks if pt.proposal_id == proposal_id), key=lambda pt: pt.position)
        return [pt.task_id for pt in listed]

    async def of_unit(self, unit_code: str, limit: int) -> list[Proposal]:
        mine = sorted((p for p in self.data.proposals.values() if p.is_party(unit_code)), key=lambda p: p.id)
        return sorted(mine, key=lambda p: p.created_at, reverse=True)[:limit]  # newest first, then by id

    async def of_nomination(self, nomination_id: str) -> list[Proposal]:
        ids = {pt.proposal_id for pt in self.data.proposal_tasks if pt.nomination_id == nomination_id}
        return sorted((self.data.proposals[i] for i in ids), key=lambda p: p.created_at)


class FakeReorganisations(port.Reorganisations):
    def __init__(self, data: ReviewData) -> None:
        self.data = data

    async def get(self, reorganisation_id: str) -> ReorganisationRecord | None:
        return self.data.reorganisations.get(reorganisation_id)

    async def add(self, record: ReorganisationRecord) -> None:
        self.data.reorganisations[record.id] = stored(record)


class FakeUnitOfWork(port.UnitOfWork):
    """One in-memory store shared by every unit of work a test opens; `commits` counts the commits."""

    def __init__(self, data: ReviewData | None = None) -> None:
        self.data = data or ReviewData()
        self.tasks = FakeTasks(self.data)
        self.nominations = FakeNominations(self.data)
        self.timers = FakeTimers(self.data)
        self.moves = FakeMoves(self.data)
        self.notifications = FakeNotifications(self.data)
        self.preferences = FakePreferences(self.data)
        self.rosters = FakeRosters(self.data)
        self.councils = FakeCouncils(self.data)
        self.proposals = FakeProposals(self.data)
        self.reorganisations = FakeReorganisations(self.data)
        self.commits = 0
        self._before: ReviewData | None = None

    async def __aenter__(self) -> Self:
        self._before = self.data.copy()
        return self

    async def commit(self) -> None:
        self.commits += 1
        self._before = self.data.copy()  # what a later rollback in the same unit of work returns to

    async def rollback(self) -> None:
        if self._before is not None:
            self.data.restore(self._before)
            self._before = None

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        saved = self.data.copy()
        try:
            yield
        except BaseException:
            self.data.restore(saved)
            raise

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        key = (consumer, str(event.event_id))
        if key in self.data.inbox:
            return False
        self.data.inbox.add(key)
        return True

    async def publish(self, *events: Event) -> None:
        self.data.outbox.extend(events)

    def published(self, event_type: type[E]) -> list[E]:
        """The outbox's events of one type, in order."""
        return [e for e in self.data.outbox if isinstance(e, event_type)]


def _queue_order(key: QueueKey, now: datetime) -> tuple[bool, datetime, datetime, str]:
    return (key.undated, key.due_at or now, key.opened_at, key.id)
