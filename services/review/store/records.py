"""Review's rows as typed records: what the store reads and writes, and what the use cases pass around.

A task's record is the domain `ReviewTask` with what the queue shows beside it; a proposal is the domain
`Proposal`. Values kept as JSON in a column (a unit, a snapshot, a summary) are pydantic models, the wire's
own where the value travels unchanged (a reorganisation's summary).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from services.review.domain.council import RecordedVote
from services.review.domain.task import ReviewTask
from shared.contracts.events import CouncilVote, NominationSnapshot, Recipient
from shared.contracts.operations.review import QueueCounts, QueueSort, QueueSortKey, ReorganisationSummary
from shared.contracts.values import UnitRef
from shared.rules.council import Check
from shared.rules.text import normalize_name

NominationStatus = Literal["in_review", "returned", "withdrawn", "closed"]
# escalated: a superior alerted; sent_back: a superior's new due date; urged: a superior's message; received: the
# superior received the dossier directly; reorganised: the tree changed; returned_home: moved back to its own unit's
# queue by migration 0008 (escalated under the rules before issue 17).
MoveKind = Literal["escalated", "sent_back", "urged", "received", "reorganised", "returned_home"]


@dataclass(frozen=True)
class TaskRecord:
    """One row of `tasks`: the task and what a queue lists about it."""

    task: ReviewTask
    award_code: str
    award_name: str
    nominee_name: str
    nominee_kind: str
    origin_unit_code: str
    origin_unit_name: str
    period: str
    opened_at: datetime
    claimed_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    decided_by_name: str | None = None
    comment: str | None = None
    escalated_at: datetime | None = None

    @property
    def id(self) -> str:
        return self.task.id


@dataclass(frozen=True)
class NominationRecord:
    """Review's replica of a nomination it reviews; `snapshot` is None for a withdrawal seen before its submission."""

    id: str
    snapshot: NominationSnapshot | None
    status: NominationStatus
    updated_at: datetime
    returned_at_unit: str | None = None
    submitted_by: str | None = None  # the submitting user, told of what happens to the dossier (None before 0007)


@dataclass(frozen=True, order=True)
class QueueKey:
    """Where a task stands in a queue's order (oldest due first, undated last, then opened, then id): a keyset page
    starts after one."""

    undated: bool
    due_at: datetime | None
    opened_at: datetime
    id: str

    @classmethod
    def of(cls, record: TaskRecord) -> QueueKey:
        return cls(record.task.due_at is None, record.task.due_at, record.opened_at, record.id)


@dataclass(frozen=True)
class SortedKey:
    """Where a task stands in a queue read in another order than the queue's own (`QueueQuery.sort`): the sort
    column's value, then the id; a keyset page starts after one (before one, when the order is reversed)."""

    value: str | datetime
    id: str


def sort_key(sort: QueueSort) -> tuple[QueueSortKey, bool]:
    """The key of a sort and whether it is reversed ("-due" → ("due", True))."""
    return typing.cast(QueueSortKey, sort.removeprefix("-")), sort.startswith("-")


def sort_value(record: TaskRecord, key: QueueSortKey) -> str | datetime:
    """The value a task is sorted by under `key` (not "due": QueueKey), as its column holds it."""
    if key == "received":
        return record.opened_at
    if key == "nominee":
        return normalize_name(record.nominee_name)  # as `nominee_search` stores it
    if key == "award":
        return record.award_name
    assert key == "state", key
    return record.task.state.value


@dataclass(frozen=True)
class QueueRows:
    """A page of a unit's queue, with the counts the queue shows and the total of its filter."""

    total: int
    counts: QueueCounts
    items: list[TaskRecord]


@dataclass(frozen=True)
class UnitQueue:
    """The active tasks held in one unit's queue, as the ops figures count them."""

    unit_code: str
    name: str
    level: str
    depth: int
    overdue: int
    oldest_opened_at: datetime


@dataclass(frozen=True)
class DecidedTask:
    queue_unit_code: str
    opened_at: datetime
    decided_at: datetime


@dataclass(frozen=True)
class ScheduledTimer:
    """A timer to write: `generation` ties it to one due date of its task."""

    task_id: str
    kind: str  # before_due | due_day | escalate
    generation: int
    fire_at: datetime


