"""Registration's rows as typed records: what the store reads and writes, and what the use cases handle.

A record is a value (frozen); a use case changes one with `dataclasses.replace` and hands it back to the store.
Columns derived from other columns (`path_codes`, `nominee_search`) are the store's business, not the records'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.registration.domain.emulation import PledgeStatus
from services.registration.domain.nomination import Status, Step
from shared.contracts.commands import PledgeTarget
from shared.contracts.events import CouncilVote, EligibilityCheck, Nominee
from shared.contracts.values import Level, UnitRef


@dataclass(frozen=True)
class UnitRow:
    """A unit of the hierarchy as registration holds it today (closed ones included)."""

    code: str
    name: str
    short_name: str
    level: Level
    parent_code: str | None
    decision_suffix: str | None
    sector: str | None
    valid_from: date | None
    valid_to: date | None
    reorganised_by: str | None  # the reorganisation that last changed it; `thidua migrate` then leaves it alone


@dataclass(frozen=True)
class NominationRow:
    id: str
    unit_code: str
    unit_path: tuple[UnitRef, ...]  # the submitting CĐCS first, then each superior up to the root
    award_code: str
    award_name: str
    awarding_level: str
    catalog_version: str
    period: str
    nominee: Nominee
    eligibility: tuple[EligibilityCheck, ...]  # the checks judged at (re)submission
    achievements: str
    council_vote: CouncilVote | None
    status: Status
    round: int
    active_key: str | None  # unique while the nomination is active; None once it is not
    current_unit_code: str | None
    current_unit_name: str | None
    last_reason: str | None
    decision: dict[str, Any] | None  # the decision (or proposal) as awards announced it, with its revocation if any
    campaign_code: str | None
    topic: str | None
    submitted_by: str
    created_at: datetime
    updated_at: datetime

    def passes_through(self, unit_code: str) -> bool:
        return any(u.code == unit_code for u in self.unit_path)


@dataclass(frozen=True)
class TimelineRow:
    """One line of a nomination's timeline."""

    nomination_id: str
    at: datetime
    step: Step
    actor_id: str
    actor_name: str
    unit_code: str | None
    unit_name: str | None
    comment: str | None
    event_id: str | None = None


@dataclass(frozen=True)
class LastStep:
    """The latest line of a nomination's timeline, as the stuck-nominations view shows it."""

    step: Step
    at: datetime
    unit_code: str | None
    unit_name: str | None
    actor_name: str


@dataclass(frozen=True)
class StuckRow:
    nomination: NominationRow
    last_step: LastStep


@dataclass(frozen=True)
class AttachmentRow:
    """A file of a dossier: its description here, its bytes in registration's Object Store bucket."""

    id: str
    nomination_id: str
    document_type: str
    document_name: str
    filename: str
    media_type: str
    size: int
    sha256: str
    bucket: str
    object_name: str
    round: int  # the nomination's round the file came with
    uploaded_by: str
    uploaded_at: datetime
    removed_at: datetime | None = None
    removed_by: str | None = None


@dataclass(frozen=True)
class ReorganisationRow:
    id: str
    title: str
    effective_on: date
    applied_at: datetime
    applied_by: str
    summary: dict[str, Any]  # what it changed, as the reply of `reorganise` gave it


@dataclass(frozen=True)
class PledgeRow:
    """A CĐCS's pledge ("giao ước thi đua") for a year."""

    id: str
    unit_code: str
    path: tuple[str, ...]  # the unit and its superiors when it registered, nearest first
    superior_code: str
    superior_name: str
    year: int
    status: PledgeStatus
    targets: tuple[PledgeTarget, ...]
    note: str
    late: bool
    deadline: date
    registered_by: str
    registered_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class ClusterMemberRow:
    unit_code: str
    valid_from: date
    valid_to: date | None

    def in_year(self, year: int) -> bool:
        """A member at some time during the year."""
        return self.valid_from <= date(year, 12, 31) and (self.valid_to is None or self.valid_to > date(year, 1, 1))


@dataclass(frozen=True)
class ClusterVoteRow:
    """A cluster's vote of a year: the member units it put forward as leading."""

    year: int
    leaders: tuple[str, ...]
    note: str
    recorded_by: str
    recorded_at: datetime


@dataclass(frozen=True)
class ClusterRow:
    """A cluster ("cụm thi đua") with its members (in the order they were added) and its votes (newest year first)."""

    code: str
    name: str
    parent_unit_code: str
    valid_from: date
    valid_to: date | None
    created_by: str
    created_at: datetime
    members: tuple[ClusterMemberRow, ...] = ()
    votes: tuple[ClusterVoteRow, ...] = ()

    def vote_of(self, year: int) -> ClusterVoteRow | None:
        return next((v for v in self.votes if v.year == year), None)


@dataclass(frozen=True)
class StageCount:
    """How many nominations are in a status, by the level of the unit holding them now."""

    status: Status
    level: str | None
    count: int


@dataclass(frozen=True)
class StageEntry:
    """A timeline step that enters a stage of the pipeline, with the level of its unit."""

    step: Step
    level: str | None
    at: datetime


# What a query selects


@dataclass(frozen=True)
class Visibility:
    """The nominations (or pledges) someone who does not see everything may see: their own CĐCS's, and those under
    the units they review for."""

    own_units: frozenset[str]
    units_reviewed: frozenset[str]


@dataclass(frozen=True)
class NominationSearch:
    visible: Visibility | None = None  # None: everything
    under_unit: str | None = None
    status: Status | None = None
    award_code: str | None = None
    period: str | None = None
    limit: int = 50
    offset: int = 0
    after: tuple[datetime, str] | None = None  # keyset: only what comes after this (created_at, id) in the order
    oldest_first: bool = False  # the order: newest first, or (NominationQuery.sort "created") oldest first


@dataclass(frozen=True)
class NominationCount:
    """The nominations of an award that a quota counts: in these statuses, and each criterion given."""

    award_code: str
    statuses: frozenset[Status]
    under_unit: str | None = None
    period: str | None = None
    campaign_code: str | None = None
    topic: str | None = None
    except_id: str | None = None


@dataclass(frozen=True)
class PledgeSearch:
    visible: Visibility | None = None  # None: everything
    year: int | None = None
    under_unit: str | None = None
    status: str | None = None
    limit: int | None = None
    after: tuple[int, str] | None = None  # keyset: only what comes after this (year, unit_code), newest year first
