"""A final approval becomes documents: which nominations go into which document (one decision for the union's
awards, one tờ trình per deciding state authority), the frame each prints, its entries and the events. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.awards.domain.decision import DecisionNumber, Prize, prize_for
from services.awards.domain.document import plain_authority
from services.awards.domain.legal_basis import DocumentKind, LegalBasisFile, frame_for
from services.awards.domain.register import Decision, RegisterEntry
from services.awards.domain.signers import SigningOfficer, SigningRule, choose_signature
from shared.contracts.errors import InconsistentEvent
from shared.contracts.events import Actor, AwardGranted, AwardProposed, DecisionSnapshot, Event, NominationSnapshot
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import UnitRef
from shared.rules.catalog import Award, CatalogName
from shared.rules.rulebook import Rulebook


@dataclass(frozen=True)
class Listed:
    """A nomination a document lists, with its award as the catalogue in force on the decision date defines it."""

    nomination: NominationSnapshot
    award: Award


@dataclass(frozen=True)
class DocumentPlan:
    kind: DocumentKind
    decided_by: str  # a tờ trình's state authority; "" for a decision
    items: tuple[Listed, ...]


@dataclass(frozen=True)
class Plan:
    documents: tuple[DocumentPlan, ...]
    already_registered: tuple[str, ...]  # nominations left out: their own approval or another batch registered them


@dataclass(frozen=True)
class Issued:
    decision: Decision
    entries: tuple[RegisterEntry, ...]
    events: tuple[Event, ...]


def corroborate(issuer: UnitRef, nominations: Sequence[NominationSnapshot]) -> None:
    """An approval awards may act on: the approving unit is of the level that awards each nomination, and the
    nomination came up through it or a unit of its level (a reorganisation may have moved the task to a new one);
    else `InconsistentEvent`, and no document is issued."""
    for nomination in nominations:
        if issuer.level != nomination.awarding_level:
            raise InconsistentEvent(
                f"{issuer.code} ({issuer.level}) approved nomination {nomination.id}, awarded at {nomination.awarding_level}"
            )
        if not any(unit.level == issuer.level for unit in nomination.unit_path):
            raise InconsistentEvent(f"nomination {nomination.id} never comes up to a {issuer.level} unit")


def plan_documents(nominations: Sequence[NominationSnapshot], registered: set[str], on: date, rules: Rulebook) -> Plan:
    """Group the nominations not yet in the register by document, in the order they came."""
    taken = set(registered)
    skipped: list[str] = []
    groups: dict[tuple[DocumentKind, str], list[Listed]] = {}
    for nom in nominations:
        if nom.id in taken:
            skipped.append(nom.id)
            continue
        taken.add(nom.id)
        award = rules.award_on(nom.award_code, on)  # the version in force on the decision date
        if award is None:
            raise LookupError(f"award {nom.award_code} not in the catalogue in force on {on}")
        # One tờ trình per deciding authority, named without the catalogue's notes: two titles the same authority
        # decides go in one letter even when the catalogue annotates one of them.
        decided_by = plain_authority(award.decided_by)
        key: tuple[DocumentKind, str] = ("proposal", decided_by) if award.outcome == "proposal" else ("decision", "")
        groups.setdefault(key, []).append(Listed(nom, award))
    documents = tuple(DocumentPlan(kind, decided_by, tuple(items)) for (kind, decided_by), items in groups.items())
    return Plan(documents=documents, already_registered=tuple(skipped))


def issuer_parent_name(issuer_code: str, paths: Iterable[Sequence[UnitRef]]) -> str:
    """The unit above the issuer on the first path through it (paths run from the CĐCS up to the root); "" at the root."""
    for path in paths:
        codes = [u.code for u in path]
        if issuer_code in codes:
            above = codes.index(issuer_code) + 1
            return path[above].name if above < len(path) else ""
    return ""


def frame_of(
    kind: DocumentKind,
    issuer: UnitRef,
    catalogs: set[CatalogName],
    nominations: Sequence[NominationSnapshot],
    on: date,
    *,
    legal: LegalBasisFile,
    parent_name: str,
    roster: Sequence[SigningOfficer] = (),
    award_codes: Iterable[str] = (),
) -> DecisionFrame:
    """The document's frame as `legal` (the legal basis configuration) has it on its date, stored so that the issued
    document never changes; its signature block is the issuer's signing officer in force that day (`roster`), never
    the approver."""
    frame = frame_for(
        kind,
        issuer_code=issuer.code,
        issuer_name=issuer.name,
        issuer_level=issuer.level,
        catalogs=catalogs,
        on=on,
        award_codes=frozenset(award_codes or {nom.award_code for nom in nominations}),
        config=legal,
    )
    proposers: list[str] = []
    for nom in nominations:
        codes = [u.code for u in nom.unit_path]
        if issuer.code in codes and codes.index(issuer.code) > 0:
            proposers.append(nom.unit_path[codes.index(issuer.code) - 1].name)
    proposers = list(dict.fromkeys(proposers))
    basis = list(frame.basis)
    if proposers:
        basis.append(f"Xét đề nghị của {', '.join(proposers)},")
    rule = SigningRule(frame.signer_position, frame.signer_role, frame.deputy_position, frame.deputy_role)
    signature = choose_signature(roster, rule, on)
    return DecisionFrame(
        place=frame.place,
        basis=basis,
        authority=frame.authority,
        signer_role=list(signature.role),
        signer_name=signature.name,
        unconfirmed=list(frame.unconfirmed),
        issuer_parent_name=parent_name,
        addressee=frame.addressee,
    )


def issue_document(
    document: DocumentPlan,
    *,
    decision_id: str,
    signer: Actor,
    signed_at: datetime,
    issuer: UnitRef,
    number: DecisionNumber,
    base_salary_vnd: int,
    on: date,
    batch_id: str | None,
    frame: DecisionFrame,
    new_id: Callable[[], str],
    prizes: Mapping[str, int] | None = None,
) -> Issued:
    """The numbered document as its officer signs it, one entry per nomination in its order, and one AwardGranted (or
    AwardProposed) each."""
    issued_at = signed_at
    prizes = prizes or {}
    kind, decided_by, items = document.kind, document.decided_by, document.items
    first = items[0].award
    decision = Decision(
        id=decision_id,
        kind=kind,
        issuer_code=issuer.code,
        issuer=issuer,
        year=on.year,
        number=number.number,
        number_text=number.text,
        issued_at=issued_at,
        signed_by=frame.signer_name or signer.full_name or signer.username,
        award_code=first.code,
        award_name=first.name_for(issuer.name),
        catalog_version=items[0].nomination.catalog_version,
        readers=tuple(sorted({u.code for item in items for u in item.nomination.unit_path})),
        batch_id=batch_id,
        decided_by=decided_by,
        document=frame,
    )
    entries: list[RegisterEntry] = []
    events: list[Event] = []
    for position, (nom, award) in enumerate(((i.nomination, i.award) for i in items), start=1):
        prize = (
            prize_for(award, nom.nominee.kind, base_salary_vnd, on) if kind == "decision" else Prize("0", base_salary_vnd, 0, on)
        )
        if kind == "decision" and prize.amount_vnd == 0 and nom.id in prizes:
            prize = Prize(prize.coefficient, base_salary_vnd, prizes[nom.id], on, prize.kind)  # the unit's own amount
        entries.append(
            RegisterEntry(
                id=new_id(),
                source="pipeline",
                award=award,
                award_name=award.name_for(issuer.name),
                level=issuer.level,
                nominee=nom.nominee.model_dump(),
                unit_path=nom.unit_path,
                sector=nom.unit_sector,
                period=nom.period,
                decided_on=on,
                coefficient=prize.coefficient,
                base_salary_vnd=prize.base_salary_vnd,
                prize_amount_vnd=prize.amount_vnd,
                decision_id=decision_id,
                nomination_id=nom.id,
                catalog_version=award.catalog_version or nom.catalog_version,
                position=position,
                status="granted" if kind == "decision" else "proposed",
            )
        )
        snapshot = DecisionSnapshot(
            decision_id=decision_id,
            number=number.number,
            number_text=number.text,
            year=on.year,
            issuer=issuer,
            issued_at=issued_at,
            award_code=award.code,
            award_name=award.name_for(issuer.name),
            prize_amount_vnd=prize.amount_vnd,
        )
        if kind == "decision":
            events.append(
                AwardGranted(occurred_at=issued_at, correlation_id=nom.id, actor=signer, nomination_id=nom.id, decision=snapshot)
            )
        else:
            events.append(
                AwardProposed(
                    occurred_at=issued_at,
                    correlation_id=nom.id,
                    actor=signer,
                    nomination_id=nom.id,
                    proposal=snapshot,
                    decided_by=decided_by,
                )
            )
    return Issued(decision=decision, entries=tuple(entries), events=tuple(events))