@dataclass(frozen=True)
class TimerRecord:
    id: int
    task_id: str
    kind: str
    generation: int
    fire_at: datetime
    attempts: int = 0
    fired_at: datetime | None = None
    outcome: str | None = None
    fired_by: str | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class TaskMove:
    """A move of a task between queues: an escalation up, a send-back down, a reorganisation."""

    task_id: str
    kind: MoveKind
    at: datetime
    from_unit: UnitRef
    to_unit: UnitRef
    actor_id: str
    actor_name: str
    reason: str | None = None  # overdue | no_approver (escalations)
    was_due_at: datetime | None = None
    new_due_at: datetime | None = None
    comment: str | None = None


@dataclass(frozen=True)
class NewNotification:
    """What the bell will show one person."""

    user_id: str
    kind: str  # before_due | due_day | escalated_in | sent_back | reorganised_in, and the bell's (domain.bell)
    task_id: str
    nomination_id: str
    unit_code: str
    text: str
    due_at: datetime | None
    created_at: datetime
    event_id: str | None = field(default=None, kw_only=True)  # the event it tells of: one note per event and person
    count: int = field(default=1, kw_only=True)  # dossiers a batched "new in queue" note counts


@dataclass(frozen=True)
class NotificationRecord(NewNotification):
    """A notification stored, read or not."""

    id: int
    read_at: datetime | None


@dataclass(frozen=True)
class Preference:
    """How one person wants one kind of notification."""

    kind: str
    delivery: str  # bell | email_now | email_daily
    digest_hour: int | None = None


@dataclass(frozen=True)
class Roster:
    """A unit's active approvers as the portal last announced them."""

    unit_code: str
    approvers: tuple[Recipient, ...]
    changed_at: datetime


@dataclass(frozen=True)
class CouncilMeetingRecord:
    id: str
    unit: UnitRef
    held_on: date
    members: int
    present: int
    secret_ballot: bool
    chair: str | None
    note: str | None
    recorded_by: str
    recorded_by_name: str
    recorded_at: datetime
    council_id: str | None = None  # the standing council that met; None: counts typed in
    present_member_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class CouncilMemberRecord:
    """One member of a standing council: the role they hold and the days they serve (both ends inclusive)."""

    id: str
    council_id: str
    position: int
    full_name: str
    title: str  # chức vụ
    role: str  # chair | vice_chair | standing | member | secretary
    term_from: date | None = None
    term_to: date | None = None

    def serves_on(self, day: date) -> bool:
        return (self.term_from is None or self.term_from <= day) and (self.term_to is None or day <= self.term_to)


@dataclass(frozen=True)
class StandingCouncilRecord:
    """A unit's standing council as its founding decision set it up, with its roster (in order)."""

    id: str
    unit_code: str
    kind: str  # tdkt | bch_cdcs | joint (shared.rules.council.CouncilKind)
    name: str
    decision_number: str
    decision_date: date
    decision_signer: str
    created_by: str
    created_at: datetime
    members: tuple[CouncilMemberRecord, ...] = ()

    def serving(self, day: date) -> tuple[CouncilMemberRecord, ...]:
        return tuple(m for m in self.members if m.serves_on(day))


@dataclass(frozen=True)
class CouncilVoteRecord:
    """The vote of one meeting on one task; `id` orders votes (the highest counts) and is None until stored."""

    meeting_id: str
    task_id: str
    nomination_id: str
    votes_for: int
    votes_against: int
    passed: bool
    required: bool  # whether this level had to vote (the rule, at the task's level)
    explanation: str  # shared.rules.council's checks, Vietnamese, with the numbers
    checks: tuple[Check, ...]
    recorded_at: datetime
    id: int | None = None


@dataclass(frozen=True)
class CouncilVoteEntry:
    """A vote with the meeting that cast it."""

    vote: CouncilVoteRecord
    meeting: CouncilMeetingRecord

    def recorded(self) -> RecordedVote:
        m = self.meeting
        return RecordedVote(
            unit_name=m.unit.name,
            held_on=m.held_on,
            vote=CouncilVote(
                members=m.members,
                present=m.present,
                votes_for=self.vote.votes_for,
                votes_against=self.vote.votes_against,
                secret_ballot=m.secret_ballot,
            ),
            passed=self.vote.passed,
            explanation=self.vote.explanation,
            warning=any(c.warning for c in self.vote.checks),
        )


@dataclass(frozen=True)
class ProposalTask:
    """A task listed in a tờ trình, at its position (from 1)."""

    proposal_id: str
    task_id: str
    nomination_id: str
    position: int


@dataclass(frozen=True)
class ReorganisationRecord:
    id: str
    effective_on: date
    processed_at: datetime
    summary: ReorganisationSummary
