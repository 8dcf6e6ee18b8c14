"""Registration's store and outbox in memory: `FakeUnitOfWork` implements the `UnitOfWork` port, `FakeStore` the
`Store` port, as the SQL ones do (cosmicpython's FakeRepository and FakeUnitOfWork, not mocks).

A transaction works on a copy of the committed state and replaces it only when the block ends without error, so a
refused command leaves nothing behind; the uniqueness rules of the database (an active nomination's identity,
campaign and cluster codes, one pledge per unit and year) are `AlreadyStored`. Records are immutable values, so a
copy of each collection is a copy of the state.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from services.registration.domain.nomination import Status, Step
from services.registration.domain.people import Person
from services.registration.store import AlreadyStored, Store, UnitOfWork
from services.registration.store.records import (
    AttachmentRow,
    ClusterRow,
    ClusterVoteRow,
    LastStep,
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
    Visibility,
)
from shared.contracts.commands import Campaign
from shared.contracts.events import Event
from shared.contracts.values import UnitRef
from shared.rules.reference import ParentSpan, Unit, UnitTree
from shared.rules.text import normalize_name

MAX_PATH = 10
# At the same instant, a decision after the approval it follows, a revocation after the decision.
OUTCOME_RANK = {Step.GRANT: 1, Step.PROPOSE: 1, Step.REVOKE: 2}


@dataclass
class State:
    """Everything registration's database holds."""

    units: dict[str, Unit] = field(default_factory=dict)  # with their dated parents
    reorganised_by: dict[str, str | None] = field(default_factory=dict)
    nominations: dict[str, NominationRow] = field(default_factory=dict)
    timeline: list[TimelineRow] = field(default_factory=list)
    attachments: dict[str, AttachmentRow] = field(default_factory=dict)
    reorganisations: dict[str, ReorganisationRow] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    campaign_claims: dict[tuple[str, str], int] = field(default_factory=dict)
    pledges: dict[str, PledgeRow] = field(default_factory=dict)
    clusters: dict[str, ClusterRow] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    inbox: set[tuple[str, str]] = field(default_factory=set)

    def copy(self) -> State:
        return State(
            units=dict(self.units),
            reorganised_by=dict(self.reorganised_by),
            nominations=dict(self.nominations),
            timeline=list(self.timeline),
            attachments=dict(self.attachments),
            reorganisations=dict(self.reorganisations),
            campaigns=dict(self.campaigns),
            campaign_claims=dict(self.campaign_claims),
            pledges=dict(self.pledges),
            clusters=dict(self.clusters),
            people=dict(self.people),
            inbox=set(self.inbox),
        )


def _visible(visible: Visibility | None, unit_code: str, passes_through: Callable[[str], bool]) -> bool:
    if visible is None:
        return True
    return unit_code in visible.own_units or any(passes_through(u) for u in visible.units_reviewed)


