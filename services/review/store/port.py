"""What review's use cases ask of their store: one repository per kind of row, and a unit of work around them.

A use case opens a unit of work, reads and writes through its repositories, publishes its events to the
outbox (`publish`) and commits: state and outgoing events together, or nothing. `SqlUnitOfWork` (store.sql)
is the real one; the tests' in-memory fakes implement the same classes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from types import TracebackType
from typing import Self

from services.review.domain.proposal import Proposal
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
)
from shared.contracts.events import Event, NominationSnapshot, Recipient
from shared.contracts.operations.review import QueueQuery
from shared.contracts.values import UnitRef


class AlreadyScheduled(Exception):
    """A timer for the same task, kind and due date exists already (another replica wrote it at the same moment)."""


class Tasks(ABC):
    @abstractmethod
    async def get(self, task_id: str, *, lock: bool = False) -> TaskRecord | None: ...

    @abstractmethod
    async def lock_many(self, task_ids: Sequence[str]) -> dict[str, TaskRecord]:
        """The tasks found, locked in id order (the same order everywhere, so concurrent batches cannot deadlock)."""

    @abstractmethod
    async def lock_of_nomination(self, nomination_id: str) -> None:
        """Lock every task of the nomination (the lock order of `decide`: tasks first, then the nomination)."""

    @abstractmethod
    async def of_nomination(self, nomination_id: str) -> list[TaskRecord]:
        """Every task the nomination had, the oldest first."""

    @abstractmethod
    async def add(self, record: TaskRecord) -> None: ...

    @abstractmethod
    async def save(self, *records: TaskRecord) -> None:
        """Write what changes in a task's life (state, claim, holder, due date, decision, level unit)."""

    async def save_changed(self, changes: Sequence[tuple[TaskRecord, TaskRecord]]) -> None:
        """`save` for tasks changed from what was loaded (`(as loaded, as changed)`): an adapter may write only what
        differs (the timer loop saves thousands at once)."""
        await self.save(*(after for _before, after in changes))

    @abstractmethod
    async def cancel_active_of_nomination(self, nomination_id: str, at: datetime, comment: str | None) -> None: ...

    @abstractmethod
    async def queue_page(
        self,
        query: QueueQuery,
        now: datetime,
        *,
        after: QueueKey | SortedKey | None = None,
        limit: int | None = None,
        claimant_id: str | None = None,
    ) -> QueueRows:
        """A page of a unit's queue in `query.sort`'s order (by default the queue's own: oldest due first, undated
        last, then opened, then id), its counts and the total of its filter; `after`: only the tasks after that place
        (keyset: a QueueKey for "due"/"-due", a SortedKey for the other orders); `limit` instead of the query's own;
        `claimant_id`: only the tasks that user holds ("Việc của tôi", asked with `query.mine`)."""

    @abstractmethod
    async def active_of_nominations(self, nomination_ids: Sequence[str], *, lock: bool) -> list[TaskRecord]:
        """The active tasks of these nominations, in id order."""

    @abstractmethod
    async def active_without_timers(self) -> list[TaskRecord]:
        """Active tasks with a due date but no timer for it (tasks from before migration 0003)."""

    @abstractmethod
    async def queue_figures(self, now: datetime) -> list[UnitQueue]:
        """Per unit holding active tasks: how many, how many overdue, the oldest; named as the tasks carry the unit."""

    @abstractmethod
    async def decided_since(self, since: datetime) -> list[DecidedTask]: ...


class Nominations(ABC):
    @abstractmethod
    async def get(self, nomination_id: str, *, lock: bool = False) -> NominationRecord | None:
        """`lock` serialises concurrent consumers and commands on PostgreSQL."""

    @abstractmethod
    async def add(self, record: NominationRecord) -> None: ...

    @abstractmethod
    async def reopen(self, nomination_id: str, snapshot: NominationSnapshot, at: datetime) -> None:
        """A resubmission: the new snapshot, back in review, no longer returned."""

    @abstractmethod
    async def set_status(self, nomination_ids: Sequence[str], status: NominationStatus, at: datetime) -> None: ...

    @abstractmethod
    async def returned(self, nomination_id: str, unit_code: str, at: datetime) -> None:
        """Returned for correction by `unit_code`, the level that reviews it again when resubmitted."""

    @abstractmethod
    async def repath(self, nomination_id: str, snapshot: NominationSnapshot, returned_at_unit: str | None) -> None:
        """A reorganisation changed the nomination's unit path."""

    @abstractmethod
    async def under_review(self) -> list[NominationRecord]:
        """In review or returned, in id order."""

    @abstractmethod
    async def unit_paths(self, nomination_ids: Sequence[str]) -> dict[str, list[UnitRef]]: ...


class Timers(ABC):
    @abstractmethod
    async def add(self, timers: Sequence[ScheduledTimer]) -> None:
        """Raises `AlreadyScheduled` when one of them exists already."""

    @abstractmethod
    async def bring_forward(self, unit_code: str, now: datetime) -> int:
        """Pending escalations of the active tasks the unit holds whose superior is not alerted yet fire now (an alerted
        superior keeps its own time to act); returns how many."""

    @abstractmethod
    async def move_escalation(self, task_id: str, generation: int, fire_at: datetime) -> None: ...

    @abstractmethod
    async def due(self, now: datetime, limit: int) -> list[TimerRecord]:
        """Unfired timers due by `now`, locked and skipped by other replicas, the earliest first."""

    @abstractmethod
    async def next_after(self, now: datetime) -> datetime | None:
        """When the earliest unfired timer not yet due falls due (None: none pending)."""

    @abstractmethod
    async def mark_fired(self, outcomes: Sequence[tuple[int, str]], at: datetime, by: str) -> None: ...

    @abstractmethod
    async def reschedule(self, moves: Sequence[tuple[int, datetime]]) -> None: ...

    @abstractmethod
    async def record_failure(self, timer_id: int, error: str, at: datetime, *, gave_up: bool) -> None: ...


