"""A decision's certificates (văn bằng) as one PDF: a landscape page per Bằng khen or Giấy khen it grants, or the page
of one nominee, for whoever may read the decision."""

from __future__ import annotations

import asyncio
import base64

from services.awards.domain.certificate import certificates_of
from services.awards.domain.register import readers_of
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import readable_decision
from services.awards.usecases.documents import frame_now
from services.awards.usecases.ports import UnitDirectory
from shared.contracts.events import Actor
from shared.contracts.operations.awards import CertificatesRequest, DocumentFile
from shared.rules.documents import certificates_pdf


async def certificates(ctx: AwardsContext, units: UnitDirectory, actor: Actor, q: CertificatesRequest) -> DocumentFile:
    """Refused for a tờ trình (409 `not_a_decision`) and a revoked decision (409 `decision_revoked`); a nominee the
    decision does not list is 404 `nominee_not_found`, a decision without Bằng khen or Giấy khen 409 `no_certificates`."""
    async with ctx.reading() as uow:
        decision = await readable_decision(uow.store, readers_of(actor), q.id)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
    frame = decision.document or await frame_now(ctx, units, actor, decision)
    printed = certificates_of(decision, entries, frame, nomination_id=q.nomination_id)
    # A page per nominee: a 500-person batch takes seconds to lay out, off the event loop meanwhile
    content = await asyncio.to_thread(certificates_pdf, printed, q.paper)
    who = f"-{q.nomination_id}" if q.nomination_id else ""
    return DocumentFile(
        filename=f"van-bang-{decision.number}-{decision.year}-{decision.issuer_code}{who}-{q.paper}.pdf",
        media_type="application/pdf",
        content_base64=base64.b64encode(content).decode("ascii"),
    )
