"""What awards' use cases ask of their storage, as ports: the store (every query of the register), the outbox, and one
unit of work over both. `sql.py` implements them on the database; `tests/fakes/awards.py` in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from services.awards.domain.drafts import Draft, DraftFilter, DraftKey
from services.awards.domain.outcomes import StateDecision
from services.awards.domain.register import (
    Decision,
    DecisionFilter,
    DecisionKey,
    Listing,
    Readers,
    RegisterEntry,
    RegistryEntry,
)
from services.awards.domain.report import ScopeCount, ScopeFilter
from services.awards.domain.signers import SigningOfficer
from shared.contracts.events import Event
from shared.contracts.values import UnitRef


class AwardsStore(Protocol):
    """The register: decisions and tờ trình, their entries, the numbering, the inbox, and the counts reports read."""

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        """Record the event as processed by `consumer`; False if it already was (a redelivery or replay)."""
        ...

    async def advance_register(self, issuer_code: str, year: int) -> int:
        """Take the issuer's next number in its register of outgoing documents for the year (every kind: decisions,
        tờ trình), held until the unit of work ends; the last one used before it (0 for the first)."""
        ...

    async def raise_register(self, issuer_code: str, year: int, at_least: int) -> None:
        """Make the issuer's register of the year go on above `at_least` (a number given before it kept the unit's
        tờ trình): never lowers it."""
        ...

    async def add_decision(self, decision: Decision) -> None: ...

    async def decision(self, decision_id: str, *, for_update: bool = False) -> Decision | None: ...

    async def may_read(self, decision_id: str, readers: Readers) -> bool: ...

    async def count_decisions(self, where: DecisionFilter, readers: Readers) -> int: ...

    async def list_decisions(
        self, where: DecisionFilter, readers: Readers, *, limit: int, offset: int, after: DecisionKey | None = None
    ) -> list[Decision]:
        """By issuer, the latest year first, decisions before tờ trình, the highest number first; `after`: only the
        documents after that place (keyset)."""
        ...

    async def count_register(self, issuer_code: str, year: int) -> int: ...

    async def register_page(
        self, issuer_code: str, year: int, *, limit: int, after: tuple[int, str] | None = None
    ) -> list[Decision]:
        """The issuer's documents of the year in the register's order (number, then kind), after (number, kind)."""
        ...

    async def listings(self, decision_ids: Sequence[str]) -> dict[str, Listing]:
        """What each document lists, for its register line."""
        ...

    async def revoke_decision(
        self, decision_id: str, *, reason: str, by: str, by_id: str, at: datetime, revoked_in: str | None = None
    ) -> None:
        """The decision revoked (by the signed decision `revoked_in`); its entries revoked with their prizes due back,
        and out of the reports."""
        ...

    async def state_outcome(self, decision_id: str) -> StateDecision | None: ...

    async def record_state_outcome(self, outcome: StateDecision, paths: Mapping[str, Sequence[UnitRef]]) -> None:
        """The record; each granted entry an award of the state (counted at the level "state"), the others not."""
        ...

    async def add_draft(self, draft: Draft) -> None: ...

    async def draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None: ...

    async def draft_of_document(self, document_id: str) -> Draft | None:
        """The signed draft a document was issued from (its content: a letter's, a revocation's)."""
        ...

    async def revocation_waiting(self, decision_id: str) -> Draft | None:
        """The revocation of this decision waiting for its signer, if one does."""
        ...

    async def drafted_nominations(self, nomination_ids: Sequence[str]) -> set[str]:
        """Which of these nominations a draft (waiting or signed) already lists."""
        ...

    async def count_drafts(self, where: DraftFilter) -> int: ...

    async def list_drafts(self, where: DraftFilter, *, limit: int, after: DraftKey | None = None) -> list[Draft]:
        """Oldest approval first, ties by id; `after`: only those after that place (keyset)."""
        ...

    async def set_draft_prize(self, draft_id: str, nomination_id: str, amount_vnd: int) -> None: ...

    async def mark_signed(self, draft_id: str, *, at: datetime, by: str, signed_as: Sequence[tuple[str, str]]) -> bool:
        """Mark a waiting draft signed; False when it was no longer waiting (signed meanwhile by someone else)."""
        ...

    async def add_signed_file(self, decision_id: str, content: bytes, *, level: str, at: datetime) -> None: ...

    async def signed_file(self, decision_id: str) -> bytes | None:
        """The PDF its officer signed (None for a decision issued before documents were signed)."""
        ...

    async def registered_nominations(self, nomination_ids: Sequence[str]) -> set[str]: ...

    async def add_entries(self, entries: Sequence[RegisterEntry]) -> None: ...

    async def entries_of(self, decision_ids: Sequence[str]) -> dict[str, list[RegistryEntry]]:
        """Each decision's entries in the order it lists them."""
        ...

    async def entry(self, decision_id: str, nomination_id: str, *, for_update: bool = False) -> RegistryEntry | None: ...

    async def mark_recovered(self, entry_id: str, *, at: datetime, by: str) -> None: ...

    async def recorded_entry_keys(self, keys: Sequence[str]) -> set[str]: ...

    async def scope_counts(self, where: ScopeFilter) -> list[ScopeCount]:
        """Counted entries under the unit, grouped by unit below, award, level, sector, nominee kind and year."""
        ...

    async def entry_unit_name(self, unit_code: str) -> str | None: ...

    async def below_any(self, unit_code: str, units: frozenset[str]) -> bool:
        """Whether a counted entry has `unit_code` and one of `units` on its path."""
        ...

    async def signing_officers(self, unit_code: str) -> list[SigningOfficer]:
        """Every term of the unit's signing officers (người ký văn bản), the latest appointment first."""
        ...

    async def signing_officer(self, officer_id: str, *, for_update: bool = False) -> SigningOfficer | None: ...

    async def add_signing_officer(self, officer: SigningOfficer) -> None: ...

    async def set_signing_account(self, officer_id: str, username: str) -> None: ...

    async def end_signing_term(self, officer_id: str, last_day: date) -> None: ...

    async def decisions_issued(self) -> list[tuple[UnitRef, int]]:
        """Decisions (not tờ trình) per issuer, revoked ones included."""
        ...


class Outbox(Protocol):
    async def add(self, *events: Event) -> None:
        """Events to publish once the unit of work commits, in this order."""
        ...


class UnitOfWork(Protocol):
    """One transaction over the store and the outbox: `commit()` keeps both; leaving without it keeps neither."""

    @property
    def store(self) -> AwardsStore: ...

    @property
    def outbox(self) -> Outbox: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...
