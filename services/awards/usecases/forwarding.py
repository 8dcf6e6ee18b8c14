"""Tờ trình gửi cấp trên: review's `ProposalForwarded` becomes a draft of the sending unit, listed in its "Văn bản chờ
ký"; its signing officer signs it (usecases.signing), which numbers it from the unit's one register, dates it,
signs the PDF (PAdES) and announces it (`ProposalSigned`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import uuid4

from services.awards.domain.decision import proposal_number_for
from services.awards.domain.drafts import Draft, ForwardingLetter, refuse_position
from services.awards.domain.forwarding import forwarding_draft, letter_document, letter_record, signed_event
from services.awards.domain.issuing import frame_of
from services.awards.domain.signers import SigningOfficer
from services.awards.store.port import UnitOfWork
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.issuing import CONSUMER
from services.awards.usecases.signed_files import sign_file
from shared.contracts.events import Actor, ProposalForwarded
from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import to_pdf

log = logging.getLogger("thidua.awards")


async def on_forwarded(ctx: AwardsContext, event: ProposalForwarded) -> None:
    """A batch went up: its letter waits for the sending unit's signing officer."""
    year = event.occurred_at.astimezone(VIETNAM_TZ).year
    async with ctx.unit_of_work() as uow:
        if not await uow.store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        await uow.store.raise_register(event.unit.code, year, event.numbered_before)
        draft = forwarding_draft(event, new_id=lambda: str(uuid4()))
        await uow.store.add_draft(draft)
        await uow.commit()
    log.info(
        "awards.letter_drafted",
        extra={"draft_id": draft.id, "proposal_id": event.proposal_id, "unit_id": event.unit.code, "entries": len(event.items)},
    )


async def sign_letter(
    ctx: AwardsContext, uow: UnitOfWork, actor: Actor, draft: Draft, terms: Sequence[SigningOfficer], now: datetime
) -> tuple[str, str, str]:
    """Number the letter from the unit's register (TTr), date it `now`, sign its PDF and announce it; the officer's
    printed name and (document id, number text) of what it became. In the caller's unit of work."""
    letter = draft.letter
    assert isinstance(letter, ForwardingLetter)
    on = now.astimezone(VIETNAM_TZ).date()
    issuer = draft.issuer
    frame = frame_of(
        "forwarding", issuer, {"union"}, [], on, legal=ctx.legal_basis, parent_name=letter.to_unit.name, roster=terms
    )
    if not frame.signer_name:
        raise refuse_position(issuer, "forwarding")
    number = proposal_number_for(issuer, on.year, await uow.store.advance_register(issuer.code, on.year))
    record = letter_record(draft, letter, document_id=str(uuid4()), number=number, signed_at=now, frame=frame)
    await uow.store.add_decision(record)
    pdf = await asyncio.to_thread(to_pdf, letter_document(draft, letter, frame, number, on))
    await sign_file(ctx, uow.store, record, frame, pdf, now)
    await uow.outbox.add(signed_event(record, letter, actor))
    log.info("awards.document_signed", extra={"decision_id": record.id, "draft_id": draft.id, "kind": "forwarding"})
    return frame.signer_name, record.id, record.number_text
