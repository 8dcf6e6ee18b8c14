"""Approval and signing are two steps. A final approval makes a draft ("dự thảo") of each document it calls for:
what it will list, who approved it, no number and no date. A signing officer of the issuer signs it: only then is the
document numbered from the issuer's register, dated the day it is signed, and its awards granted (or proposed).
Pure: who may sign a draft, and what a draft tells the other services and the console."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from services.awards.domain.decision import DecisionNumber
from services.awards.domain.issuing import DocumentPlan
from services.awards.domain.register import Decision
from services.awards.domain.signers import SigningOfficer
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor, DecisionDrafted, DraftSnapshot, Event, ForwardedItem, NominationSnapshot
from shared.contracts.operations.awards import DecisionFrame, DocumentKind, DraftStatus
from shared.contracts.values import UnitRef

DRAFT_STATUS_LABELS: dict[DraftStatus, str] = {"awaiting_signature": "Chờ ký", "signed": "Đã ký"}
KIND_LABELS: dict[DocumentKind, str] = {
    "decision": "Quyết định",
    "proposal": "Tờ trình",
    "forwarding": "Tờ trình",
    "revocation": "Quyết định thu hồi",
}


class ForwardingLetter(BaseModel):
    """What a forwarding tờ trình says, as review forwarded it (kept with its draft: domain.forwarding)."""

    model_config = ConfigDict(frozen=True)

    proposal_id: str
    to_unit: UnitRef
    comment: str = ""
    items: tuple[ForwardedItem, ...]
    forwarded_at: datetime


class RevokedLine(BaseModel):
    """A nominee of the revoked decision as the revocation lists it: the award withdrawn and the prize to recover."""

    model_config = ConfigDict(frozen=True)

    nomination_id: str | None
    name: str
    kind: str
    unit_name: str
    award_name: str
    prize_amount_vnd: int


class RevocationContent(BaseModel):
    """What a decision revoking another says ("Quyết định về việc thu hồi Quyết định số … ngày …"), frozen when the
    issuer's approver asked for it (kept with its draft: domain.revocation_document)."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    number_text: str
    issued_at: datetime
    subject: str  # the revoked decision's trích yếu
    reason: str
    lines: tuple[RevokedLine, ...]
    readers: tuple[str, ...]  # the revoked decision's readers


@dataclass(frozen=True)
class Draft:
    """A document prepared from a final approval, waiting for its signing officer."""

    id: str
    kind: DocumentKind
    issuer: UnitRef
    decided_by: str  # a tờ trình's state authority
    batch_id: str | None
    nominations: tuple[NominationSnapshot, ...]  # in the order the document lists them
    award_code: str  # the first award it lists
    award_name: str
    approved_at: datetime
    approved_by: Actor
    status: DraftStatus = "awaiting_signature"
    prizes: Mapping[str, int] = field(default_factory=dict)  # by nomination: an amount the unit set where none is known
    signed_at: datetime | None = None
    signed_by: str | None = None  # the officer's name as printed
    signed_as: tuple[tuple[str, str], ...] = ()  # (decision id, number text) of what signing issued
    letter: ForwardingLetter | None = None  # a forwarding tờ trình's content (it lists no nomination of its own)
    revocation: RevocationContent | None = None  # a revocation decision's content (idem)

    @property
    def readers(self) -> tuple[str, ...]:
        """Every unit on the paths of the nominations it lists: who may read it (as for a decision); a forwarding
        tờ trình's: the unit sending it and the unit it goes to."""
        if self.letter is not None:
            return tuple(sorted({self.issuer.code, self.letter.to_unit.code}))
        if self.revocation is not None:
            return self.revocation.readers
        return tuple(sorted({u.code for n in self.nominations for u in n.unit_path}))


@dataclass(frozen=True)
class DraftFilter:
    """Which drafts a list shows: those the reader may see (every one, or below or of one of `units`), by status."""

    everything: bool
    units: frozenset[str]
    status: DraftStatus = "awaiting_signature"
    issuer: str | None = None
    nomination_id: str | None = None


