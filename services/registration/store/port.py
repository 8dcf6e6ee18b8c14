"""What registration's use cases ask of storage: the `Store` (every read and write, outbox and inbox included) and
the `UnitOfWork` that opens one transaction on it. `sql.py` is the real one; tests/fakes/registration.py keeps it in
memory.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime

from services.registration.domain.nomination import Status, Step
from services.registration.domain.people import Person
from services.registration.store.records import (
    AttachmentRow,
    ClusterRow,
    ClusterVoteRow,
    NominationCount,
    NominationRow,
    NominationSearch,
    PledgeRow,
    PledgeSearch,
    ReorganisationRow,
    StageCount,
    StageEntry,
    StuckRow,
    TimelineRow,
    UnitRow,
)
from shared.contracts.commands import Campaign
from shared.contracts.events import Event
from shared.contracts.values import UnitRef
from shared.rules.reference import Unit, UnitTree


class AlreadyStored(Exception):
    """A write met a uniqueness rule of the store (an active nomination's identity, a campaign, cluster or pledge
    that exists): raised by the transaction, whether the write or the commit found it."""


class Store(ABC):
    """Registration's data inside one transaction."""

    # The unit tree

    @abstractmethod
    async def units(self) -> list[UnitRow]:
        """Every unit, closed ones included, by code."""

    @abstractmethod
    async def unit(self, code: str) -> UnitRow | None: ...

    @abstractmethod
    async def save_unit(self, unit: Unit, *, exists: bool, reorganised_by: str | None) -> None:
        """The unit's row (inserted, or updated when it `exists`) and its dated parents."""

    @abstractmethod
    async def tree(self) -> UnitTree:
        """The whole dated tree."""

    @abstractmethod
    async def unit_path(self, code: str, on: date) -> list[UnitRef]:
        """The unit and its superiors as the tree stands on `on` (empty if the unit does not exist then)."""

    # Nominations

    @abstractmethod
    async def nomination(self, nomination_id: str, *, for_update: bool = False) -> NominationRow | None:
        """`for_update` locks it, so that concurrent writers cannot lose an update."""

    @abstractmethod
    async def add_nomination(self, nomination: NominationRow) -> None: ...

    @abstractmethod
    async def save_nomination(self, nomination: NominationRow) -> None:
        """Write back a nomination read in this transaction (everything but its identity)."""

    @abstractmethod
    async def active_nomination(self, active_key: str, *, except_id: str | None = None) -> str | None:
        """The id of the active nomination with this identity, if any."""

    @abstractmethod
    async def nominations_of(
        self, unit_code: str, nominee_name: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        """The unit's nominations in these statuses for a nominee of this name (any spelling, see `normalize_name`)."""

    @abstractmethod
    async def count_nominations(self, count: NominationCount) -> int: ...

    @abstractmethod
    async def count_by_award(self, campaign_code: str, statuses: frozenset[Status]) -> dict[str, int]:
        """Nominations of a campaign in these statuses, per award."""

    @abstractmethod
    async def search_nominations(self, search: NominationSearch) -> tuple[int, list[NominationRow]]:
        """How many match (before `search.after`), and the page asked for, newest first (ties: greatest id first)."""

    @abstractmethod
    async def open_nominations_through(self, unit_codes: frozenset[str], statuses: frozenset[Status]) -> list[NominationRow]:
        """Nominations in these statuses whose path passes through any of the units, by id, locked for update."""

    @abstractmethod
    async def stuck_nominations(self, statuses: frozenset[Status], before: datetime, limit: int) -> tuple[int, list[StuckRow]]:
        """Nominations in these statuses whose last timeline step is older than `before`, oldest first."""

    @abstractmethod
    async def stage_counts(self) -> list[StageCount]:
        """Nominations by status and by the level of the unit that holds them."""

    @abstractmethod
    async def stage_entries(self, since: datetime, steps: frozenset[Step]) -> list[StageEntry]:
        """Timeline steps of these kinds since `since`, with the level of their unit."""

    # Timelines

    @abstractmethod
    async def add_timeline(self, line: TimelineRow) -> None: ...

    @abstractmethod
    async def timeline(self, nomination_id: str) -> list[TimelineRow]:
        """In time order; at the same instant, a decision after the approval it follows and a revocation after the
        decision it revokes, whatever order they were recorded in (awards' and review's events come on two streams)."""

    # The dossier's files

    @abstractmethod
    async def attachments(self, nomination_id: str) -> list[AttachmentRow]:
        """The nomination's files now (removed ones left out), in the order they came."""

    @abstractmethod
    async def attachment(self, nomination_id: str, attachment_id: str) -> AttachmentRow | None:
        """One file of the nomination, removed or not."""

    @abstractmethod
    async def add_attachment(self, attachment: AttachmentRow) -> None: ...

    @abstractmethod
    async def remove_attachments(self, attachment_ids: frozenset[str], *, at: datetime, by: str) -> None: ...

    # Reorganisations

    @abstractmethod
    async def reorganisation_applied(self, reorganisation_id: str) -> bool: ...

    @abstractmethod
    async def add_reorganisation(self, reorganisation: ReorganisationRow) -> None: ...

    # Campaigns

    @abstractmethod
    async def campaign(self, code: str) -> Campaign | None: ...

    @abstractmethod
    async def campaigns(self) -> list[Campaign]:
        """Every campaign, newest window first."""

    @abstractmethod
    async def add_campaign(self, campaign: Campaign, *, created_by: str, at: datetime) -> None: ...

    @abstractmethod
    async def claim_campaign_place(self, campaign_code: str, award_code: str) -> None:
        """Take the lock on the campaign's target before counting its nominations, so that two submissions for the
        last place are serialised (the second counts the first) on every database."""

    # Pledges

    @abstractmethod
    async def pledge(self, pledge_id: str, *, for_update: bool = False) -> PledgeRow | None: ...

    @abstractmethod
    async def pledge_of(self, unit_code: str, year: int, *, for_update: bool = False) -> PledgeRow | None: ...

    @abstractmethod
    async def add_pledge(self, pledge: PledgeRow) -> None: ...

    @abstractmethod
    async def save_pledge(self, pledge: PledgeRow) -> None: ...

    @abstractmethod
    async def pledges(self, search: PledgeSearch) -> list[PledgeRow]:
        """Newest year first, then by unit (one pledge per unit and year); `search.after`/`limit`: one page."""

    # Clusters

    @abstractmethod
    async def cluster(self, code: str) -> ClusterRow | None: ...

    @abstractmethod
    async def clusters(self) -> list[ClusterRow]:
        """Every cluster by its organising unit, then code."""

    @abstractmethod
    async def add_cluster(self, cluster: ClusterRow) -> None:
        """The cluster and its members."""

    @abstractmethod
    async def add_cluster_vote(self, cluster_code: str, vote: ClusterVoteRow) -> None: ...

    # The register of people

    @abstractmethod
    async def person(self, person_id: str, *, for_update: bool = False) -> Person | None:
        """The person with their units over time (oldest first)."""

    @abstractmethod
    async def people(
        self, unit_codes: frozenset[str] | None, name: str | None, *, limit: int, offset: int = 0
    ) -> tuple[int, list[Person]]:
        """How many belong now to these units (None: any) whose name contains `name` (any spelling, see
        `normalize_name`), and the page asked for, by name then date of birth."""

    @abstractmethod
    async def add_person(self, person: Person) -> None: ...

    @abstractmethod
    async def save_person(self, person: Person) -> None:
        """Write back a person read in this transaction, their units over time included."""

    @abstractmethod
    async def nominations_of_person(
        self, person_id: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        """The person's nominations in these statuses, in whichever unit they were made, oldest period first."""

    # Messaging

    @abstractmethod
    async def enqueue(self, *events: Event) -> None:
        """Events for the outbox, published once the transaction commits."""

    @abstractmethod
    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        """Record the event as processed by `consumer`; False if it already was (a redelivery or a replay)."""


class UnitOfWork(ABC):
    """Opens transactions on registration's store."""

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Store]:
        """A transaction that commits when the block ends and rolls back when it raises; a uniqueness rule the writes
        break is `AlreadyStored`. When it commits events, the outbox relay is told at once."""

    @abstractmethod
    def reading(self) -> AbstractAsyncContextManager[Store]:
        """A transaction that only reads."""
