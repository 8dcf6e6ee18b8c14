"""Tờ trình gửi cấp trên in awards: the letter a unit sent up with a batch of dossiers (review's `ProposalForwarded`)
waits for the unit's signing officer as a draft; signing numbers it from the unit's one register (TTr, the same
sequence as its decisions), dates it, and issues it (`ProposalSigned`, which review records on its proposal).
It lists no award and registers no entry: the unit above decides on the dossiers. Pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from services.awards.domain.decision import DecisionNumber
from services.awards.domain.drafts import Draft, ForwardingLetter, signed_record
from services.awards.domain.register import Decision
from shared.contracts.events import Actor, ProposalForwarded, ProposalSigned
from shared.contracts.operations.awards import DecisionFrame
from shared.rules.documents import OfficialDocument, SignatureBlock
from shared.rules.forwarding import LetterNumber, forwarding_letter, letter_settings


def forwarding_draft(event: ProposalForwarded, *, new_id: Callable[[], str]) -> Draft:
    """The letter as a draft of its sending unit, read by that unit and the unit it goes to."""
    return Draft(
        id=new_id(),
        kind="forwarding",
        issuer=event.unit,
        decided_by=event.to_unit.name,
        batch_id=None,
        nominations=(),
        award_code="",
        award_name=letter_settings().subject,
        approved_at=event.occurred_at,
        approved_by=event.actor,
        letter=ForwardingLetter(
            proposal_id=event.proposal_id,
            to_unit=event.to_unit,
            comment=event.comment,
            items=tuple(event.items),
            forwarded_at=event.occurred_at,
        ),
    )


def letter_document(
    draft: Draft, letter: ForwardingLetter, frame: DecisionFrame, number: DecisionNumber, on: date
) -> OfficialDocument:
    """The letter as its officer signs it: the shared template, the signature block of the roster's rule."""
    return forwarding_letter(
        unit=draft.issuer,
        to_unit=letter.to_unit,
        items=letter.items,
        comment=letter.comment or None,
        numbered=LetterNumber(number.text, on),
        forwarded_on=on,
        signature=SignatureBlock.of_lines(frame.signer_role, frame.signer_name or ""),
        place=frame.place,
    )


def letter_record(
    draft: Draft, letter: ForwardingLetter, *, document_id: str, number: DecisionNumber, signed_at: datetime, frame: DecisionFrame
) -> Decision:
    """The signed letter as the register keeps it, addressed to the unit above."""
    return signed_record(
        draft,
        document_id=document_id,
        number=number,
        signed_at=signed_at,
        frame=frame.model_copy(update={"addressee": letter.to_unit.name}),
        award_name=draft.award_name,
        readers=draft.readers,
        decided_by=letter.to_unit.name,
    )


def signed_event(record: Decision, letter: ForwardingLetter, signer: Actor) -> ProposalSigned:
    return ProposalSigned(
        occurred_at=record.issued_at,
        correlation_id=letter.proposal_id,
        actor=signer,
        proposal_id=letter.proposal_id,
        document_id=record.id,
        issuer=record.issuer,
        number=record.number,
        number_text=record.number_text,
        year=record.year,
        issued_at=record.issued_at,
        signer_name=record.signed_by,
        nomination_ids=[item.nomination_id for item in letter.items],
    )