class Moves(ABC):
    @abstractmethod
    async def add(self, *moves: TaskMove) -> None: ...

    @abstractmethod
    async def of_task(self, task_id: str) -> list[TaskMove]: ...


class Notifications(ABC):
    @abstractmethod
    async def add(self, *notifications: NewNotification) -> list[int]:
        """Store the notes; their ids, in the order given."""

    @abstractmethod
    async def unread_count(self, user_id: str) -> int: ...

    @abstractmethod
    async def of_user(self, user_id: str, *, unread_only: bool, limit: int) -> list[NotificationRecord]:
        """The newest first."""

    @abstractmethod
    async def mark_read(self, user_id: str, ids: Sequence[int] | None, at: datetime) -> int:
        """Mark the user's unread notifications (those of `ids`, or all) read; returns how many."""

    @abstractmethod
    async def unread_batch(self, user_id: str, kind: str, unit_code: str) -> NotificationRecord | None:
        """The user's unread note of this kind for the unit (the newest), to add a dossier to instead of a new note."""

    @abstractmethod
    async def update_batch(self, note_id: int, *, count: int, text: str, task_id: str, nomination_id: str, at: datetime) -> None:
        """A batched note now counts `count` dossiers, the newest `task_id`; it moves up to `at` in the bell."""


class Preferences(ABC):
    @abstractmethod
    async def of_user(self, user_id: str) -> list[Preference]:
        """The kinds the user chose something for (a kind absent: the bell only)."""

    @abstractmethod
    async def put(self, user_id: str, preferences: Sequence[Preference], at: datetime) -> None:
        """Write these kinds' choices (insert or replace)."""


class Rosters(ABC):
    @abstractmethod
    async def get(self, unit_code: str, *, lock: bool = False) -> Roster | None:
        """None: the portal never announced the unit (unknown, not empty)."""

    @abstractmethod
    async def of_units(self, unit_codes: Sequence[str]) -> dict[str, list[Recipient]]: ...

    @abstractmethod
    async def put(self, roster: Roster, *, new: bool) -> None: ...


class Councils(ABC):
    @abstractmethod
    async def add_meeting(self, meeting: CouncilMeetingRecord) -> None: ...

    @abstractmethod
    async def add_vote(self, vote: CouncilVoteRecord) -> None: ...

    @abstractmethod
    async def latest(self, task_ids: Sequence[str]) -> dict[str, CouncilVoteEntry]:
        """The vote that counts on each task: the latest recorded."""

    @abstractmethod
    async def of_nomination(self, nomination_id: str) -> list[CouncilVoteEntry]:
        """Every vote on the nomination's tasks, the newest first."""

    # Standing councils

    @abstractmethod
    async def add_standing(self, council: StandingCouncilRecord) -> None:
        """A new standing council with its roster."""

    @abstractmethod
    async def add_member(self, member: CouncilMemberRecord) -> None: ...

    @abstractmethod
    async def end_member(self, member_id: str, term_to: date) -> None:
        """The member's term ends on `term_to` (the last day served)."""

    @abstractmethod
    async def standing_of(self, unit_code: str) -> list[StandingCouncilRecord]:
        """The unit's standing councils, the newest founding decision first, each with its roster."""

    @abstractmethod
    async def standing(self, council_id: str) -> StandingCouncilRecord | None: ...


class Proposals(ABC):
    @abstractmethod
    async def numbered_before(self, unit_code: str, year: int) -> int:
        """The highest number review itself gave the unit's letters of the year, before the register numbered them."""

    @abstractmethod
    async def record_signature(self, proposal: Proposal) -> None:
        """Keep the number, date, signer and signed file the letter got when its officer signed it."""

    @abstractmethod
    async def add(self, proposal: Proposal, tasks: Sequence[ProposalTask]) -> None: ...

    @abstractmethod
    async def get(self, proposal_id: str) -> Proposal | None: ...

    @abstractmethod
    async def task_ids(self, proposal_id: str) -> list[str]:
        """In the letter's order."""

    @abstractmethod
    async def of_unit(self, unit_code: str, limit: int) -> list[Proposal]:
        """The letters the unit sent and those it received, newest first."""

    @abstractmethod
    async def of_nomination(self, nomination_id: str) -> list[Proposal]:
        """The letters the nomination went up with, oldest first."""


class Reorganisations(ABC):
    @abstractmethod
    async def get(self, reorganisation_id: str) -> ReorganisationRecord | None: ...

    @abstractmethod
    async def add(self, record: ReorganisationRecord) -> None: ...


class UnitOfWork(ABC):
    """One transaction over review's store; leaving it without `commit` rolls everything back."""

    tasks: Tasks
    nominations: Nominations
    timers: Timers
    moves: Moves
    notifications: Notifications
    preferences: Preferences
    rosters: Rosters
    councils: Councils
    proposals: Proposals
    reorganisations: Reorganisations

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.rollback()

    @abstractmethod
    async def commit(self) -> None: ...

    @abstractmethod
    async def rollback(self) -> None: ...

    @abstractmethod
    def savepoint(self) -> AbstractAsyncContextManager[None]:
        """A nested transaction: what fails inside it is undone, what came before stays."""

    @abstractmethod
    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        """Record the event in the inbox as processed by `consumer`; False if it already was."""

    @abstractmethod
    async def publish(self, *events: Event) -> None:
        """Put the events in the outbox, committed with the state they describe."""
