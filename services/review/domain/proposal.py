"""Tờ trình: the letter a unit sends up with the batch of dossiers it forwards together, as review keeps it.

Forwarding makes the letter; the unit's signing officer signs it in awards, which numbers it from the unit's one
register of outgoing documents (`ProposalSigned`, recorded here by `signed`). Until then it has no number and reads
"chờ ký"; the unit above has the dossiers all the same. Letters review numbered itself, before the register did,
keep their numbers. The template is shared with awards (`shared.rules.forwarding`): one letter, however printed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from shared.contracts.events import ForwardedItem
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.documents import OfficialDocument, SignatureBlock
from shared.rules.forwarding import WAITING_VI, LetterNumber, forwarding_letter, letter_settings

ProposalItem = ForwardedItem  # one nominee as the letter lists it


@dataclass(frozen=True)
class Proposal:
    """A tờ trình from `unit` to `to_unit`, listing its nominees; numbered, dated and signed once its officer signs
    it (`document_id`: the signed file in awards' register; None for a letter numbered before the register)."""

    id: str
    unit: UnitRef
    to_unit: UnitRef
    year: int
    forwarded_by_id: str  # the approver who forwarded the batch (never its signer)
    comment: str | None
    items: tuple[ProposalItem, ...]
    created_at: datetime
    number: int | None = None
    number_text: str | None = None
    issued_on: date | None = None
    signer_name: str | None = None
    document_id: str | None = None

    @property
    def signed(self) -> bool:
        return self.number_text is not None

    @property
    def status_label(self) -> str:
        return "" if self.signed else WAITING_VI

    @property
    def title(self) -> str:
        """'Tờ trình số 4/TTr-LĐLĐ ngày 05/3/2026', or that it waits for its signer."""
        if self.number_text is None or self.issued_on is None:
            return f"Tờ trình ({WAITING_VI.lower()})"
        return f"Tờ trình số {self.number_text} ngày {self.issued_on:%d/%m/%Y}"

    def is_party(self, unit_code: str) -> bool:
        """The unit that sent it or the unit it was sent to."""
        return unit_code in (self.unit.code, self.to_unit.code)

    def signed_as(self, *, document_id: str, number: int, number_text: str, issued_at: datetime, signer_name: str) -> Proposal:
        return replace(
            self,
            document_id=document_id,
            number=number,
            number_text=number_text,
            issued_on=issued_at.astimezone(VIETNAM_TZ).date(),
            signer_name=signer_name,
        )


def proposal_letter(proposal: Proposal) -> OfficialDocument:
    """The tờ trình as review prints it: a draft without number while it waits; a letter review numbered before the
    register with the signature block of its time. A letter its officer signed is the PDF awards keeps."""
    numbered = (
        LetterNumber(proposal.number_text, proposal.issued_on)
        if proposal.number_text is not None and proposal.issued_on is not None
        else None
    )
    signature = SignatureBlock.of_lines(letter_settings().signer_role, proposal.signer_name or "")
    return forwarding_letter(
        unit=proposal.unit,
        to_unit=proposal.to_unit,
        items=proposal.items,
        comment=proposal.comment,
        numbered=numbered,
        forwarded_on=proposal.created_at.astimezone(VIETNAM_TZ).date(),
        signature=signature,
    )
