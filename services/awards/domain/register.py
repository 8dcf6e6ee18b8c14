"""The register as awards keeps it: decisions and tờ trình as issued, the entries they list (and the grassroots
register's), and who may read which. Typed records; `services/awards/store/` maps them to and from rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from services.awards.domain.legal_basis import DocumentKind
from shared.contracts.events import Actor
from shared.contracts.operations.awards import DecisionFrame, EntryStatus, IssueStatus, RecoveryStatus
from shared.contracts.values import NomineeKind, UnitRef
from shared.rules.catalog import Award

EntrySource = Literal["pipeline", "grassroots"]


@dataclass(frozen=True)
class Decision:
    """A numbered Quyết định or Tờ trình in the register."""

    id: str
    kind: DocumentKind
    issuer_code: str
    issuer: UnitRef  # as it was when signed
    year: int
    number: int
    number_text: str
    issued_at: datetime
    signed_by: str
    award_code: str  # the first award it lists
    award_name: str
    catalog_version: str
    readers: tuple[str, ...]  # every unit on the paths of its entries, sorted: who may read it
    batch_id: str | None
    decided_by: str  # a tờ trình's state authority
    document: DecisionFrame | None  # None for decisions issued before frames were stored
    status: IssueStatus = "issued"
    revoked_reason: str | None = None
    revoked_by: str | None = None
    revoked_by_id: str | None = None
    revoked_at: datetime | None = None
    revoked_in: str | None = None  # the decision that revoked it (its revocation, signed)
    revokes: str | None = None  # a revocation decision: the decision it revokes


@dataclass(frozen=True)
class RegistryEntry:
    """One entry of the register as read back: a nominee of a decision (or of the grassroots register)."""

    id: str
    decision_id: str | None
    nomination_id: str | None
    nominee_kind: NomineeKind
    nominee_name: str
    unit_code: str
    unit_name: str
    period: str
    coefficient: str
    base_salary_vnd: int
    prize_amount_vnd: int
    award_code: str
    award_name: str
    status: EntryStatus
    recovery: RecoveryStatus | None = None
    recovery_amount_vnd: int | None = None
    recovered_at: datetime | None = None
    recovered_by: str | None = None
    nominee_position: str = ""  # an individual's position (chức vụ) as the dossier declared it


@dataclass(frozen=True)
class RegisterEntry:
    """A new entry, with what reports count by: one record for the pipeline and for the grassroots register."""

    id: str
    source: EntrySource
    award: Award
    level: str
    nominee: Mapping[str, Any]  # the nominee as stored (JSON): at least its kind and name
    unit_path: Sequence[UnitRef]  # the CĐCS first, as on the decision date
    sector: str | None
    period: str
    decided_on: date
    coefficient: str
    base_salary_vnd: int
    prize_amount_vnd: int
    decision_id: str | None = None
    nomination_id: str | None = None
    decision_text: str | None = None
    title: str | None = None
    entry_key: str | None = None
    recorded_by: str | None = None
    recorded_at: datetime | None = None
    catalog_version: str | None = None  # the version that judged the nomination, when not the award's own
    position: int = 0  # order within its decision
    status: EntryStatus = "granted"  # proposed: a tờ trình to the state authority; not an award yet
    award_name: str = ""  # as its issuer printed it (the catalogue's name composed from the issuing unit); "": the name

    @property
    def printed_name(self) -> str:
        return self.award_name or self.award.name

    @property
    def counted(self) -> bool:
        """Reports count awards given: a proposal is not one (yet), and a revoked entry no longer is."""
        return self.status == "granted"

    @property
    def nominee_kind(self) -> str:
        return str(self.nominee.get("kind", "individual"))

    @property
    def category(self) -> str:
        return "innovation" if "innovation" in self.award.categories else self.nominee_kind


@dataclass(frozen=True)
class Listing:
    """What a document lists, as its register line says it: the awards in order, the periods, how many entries."""

    award_names: tuple[str, ...]
    periods: tuple[str, ...]
    listed: int


@dataclass(frozen=True)
class DecisionFilter:
    issuer: str | None = None
    year: int | None = None
    award_code: str | None = None
    status: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class DecisionKey:
    """Where a document stands in the register's order (issuer, newest year, kind, highest number first): a keyset
    page starts after one. Unique, as the document's number is."""

    issuer_code: str
    year: int
    kind: str
    number: int

    @classmethod
    def of(cls, decision: Decision) -> DecisionKey:
        return cls(decision.issuer_code, decision.year, decision.kind, decision.number)


@dataclass(frozen=True)
class Readers:
    """Whose decisions an actor may read: every one, or those with an entry below one of the actor's units."""

    everything: bool
    units: frozenset[str]

    def may_read(self, decision: Decision) -> bool:
        return self.everything or bool(self.units & set(decision.readers))


def readers_of(actor: Actor) -> Readers:
    return Readers(everything=actor.sees_everything(), units=frozenset(g.unit_code for g in actor.roles if g.unit_code))
