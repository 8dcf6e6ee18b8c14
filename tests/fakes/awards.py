"""Awards' ports in memory: the store (the register, its numbering, inbox and report scopes), the outbox, the unit of
work over both (commit keeps, leaving without commit restores), and registration's unit directory read from a tree.

They answer as `services/awards/store/` and `unitdirectory.py` do, so a use case runs unchanged on them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Self

from services.awards.domain.drafts import Draft, DraftFilter, DraftKey
from services.awards.domain.outcomes import STATE_LEVEL, StateDecision
from services.awards.domain.register import (
    Decision,
    DecisionFilter,
    DecisionKey,
    Listing,
    Readers,
    RegisterEntry,
    RegistryEntry,
)
from services.awards.domain.report import UNKNOWN_SECTOR, ScopeCount, ScopeFilter
from services.awards.domain.signers import SigningOfficer
from services.awards.store.port import AwardsStore, Outbox, UnitOfWork
from services.awards.usecases import issuing, signing
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import DocumentSigner, UnitDirectory, UnitPaths
from shared.contracts.events import Actor, Event, NominationApproved, NominationsApproved, RoleGrant
from shared.contracts.operations.awards import DraftById, DraftView, SetDraftPrize, SignDraft
from shared.contracts.people import SALUTATION_VI
from shared.contracts.values import UnitRef
from shared.platform.clock import FixedClock
from shared.platform.pdfsigning import NoSigningKey, SignedPdf
from shared.rules.reference import UnitTree
from shared.rules.rulebook import Rulebook
from tests.fakes import default_rulebook


@dataclass
class _Register:
    """Everything the store holds; copied whole when a unit of work begins, put back when it ends without commit."""

    inbox: set[tuple[str, str]] = field(default_factory=set)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)  # each issuer's register, by year
    decisions: dict[str, Decision] = field(default_factory=dict)
    written: dict[str, RegisterEntry] = field(default_factory=dict)  # every entry as added, in order
    entries: dict[str, RegistryEntry] = field(default_factory=dict)  # the same entries as read back, as they stand now
    counted: set[str] = field(default_factory=set)  # entries reports count (granted, not revoked)
    officers: dict[str, SigningOfficer] = field(default_factory=dict)  # the signing officers' terms
    drafts: dict[str, Draft] = field(default_factory=dict)  # in the order they were added
    signed_files: dict[str, bytes] = field(default_factory=dict)  # by decision id
    outcomes: dict[str, StateDecision] = field(default_factory=dict)  # the state's answers, by tờ trình

    def copy(self) -> _Register:
        return _Register(
            inbox=set(self.inbox),
            counters=dict(self.counters),
            decisions=dict(self.decisions),
            written=dict(self.written),
            entries=dict(self.entries),
            counted=set(self.counted),
            officers=dict(self.officers),
            drafts=dict(self.drafts),
            signed_files=dict(self.signed_files),
            outcomes=dict(self.outcomes),
        )


class FakeAwardsStore(AwardsStore):
    def __init__(self) -> None:
        self.register = _Register()

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        key = (consumer, str(event.event_id))
        if key in self.register.inbox:
            return False
        self.register.inbox.add(key)
        return True

    async def advance_register(self, issuer_code: str, year: int) -> int:
        last = self.register.counters.get((issuer_code, year), 0)
        self.register.counters[(issuer_code, year)] = last + 1
        return last

    async def raise_register(self, issuer_code: str, year: int, at_least: int) -> None:
        key = (issuer_code, year)
        self.register.counters[key] = max(self.register.counters.get(key, 0), at_least)

    async def add_decision(self, decision: Decision) -> None:
        taken = {(d.kind, d.issuer_code, d.year, d.number) for d in self.register.decisions.values()}
        if (decision.kind, decision.issuer_code, decision.year, decision.number) in taken:
            raise ValueError(f"number {decision.number_text} of {decision.year} is already used")  # uq_document_number
        self.register.decisions[decision.id] = decision

    async def decision(self, decision_id: str, *, for_update: bool = False) -> Decision | None:
        return self.register.decisions.get(decision_id)

    async def may_read(self, decision_id: str, readers: Readers) -> bool:
        found = self.register.decisions.get(decision_id)
        return found is not None and readers.may_read(found)

    async def count_decisions(self, where: DecisionFilter, readers: Readers) -> int:
        return len(self._matching(where, readers))

    async def list_decisions(
        self, where: DecisionFilter, readers: Readers, *, limit: int, offset: int, after: DecisionKey | None = None
    ) -> list[Decision]:
        def place(k: DecisionKey) -> tuple[str, int, str, int]:
            return (k.issuer_code, -k.year, k.kind, -k.number)

        ordered = sorted(self._matching(where, readers), key=lambda d: place(DecisionKey.of(d)))
        if after is not None:
            ordered = [d for d in ordered if place(DecisionKey.of(d)) > place(after)]
        return ordered[offset : offset + limit]

    async def count_register(self, issuer_code: str, year: int) -> int:
        return sum(1 for d in self.register.decisions.values() if (d.issuer_code, d.year) == (issuer_code, year))

    async def register_page(
        self, issuer_code: str, year: int, *, limit: int, after: tuple[int, str] | None = None
    ) -> list[Decision]:
        found = sorted(
            (d for d in self.register.decisions.values() if (d.issuer_code, d.year) == (issuer_code, year)),
            key=lambda d: (d.number, d.kind),
        )
        return [d for d in found if after is None or (d.number, d.kind) > after][:limit]

    async def listings(self, decision_ids: Sequence[str]) -> dict[str, Listing]:
        found: dict[str, Listing] = {}
        for decision_id in decision_ids:
            entries = sorted((e for e in self.register.entries.values() if e.decision_id == decision_id), key=lambda e: e.id)
            ordered = sorted(entries, key=lambda e: next(w.position for w in self.register.written.values() if w.id == e.id))
            if ordered:
                found[decision_id] = Listing(
                    award_names=tuple(dict.fromkeys(e.award_name for e in ordered)),
                    periods=tuple(sorted({e.period for e in ordered})),
                    listed=len(ordered),
                )
        return found

    async def revoke_decision(
        self, decision_id: str, *, reason: str, by: str, by_id: str, at: datetime, revoked_in: str | None = None
    ) -> None:
        r = self.register
        r.decisions[decision_id] = dataclasses.replace(
            r.decisions[decision_id],
            status="revoked",
            revoked_reason=reason,
            revoked_by=by,
            revoked_by_id=by_id,
            revoked_at=at,
            revoked_in=revoked_in,
        )
        for e in self._entries_of(decision_id):
            r.entries[e.id] = dataclasses.replace(e, status="revoked", recovery="due", recovery_amount_vnd=e.prize_amount_vnd)
            r.counted.discard(e.id)

    async def state_outcome(self, decision_id: str) -> StateDecision | None:
        return self.register.outcomes.get(decision_id)

    async def record_state_outcome(self, outcome: StateDecision, paths: Mapping[str, Sequence[UnitRef]]) -> None:
        r = self.register
        if outcome.decision_id in r.outcomes:
            raise ValueError(f"tờ trình {outcome.decision_id} already has its outcome")  # state_outcomes' primary key
        r.outcomes[outcome.decision_id] = outcome
        for e in self._entries_of(outcome.decision_id):
            if e.nomination_id is None:
                continue
            if not outcome.granted[e.nomination_id]:
                r.entries[e.id] = dataclasses.replace(e, status="not_granted")
                continue
            r.entries[e.id] = dataclasses.replace(e, status="granted")
            written = r.written[e.id]
            path = paths.get(e.nomination_id) or written.unit_path
            r.written[e.id] = dataclasses.replace(
                written, status="granted", level=STATE_LEVEL, decided_on=outcome.decided_on, unit_path=path, prize_amount_vnd=0
            )
            r.counted.add(e.id)

    async def add_draft(self, draft: Draft) -> None:
        listed = {n.id for d in self.register.drafts.values() for n in d.nominations}
        if listed & {n.id for n in draft.nominations}:
            raise ValueError(f"draft {draft.id} lists a nomination another draft lists")  # draft_items' primary key
        self.register.drafts[draft.id] = draft

    async def draft(self, draft_id: str, *, for_update: bool = False) -> Draft | None:
        return self.register.drafts.get(draft_id)

    async def draft_of_document(self, document_id: str) -> Draft | None:
        found = (d for d in self.register.drafts.values() if d.id == document_id or document_id in {i for i, _ in d.signed_as})
        return next(found, None)

    async def revocation_waiting(self, decision_id: str) -> Draft | None:
        waiting = (d for d in self.register.drafts.values() if d.status == "awaiting_signature" and d.revocation)
        return next((d for d in waiting if d.revocation and d.revocation.decision_id == decision_id), None)

    async def drafted_nominations(self, nomination_ids: Sequence[str]) -> set[str]:
        listed = {n.id for d in self.register.drafts.values() for n in d.nominations}
        return {n for n in nomination_ids if n in listed}

    def _drafts(self, where: DraftFilter) -> list[Draft]:
        def shown(d: Draft) -> bool:
            if d.status != where.status or (where.issuer and d.issuer.code != where.issuer):
                return False
            if where.nomination_id and where.nomination_id not in {n.id for n in d.nominations}:
                return False
            return where.everything or d.issuer.code in where.units or bool(where.units & set(d.readers))

        return sorted((d for d in self.register.drafts.values() if shown(d)), key=lambda d: (d.approved_at, d.id))

    async def count_drafts(self, where: DraftFilter) -> int:
        return len(self._drafts(where))

    async def list_drafts(self, where: DraftFilter, *, limit: int, after: DraftKey | None = None) -> list[Draft]:
        found = self._drafts(where)
        if after is not None:
            found = [d for d in found if (d.approved_at, d.id) > (after.approved_at, after.id)]
        return found[:limit]

    async def set_draft_prize(self, draft_id: str, nomination_id: str, amount_vnd: int) -> None:
        draft = self.register.drafts[draft_id]
        self.register.drafts[draft_id] = replace(draft, prizes={**draft.prizes, nomination_id: amount_vnd})

    async def mark_signed(self, draft_id: str, *, at: datetime, by: str, signed_as: Sequence[tuple[str, str]]) -> bool:
        draft = self.register.drafts[draft_id]
        if draft.status != "awaiting_signature":
            return False
        self.register.drafts[draft_id] = replace(draft, status="signed", signed_at=at, signed_by=by, signed_as=tuple(signed_as))
        return True

    async def add_signed_file(self, decision_id: str, content: bytes, *, level: str, at: datetime) -> None:
        if decision_id in self.register.signed_files:
            raise ValueError(f"decision {decision_id} is already signed")  # the primary key
        self.register.signed_files[decision_id] = content

    async def signed_file(self, decision_id: str) -> bytes | None:
        return self.register.signed_files.get(decision_id)

    async def registered_nominations(self, nomination_ids: Sequence[str]) -> set[str]:
        registered = {e.nomination_id for e in self.register.entries.values()}
        return {n for n in nomination_ids if n in registered}

    async def add_entries(self, entries: Sequence[RegisterEntry]) -> None:
        r = self.register
        for e in entries:
            if e.id in r.written or (e.entry_key and e.entry_key in {w.entry_key for w in r.written.values()}):
                raise ValueError(f"entry {e.id} ({e.entry_key}) is already in the register")  # uq_registry_entry_key
            if e.nomination_id and e.nomination_id in {w.nomination_id for w in r.written.values()}:
                raise ValueError(f"nomination {e.nomination_id} is already in the register")
            r.written[e.id] = e
            r.entries[e.id] = _read_back(e)
            if e.counted:
                r.counted.add(e.id)

    async def entries_of(self, decision_ids: Sequence[str]) -> dict[str, list[RegistryEntry]]:
        return {d: found for d in decision_ids if (found := self._entries_of(d))}

    async def entry(self, decision_id: str, nomination_id: str, *, for_update: bool = False) -> RegistryEntry | None:
        return next((e for e in self._entries_of(decision_id) if e.nomination_id == nomination_id), None)

    async def mark_recovered(self, entry_id: str, *, at: datetime, by: str) -> None:
        e = self.register.entries[entry_id]
        self.register.entries[entry_id] = dataclasses.replace(e, recovery="recovered", recovered_at=at, recovered_by=by)

    async def recorded_entry_keys(self, keys: Sequence[str]) -> set[str]:
        recorded = {e.entry_key for e in self.register.written.values()}
        return {k for k in keys if k in recorded}

    async def scope_counts(self, where: ScopeFilter) -> list[ScopeCount]:
        groups: dict[tuple[str | None, str, str, str | None, str, int, str], ScopeCount] = {}
        for e in self._counted():
            codes = [u.code for u in e.unit_path]
            if where.unit_code not in codes or not _in_scope(e, where):
                continue
            at = codes.index(where.unit_code)
            child = e.unit_path[at - 1] if at > 0 else None
            key = (child.code if child else None, e.award.code, e.level, e.sector, e.nominee_kind, e.decided_on.year, e.period)
            seen = groups.get(key)
            groups[key] = ScopeCount(
                child_code=key[0],
                child_name=max(filter(None, (seen.child_name if seen else None, child.name if child else None)), default=None),
                award_code=e.award.code,
                award_name=max(seen.award_name or "", e.award.name) if seen else e.award.name,
                category=max(seen.category or "", e.category) if seen else e.category,
                level=e.level,
                sector=e.sector,
                nominee_kind=e.nominee_kind,
                year=e.decided_on.year,
                period=e.period,
                count=(seen.count if seen else 0) + 1,
                prize_vnd=(seen.prize_vnd if seen else 0) + e.prize_amount_vnd,
            )
        return list(groups.values())

    async def entry_unit_name(self, unit_code: str) -> str | None:
        return next((e.unit_name for e in self.register.entries.values() if e.unit_code == unit_code), None)

    async def below_any(self, unit_code: str, units: frozenset[str]) -> bool:
        return any(unit_code in (codes := {u.code for u in e.unit_path}) and codes & units for e in self._counted())

    async def signing_officers(self, unit_code: str) -> list[SigningOfficer]:
        mine = [o for o in self.register.officers.values() if o.unit_code == unit_code]
        return sorted(mine, key=lambda o: (-o.valid_from.toordinal(), o.full_name, o.id))

    async def signing_officer(self, officer_id: str, *, for_update: bool = False) -> SigningOfficer | None:
        return self.register.officers.get(officer_id)

    async def add_signing_officer(self, officer: SigningOfficer) -> None:
        self.register.officers[officer.id] = officer

    async def set_signing_account(self, officer_id: str, username: str) -> None:
        self.register.officers[officer_id] = replace(self.register.officers[officer_id], username=username)

    async def end_signing_term(self, officer_id: str, last_day: date) -> None:
        self.register.officers[officer_id] = replace(self.register.officers[officer_id], valid_to=last_day)

    async def decisions_issued(self) -> list[tuple[UnitRef, int]]:
        issued: dict[str, tuple[UnitRef, int]] = {}
        for d in self.register.decisions.values():
            if d.kind == "decision":
                issued[d.issuer_code] = (d.issuer, issued.get(d.issuer_code, (d.issuer, 0))[1] + 1)
        return list(issued.values())

    # What the store holds, for the tests to look at

    def all_decisions(self) -> list[Decision]:
        return sorted(self.register.decisions.values(), key=lambda d: (d.issuer_code, d.year, d.kind, d.number))

    def all_entries(self) -> list[RegistryEntry]:
        return list(self.register.entries.values())

    def _matching(self, where: DecisionFilter, readers: Readers) -> list[Decision]:
        def matches(d: Decision) -> bool:
            return (
                readers.may_read(d)
                and (not where.issuer or d.issuer_code == where.issuer)
                and (not where.year or d.year == where.year)
                and (not where.award_code or any(e.award_code == where.award_code for e in self._entries_of(d.id)))
                and (not where.status or d.status == where.status)
                and (not where.kind or d.kind == where.kind)
            )

        return [d for d in self.register.decisions.values() if matches(d)]

    def _entries_of(self, decision_id: str) -> list[RegistryEntry]:
        listed = [
            (self.register.written[e.id].position, e) for e in self.register.entries.values() if e.decision_id == decision_id
        ]
        return [e for _, e in sorted(listed, key=lambda pe: pe[0])]

    def _counted(self) -> list[RegisterEntry]:
        return [self.register.written[i] for i in self.register.written if i in self.register.counted]


def _read_back(e: RegisterEntry) -> RegistryEntry:
    return RegistryEntry(
        id=e.id,
        decision_id=e.decision_id,
        nomination_id=e.nomination_id,
        nominee_kind="collective" if e.nominee_kind == "collective" else "individual",
        nominee_name=str(e.nominee.get("name", "")),
        unit_code=e.unit_path[0].code,
        unit_name=e.unit_path[0].name,
        period=e.period,
        coefficient=e.coefficient,
        base_salary_vnd=e.base_salary_vnd,
        prize_amount_vnd=e.prize_amount_vnd,
        award_code=e.award.code,
        award_name=e.printed_name,
        status=e.status,
        nominee_position=str(e.nominee.get("position") or ""),
        nominee_salutation=SALUTATION_VI.get(str(e.nominee.get("gender") or ""), ""),
    )


def _in_scope(e: RegisterEntry, where: ScopeFilter) -> bool:
    codes = {u.code for u in e.unit_path}
    return (
        (where.date_from is None or e.decided_on >= where.date_from)
        and (where.date_to is None or e.decided_on <= where.date_to)
        and (not where.award_code or e.award.code == where.award_code)
        and (not where.level or e.level == where.level)
        and (not where.sector or e.sector == (None if where.sector == UNKNOWN_SECTOR else where.sector))
        and (not where.nominee_kind or e.nominee_kind == where.nominee_kind)
        and (not where.period or e.period == where.period)
        and (where.within is None or bool(codes & where.within))
    )


class FakeOutbox(Outbox):
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def add(self, *events: Event) -> None:
        self.events.extend(events)

    def of_type(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]


class FakeUnitOfWork(UnitOfWork):
    """Commit keeps what the use case wrote (store and outbox together); leaving without commit puts both back."""

    def __init__(self, store: FakeAwardsStore, outbox: FakeOutbox) -> None:
        self._store = store
        self._outbox = outbox
        self._saved: tuple[_Register, list[Event]] | None = None
        self.commits = 0

    @property
    def store(self) -> FakeAwardsStore:
        return self._store

    @property
    def outbox(self) -> FakeOutbox:
        return self._outbox

    async def __aenter__(self) -> Self:
        self._saved = (self._store.register.copy(), list(self._outbox.events))
        return self

    async def commit(self) -> None:
        self._saved = None
        self.commits += 1

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._saved is not None:
            self._store.register, self._outbox.events = self._saved
            self._saved = None


class FakeUnitDirectory(UnitDirectory):
    """Registration's tree, read from a `UnitTree`; `asked` records each question."""

    def __init__(self, tree: UnitTree) -> None:
        self.tree = tree
        self.asked: list[tuple[str, frozenset[date]]] = []

    async def paths(self, actor: Actor, code: str, dates: Set[date]) -> UnitPaths:
        self.asked.append((code, frozenset(dates)))
        unit = self.tree.get(code)
        return UnitPaths(sector=unit.sector if unit else None, paths={on: self.tree.path_on(code, on) for on in dates})

    async def root(self, actor: Actor) -> UnitRef:
        [top] = [u for u in self.tree.units.values() if u.parent is None]
        return top.ref()