class FakeStore(Store):
    def __init__(self, state: State) -> None:
        self.state = state
        self.events: list[Event] = []

    # The unit tree

    def _row(self, unit: Unit) -> UnitRow:
        return UnitRow(
            code=unit.code,
            name=unit.name,
            short_name=unit.short_name,
            level=unit.level,
            parent_code=unit.parent,
            decision_suffix=unit.decision_suffix,
            sector=unit.sector,
            valid_from=unit.valid_from,
            valid_to=unit.valid_to,
            reorganised_by=self.state.reorganised_by.get(unit.code),
        )

    async def units(self) -> list[UnitRow]:
        return [self._row(u) for _, u in sorted(self.state.units.items())]

    async def unit(self, code: str) -> UnitRow | None:
        found = self.state.units.get(code)
        return self._row(found) if found else None

    async def save_unit(self, unit: Unit, *, exists: bool, reorganised_by: str | None) -> None:
        if not exists and unit.code in self.state.units:
            raise AlreadyStored(unit.code)
        if exists and unit.code not in self.state.units:
            raise LookupError(unit.code)
        spans = unit.parent_history or ((ParentSpan(parent=unit.parent, valid_from=unit.valid_from),) if unit.parent else ())
        self.state.units[unit.code] = unit.model_copy(update={"parent_history": spans})
        self.state.reorganised_by[unit.code] = reorganised_by

    async def tree(self) -> UnitTree:
        return UnitTree(
            [
                u.model_copy(update={"parent_history": tuple(sorted(u.parent_history, key=lambda s: s.valid_from or date.min))})
                for u in self.state.units.values()
            ]
        )

    async def unit_path(self, code: str, on: date) -> list[UnitRef]:
        path: list[UnitRef] = []
        current: str | None = code
        while current is not None and len(path) < MAX_PATH:
            unit = self.state.units.get(current)
            if unit is None or not unit.exists_on(on):
                break
            path.append(unit.ref())
            current = next((s.parent for s in unit.parent_history if s.covers(on)), None)
        return path

    # Nominations

    def _holds_key(self, nomination: NominationRow) -> None:
        if nomination.active_key is None:
            return
        for other in self.state.nominations.values():
            if other.id != nomination.id and other.active_key == nomination.active_key:
                raise AlreadyStored(f"active_key {nomination.active_key}")

    async def nomination(self, nomination_id: str, *, for_update: bool = False) -> NominationRow | None:
        return self.state.nominations.get(nomination_id)

    async def add_nomination(self, nomination: NominationRow) -> None:
        if nomination.id in self.state.nominations:
            raise AlreadyStored(nomination.id)
        self._holds_key(nomination)
        self.state.nominations[nomination.id] = nomination

    async def save_nomination(self, nomination: NominationRow) -> None:
        if nomination.id not in self.state.nominations:
            raise LookupError(nomination.id)
        self._holds_key(nomination)
        self.state.nominations[nomination.id] = nomination

    async def active_nomination(self, active_key: str, *, except_id: str | None = None) -> str | None:
        return next(
            (n.id for n in self.state.nominations.values() if n.active_key == active_key and n.id != except_id),
            None,
        )

    async def nominations_of(
        self, unit_code: str, nominee_name: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        name = normalize_name(nominee_name)
        return [
            n
            for n in self.state.nominations.values()
            if n.unit_code == unit_code and normalize_name(n.nominee.name) == name and n.status in statuses and n.id != except_id
        ]

    async def count_nominations(self, count: NominationCount) -> int:
        return sum(
            1
            for n in self.state.nominations.values()
            if n.award_code == count.award_code
            and n.status in count.statuses
            and (count.under_unit is None or n.passes_through(count.under_unit))
            and (count.campaign_code is None or n.campaign_code == count.campaign_code)
            and (count.period is None or n.period == count.period)
            and (count.topic is None or n.topic == count.topic)
            and n.id != count.except_id
        )

    async def count_by_award(self, campaign_code: str, statuses: frozenset[Status]) -> dict[str, int]:
        usage: dict[str, int] = {}
        for n in self.state.nominations.values():
            if n.campaign_code == campaign_code and n.status in statuses:
                usage[n.award_code] = usage.get(n.award_code, 0) + 1
        return usage

    async def search_nominations(self, search: NominationSearch) -> tuple[int, list[NominationRow]]:
        found = [
            n
            for n in self.state.nominations.values()
            if _visible(search.visible, n.unit_code, n.passes_through)
            and (not search.under_unit or n.passes_through(search.under_unit))
            and (not search.status or n.status == search.status)
            and (not search.award_code or n.award_code == search.award_code)
            and (not search.period or n.period == search.period)
        ]
        found.sort(key=lambda n: (n.created_at, n.id), reverse=not search.oldest_first)
        total = len(found)
        if search.after is not None:
            after = search.after
            found = [n for n in found if ((n.created_at, n.id) > after if search.oldest_first else (n.created_at, n.id) < after)]
        return total, found[search.offset : search.offset + search.limit]

    async def open_nominations_through(self, unit_codes: frozenset[str], statuses: frozenset[Status]) -> list[NominationRow]:
        return sorted(
            (
                n
                for n in self.state.nominations.values()
                if n.status in statuses and any(n.passes_through(code) for code in unit_codes)
            ),
            key=lambda n: n.id,
        )

    async def stuck_nominations(self, statuses: frozenset[Status], before: datetime, limit: int) -> tuple[int, list[StuckRow]]:
        stuck = []
        for n in self.state.nominations.values():
            lines = [(line.at, i, line) for i, line in enumerate(self.state.timeline) if line.nomination_id == n.id]
            if n.status not in statuses or not lines:
                continue
            last = max(lines, key=lambda t: (t[0], t[1]))[2]
            if last.at < before:
                step = LastStep(
                    step=last.step, at=last.at, unit_code=last.unit_code, unit_name=last.unit_name, actor_name=last.actor_name
                )
                stuck.append(StuckRow(nomination=n, last_step=step))
        stuck.sort(key=lambda s: (s.last_step.at, s.nomination.id))
        return len(stuck), stuck[:limit]

    def _level(self, unit_code: str | None) -> str | None:
        unit = self.state.units.get(unit_code) if unit_code else None
        return unit.level if unit else None

    async def stage_counts(self) -> list[StageCount]:
        counts: dict[tuple[Status, str | None], int] = {}
        for n in self.state.nominations.values():
            key = (n.status, self._level(n.current_unit_code))
            counts[key] = counts.get(key, 0) + 1
        return [StageCount(status=status, level=level, count=count) for (status, level), count in counts.items()]

    async def stage_entries(self, since: datetime, steps: frozenset[Step]) -> list[StageEntry]:
        return [
            StageEntry(step=line.step, level=self._level(line.unit_code), at=line.at)
            for line in self.state.timeline
            if line.at >= since and line.step in steps
        ]

    # Timelines

    async def add_timeline(self, line: TimelineRow) -> None:
        self.state.timeline.append(line)

    async def timeline(self, nomination_id: str) -> list[TimelineRow]:
        lines = [(line.at, OUTCOME_RANK.get(line.step, 0), i, line) for i, line in enumerate(self.state.timeline)]
        return [line for _, _, _, line in sorted(lines, key=lambda t: t[:3]) if line.nomination_id == nomination_id]

    # The dossier's files

    async def attachments(self, nomination_id: str) -> list[AttachmentRow]:
        return sorted(
            (a for a in self.state.attachments.values() if a.nomination_id == nomination_id and a.removed_at is None),
            key=lambda a: (a.uploaded_at, a.document_type, a.filename, a.id),
        )

    async def attachment(self, nomination_id: str, attachment_id: str) -> AttachmentRow | None:
        found = self.state.attachments.get(attachment_id)
        return found if found is not None and found.nomination_id == nomination_id else None

    async def add_attachment(self, attachment: AttachmentRow) -> None:
        if attachment.id in self.state.attachments:
            raise AlreadyStored(attachment.id)
        self.state.attachments[attachment.id] = attachment

    async def remove_attachments(self, attachment_ids: frozenset[str], *, at: datetime, by: str) -> None:
        for attachment_id in attachment_ids & self.state.attachments.keys():
            self.state.attachments[attachment_id] = replace(self.state.attachments[attachment_id], removed_at=at, removed_by=by)

    # Reorganisations

    async def reorganisation_applied(self, reorganisation_id: str) -> bool:
        return reorganisation_id in self.state.reorganisations

    async def add_reorganisation(self, reorganisation: ReorganisationRow) -> None:
        if reorganisation.id in self.state.reorganisations:
            raise AlreadyStored(reorganisation.id)
        self.state.reorganisations[reorganisation.id] = reorganisation

    # Campaigns

    async def campaign(self, code: str) -> Campaign | None:
        return self.state.campaigns.get(code)

    async def campaigns(self) -> list[Campaign]:
        by_code = sorted(self.state.campaigns.values(), key=lambda c: c.code)
        return sorted(by_code, key=lambda c: c.starts_on, reverse=True)

    async def add_campaign(self, campaign: Campaign, *, created_by: str, at: datetime) -> None:
        if campaign.code in self.state.campaigns:
            raise AlreadyStored(campaign.code)
        self.state.campaigns[campaign.code] = campaign.model_copy(
            update={"targets": sorted(campaign.targets, key=lambda t: t.award_code)}
        )

    async def claim_campaign_place(self, campaign_code: str, award_code: str) -> None:
        key = (campaign_code, award_code)
        self.state.campaign_claims[key] = self.state.campaign_claims.get(key, 0) + 1

    # Pledges

    async def pledge(self, pledge_id: str, *, for_update: bool = False) -> PledgeRow | None:
        return self.state.pledges.get(pledge_id)

    async def pledge_of(self, unit_code: str, year: int, *, for_update: bool = False) -> PledgeRow | None:
        return next((p for p in self.state.pledges.values() if p.unit_code == unit_code and p.year == year), None)

    async def add_pledge(self, pledge: PledgeRow) -> None:
        if pledge.id in self.state.pledges or await self.pledge_of(pledge.unit_code, pledge.year) is not None:
            raise AlreadyStored(f"pledge {pledge.unit_code} {pledge.year}")
        self.state.pledges[pledge.id] = pledge

    async def save_pledge(self, pledge: PledgeRow) -> None:
        if pledge.id not in self.state.pledges:
            raise LookupError(pledge.id)
        self.state.pledges[pledge.id] = pledge

    async def pledges(self, search: PledgeSearch) -> list[PledgeRow]:
        found = [
            p
            for p in self.state.pledges.values()
            if _visible(search.visible, p.unit_code, p.path.__contains__)
            and (not search.year or p.year == search.year)
            and (not search.under_unit or search.under_unit in p.path)
            and (not search.status or p.status == search.status)
        ]
        found.sort(key=lambda p: p.unit_code)
        found.sort(key=lambda p: p.year, reverse=True)
        if search.after is not None:
            year, unit_code = search.after
            found = [p for p in found if p.year < year or (p.year == year and p.unit_code > unit_code)]
        return found[: search.limit]

    # Clusters

    async def cluster(self, code: str) -> ClusterRow | None:
        return self.state.clusters.get(code)

    async def clusters(self) -> list[ClusterRow]:
        return sorted(self.state.clusters.values(), key=lambda c: (c.parent_unit_code, c.code))

    async def add_cluster(self, cluster: ClusterRow) -> None:
        if cluster.code in self.state.clusters:
            raise AlreadyStored(cluster.code)
        self.state.clusters[cluster.code] = cluster

    async def add_cluster_vote(self, cluster_code: str, vote: ClusterVoteRow) -> None:
        cluster = self.state.clusters[cluster_code]
        if cluster.vote_of(vote.year) is not None:
            raise AlreadyStored(f"vote {cluster_code} {vote.year}")
        votes = sorted((*cluster.votes, vote), key=lambda v: v.year, reverse=True)
        self.state.clusters[cluster_code] = replace(cluster, votes=tuple(votes))

    # The register of people

    async def person(self, person_id: str, *, for_update: bool = False) -> Person | None:
        return self.state.people.get(person_id)

    async def people(
        self, unit_codes: frozenset[str] | None, name: str | None, *, limit: int, offset: int = 0
    ) -> tuple[int, list[Person]]:
        wanted = normalize_name(name or "")
        found = sorted(
            (p for p in self.state.people.values() if (unit_codes is None or p.unit_code in unit_codes) and wanted in p.name_key),
            key=lambda p: (p.name_key, p.birth_date or date.min, p.id),
        )
        return len(found), found[offset : offset + limit]

    async def add_person(self, person: Person) -> None:
        if person.id in self.state.people:
            raise AlreadyStored(person.id)
        self.state.people[person.id] = person

    async def save_person(self, person: Person) -> None:
        if person.id not in self.state.people:
            raise KeyError(person.id)
        self.state.people[person.id] = person

    async def nominations_of_person(
        self, person_id: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        found = [
            n
            for n in self.state.nominations.values()
            if n.nominee.person_id == person_id and n.status in statuses and n.id != except_id
        ]
        return sorted(found, key=lambda n: (n.period, n.created_at, n.id))

    # Messaging

    async def enqueue(self, *events: Event) -> None:
        self.events.extend(events)

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        key = (consumer, str(event.event_id))
        if key in self.state.inbox:
            return False
        self.state.inbox.add(key)
        return True


class FakeOutbox:
    """The events committed transactions wrote, in the order they were written."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def of_type(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, state: State | None = None) -> None:
        self.state = state or State()
        self.outbox = FakeOutbox()
        self.commits = 0

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Store]:
        store = FakeStore(self.state.copy())
        yield store  # an exception in the block leaves self.state as it was: rolled back
        self.state = store.state
        self.commits += 1
        if store.events:
            self.outbox.events.extend(store.events)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Store]:
        yield FakeStore(self.state.copy())