@dataclass(frozen=True)
class DraftKey:
    """Where a draft stands in a list (oldest approval first, ties by id): a keyset page starts after one."""

    approved_at: datetime
    id: str


def draft_of(plan: DocumentPlan, *, approval: Event, issuer: UnitRef, batch_id: str | None, new_id: Callable[[], str]) -> Draft:
    first = plan.items[0].award
    return Draft(
        id=new_id(),
        kind=plan.kind,
        issuer=issuer,
        decided_by=plan.decided_by,
        batch_id=batch_id,
        nominations=tuple(item.nomination for item in plan.items),
        award_code=first.code,
        award_name=first.name_for(issuer.name),
        approved_at=approval.occurred_at,
        approved_by=approval.actor,
    )


def drafted_events(draft: Draft, approval: Event, at: datetime) -> tuple[DecisionDrafted, ...]:
    """One event per nomination, with its own award, so that each dossier shows "Chờ ký" and its timeline says so;
    `at`: when awards drafted it (after the approval it follows, so a timeline never shows it first)."""
    return tuple(
        DecisionDrafted(
            occurred_at=at,
            correlation_id=n.id,
            actor=approval.actor,
            nomination_id=n.id,
            draft=DraftSnapshot(
                draft_id=draft.id,
                kind=draft.kind,
                issuer=draft.issuer,
                award_code=n.award_code,
                award_name=n.award_name,
                drafted_at=draft.approved_at,
            ),
        )
        for n in draft.nominations
    )


def may_set_prizes(actor: Actor, draft: Draft, signing_terms: Sequence[SigningOfficer]) -> bool:
    """The issuer's approvers and signing officers (and administrators) set the amounts its quy chế decides."""
    return actor.is_admin or actor.has_role("approver", draft.issuer.code) or bool(signing_terms)


def terms_of(actor: Actor, roster: Sequence[SigningOfficer], on: date) -> list[SigningOfficer]:
    """The actor's own terms on the issuer's roster in force on `on` (matched by their account)."""
    return [o for o in roster if o.username and o.username == actor.username and o.in_force(on)]


def require_officer(actor: Actor, roster: Sequence[SigningOfficer], issuer: UnitRef, on: date) -> list[SigningOfficer]:
    """The actor's terms in force, or `Forbidden`: only an officer on the issuer's roster today signs in its name."""
    terms = terms_of(actor, roster, on)
    if not terms:
        raise Forbidden(
            f"Bạn không có tên trong danh sách người ký văn bản của {issuer.name} đang trong nhiệm kỳ hôm nay",
            code="not_a_signer",
        )
    return terms


def refuse_position(issuer: UnitRef, kind: DocumentKind) -> Forbidden:
    return Forbidden(
        f"Chức vụ của bạn trong danh sách người ký của {issuer.name} không ký {KIND_LABELS[kind].lower()} này",
        code="not_signing_position",
    )


def may_read_draft(actor: Actor, draft: Draft) -> bool:
    """Admins and operations read every draft; a unit reads those below it; a signer those of their unit."""
    if actor.sees_everything():
        return True
    units = {g.unit_code for g in actor.roles if g.unit_code}
    return bool(units & set(draft.readers)) or draft.issuer.code in units


def signed_record(
    draft: Draft,
    *,
    document_id: str,
    number: DecisionNumber,
    signed_at: datetime,
    frame: DecisionFrame,
    award_name: str,
    readers: tuple[str, ...],
    decided_by: str = "",
    revokes: str | None = None,
) -> Decision:
    """A draft that lists no award entries (a forwarding letter, a revocation) as the register keeps it once signed:
    a line of the Sổ văn bản đi under the issuer's number, its PDF the signed file."""
    return Decision(
        id=document_id,
        kind=draft.kind,
        issuer_code=draft.issuer.code,
        issuer=draft.issuer,
        year=number.year,
        number=number.number,
        number_text=number.text,
        issued_at=signed_at,
        signed_by=frame.signer_name or "",
        award_code=draft.award_code,
        award_name=award_name,
        catalog_version="",
        readers=readers,
        batch_id=None,
        decided_by=decided_by,
        document=frame,
        revokes=revokes,
    )