@dataclass
class RecordingSigner(DocumentSigner):
    """The document signer in memory: records who signed what for which unit, and returns the PDF as it came (the
    digital signature itself is pyHanko's, tested in tests/unit/test_pdf_signatures.py and the integration tests)."""

    signed: list[tuple[str, str, str]] = field(default_factory=list)  # (unit code, signer name, reason)
    refuse: frozenset[str] = frozenset()  # units without a key

    async def sign(self, pdf: bytes, *, unit_code: str, signer_name: str, reason: str, location: str) -> SignedPdf:
        if unit_code in self.refuse:
            raise NoSigningKey(unit_code, "the tests' keys")
        self.signed.append((unit_code, signer_name, reason))
        return SignedPdf(data=pdf, level="B-B", validation_info=False, signer_common_name=unit_code)


@dataclass
class FakeAwards:
    """Awards on fakes: the context its use cases take, and the fakes behind it to look into."""

    store: FakeAwardsStore
    outbox: FakeOutbox
    units: FakeUnitDirectory
    clock: FixedClock
    base_salary_vnd: int | None = None  # None: the dated parameter in force
    rules: Rulebook = field(default_factory=default_rulebook)
    signer: RecordingSigner = field(default_factory=RecordingSigner)
    context: AwardsContext = field(init=False)

    def __post_init__(self) -> None:
        self.context = AwardsContext(
            unit_of_work=lambda: FakeUnitOfWork(self.store, self.outbox),
            clock=self.clock,
            base_salary_vnd=self.base_salary_vnd,
            rules=self.rules,
            signer=self.signer,
        )


def fake_awards(
    tree: UnitTree, *, now: datetime = datetime(2026, 3, 2, 2, 0, tzinfo=UTC), base_salary_vnd: int | None = None
) -> FakeAwards:
    return FakeAwards(
        store=FakeAwardsStore(),
        outbox=FakeOutbox(),
        units=FakeUnitDirectory(tree),
        clock=FixedClock(now),
        base_salary_vnd=base_salary_vnd,
    )


def chair_of(unit: UnitRef) -> Actor:
    """The issuer's chair as the tests' signing officer: account `chair.<code>`, the signer role of the unit."""
    return Actor(
        user_id=f"chair-{unit.code}",
        username=f"chair.{unit.code}",
        full_name=f"Chủ tịch {unit.name}",
        roles=(RoleGrant(role="signer", unit_code=unit.code),),
    )


async def sign_drafts(awards: FakeAwards, *, by: Actor | None = None, unit_prize: int | None = None) -> list[DraftView]:
    """Every draft waiting, signed today: by `by`, or by its issuer's chair (`chair_of`), who is put on the roster
    as Chủ tịch when it has no term for that account. With `unit_prize`, the chair first sets that amount for each
    nominee whose award has none in the catalogue (as the unit's quy chế would)."""
    waiting = [d for d in awards.store.register.drafts.values() if d.status == "awaiting_signature"]
    signed = []
    for draft in waiting:
        signer = by or chair_of(draft.issuer)
        roster = awards.store.register.officers.values()
        if by is None and not any(o.username == signer.username for o in roster):
            await awards.store.add_signing_officer(
                SigningOfficer(
                    f"officer-{draft.issuer.code}",
                    draft.issuer.code,
                    signer.full_name,
                    "Chủ tịch",
                    date(2000, 1, 1),
                    username=signer.username,
                )
            )
        if unit_prize is not None:
            view = await signing.get_draft(awards.context, signer, DraftById(id=draft.id))
            for nominee in (n for n in view.nominees if n.prize_needed):
                prize = SetDraftPrize(id=draft.id, nomination_id=nominee.nomination_id, amount_vnd=unit_prize)
                await signing.set_draft_prize(awards.context, signer, prize)
        signed.append(await signing.sign_draft(awards.context, signer, SignDraft(id=draft.id)))
    return signed


async def approve_and_sign(
    awards: FakeAwards, *approvals: NominationApproved | NominationsApproved, unit_prize: int | None = None
) -> None:
    """Each final approval drafted, then signed by the issuer's chair at the approval's own moment (the clock set to
    it), as if the chair signed at once (setting `unit_prize` where the catalogue knows no amount, see `sign_drafts`)."""
    for event in approvals:
        awards.clock.at = event.occurred_at
        if isinstance(event, NominationsApproved):
            await issuing.on_batch_approved(awards.context, event)
        else:
            await issuing.on_approved(awards.context, event)
        await sign_drafts(awards, unit_prize=unit_prize)
