"""A decision or tờ trình as the document it is: PDF to print and sign, or .xlsx to work with its list."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable, Sequence
from datetime import date

from services.awards.domain.decision import DecisionNumber
from services.awards.domain.document import build_document, document_data, issued_on
from services.awards.domain.drafts import Draft
from services.awards.domain.forwarding import letter_document
from services.awards.domain.issuing import frame_of, issuer_parent_name
from services.awards.domain.register import Decision, RegistryEntry, readers_of
from services.awards.domain.revocation_document import revocation_document
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import readable_decision
from services.awards.usecases.ports import UnitDirectory
from shared.contracts.errors import NotFound
from shared.contracts.events import Actor
from shared.contracts.operations.awards import DecisionFrame, DocumentFile, DocumentRequest
from shared.rules.catalog import PrizeKind
from shared.rules.documents import OfficialDocument, to_html, to_pdf, to_xlsx

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}
RENDERERS: dict[str, Callable[[OfficialDocument], bytes]] = {
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "html": lambda doc: str(to_html(doc)).encode(),  # the console's printed page: the same lines as the PDF
}


async def decision_document(ctx: AwardsContext, units: UnitDirectory, actor: Actor, q: DocumentRequest) -> DocumentFile:
    """The decision or tờ trình as PDF or .xlsx (base64), for whoever may read it. The PDF of a signed decision is the
    file its officer signed, byte for byte (its digital signature verifies); an older one is rendered as it printed."""
    async with ctx.reading() as uow:
        decision = await readable_decision(uow.store, readers_of(actor), q.id)
        entries = (await uow.store.entries_of([q.id])).get(q.id, [])
        signed = await uow.store.signed_file(q.id) if q.format == "pdf" else None
        draft = await uow.store.draft_of_document(q.id) if decision.kind in ("forwarding", "revocation") else None
    if signed is not None:
        content = signed
    elif decision.kind in ("forwarding", "revocation"):  # printed from the content its draft keeps, in its own template
        if draft is None or decision.document is None:
            raise NotFound("Không tìm thấy nội dung văn bản", code="document_not_found")
        content = await asyncio.to_thread(RENDERERS[q.format], own_document(decision, draft, decision.document))
    else:
        frame = decision.document or await frame_now(ctx, units, actor, decision)
        # fpdf2 lays a 500-entry table out in seconds: off the event loop, so events and other requests go on meanwhile
        content = await asyncio.to_thread(RENDERERS[q.format], official_document(ctx, decision, entries, frame))
    stem = {"decision": "quyet-dinh", "revocation": "quyet-dinh-thu-hoi"}.get(decision.kind, "to-trinh")
    return DocumentFile(
        filename=f"{stem}-{decision.number}-{decision.year}-{decision.issuer_code}.{q.format}",
        media_type=MEDIA_TYPES[q.format],
        content_base64=base64.b64encode(content).decode("ascii"),
    )


def own_document(document: Decision, draft: Draft, frame: DecisionFrame) -> OfficialDocument:
    """A forwarding tờ trình or a revocation decision as its officer signed it, from its draft's content."""
    number = DecisionNumber(document.number, document.year, document.number_text.split("/", 1)[1])
    on = issued_on(document)
    if draft.letter is not None:
        return letter_document(draft, draft.letter, frame, number, on)
    assert draft.revocation is not None
    return revocation_document(draft, draft.revocation, frame, number, on)


def official_document(
    ctx: AwardsContext, decision: Decision, entries: Sequence[RegistryEntry], frame: DecisionFrame
) -> OfficialDocument:
    """The document a decision prints, from what the register holds of it."""
    on = issued_on(decision)
    no_prize = _no_prize_awards(ctx, entries, on)
    kinds = _prize_kinds(ctx, entries, on)
    return build_document(document_data(decision, entries, frame, no_prize_awards=no_prize, prize_kinds=kinds))


def _no_prize_awards(ctx: AwardsContext, entries: Sequence[RegistryEntry], on: date) -> frozenset[str]:
    """Awards that carry no prize by the catalogue (a coefficient of 0 it confirms); any other zero is unknown."""
    none: set[str] = set()
    for code in {e.award_code for e in entries}:
        award = ctx.rules.award_on(code, on)
        if award is not None and award.prize is None and award.coefficient_confirmed:
            none.add(code)
    return frozenset(none)


def _prize_kinds(ctx: AwardsContext, entries: Sequence[RegistryEntry], on: date) -> dict[str, PrizeKind]:
    """Each award's prize kind as the catalogue in force on the decision date has it (a coefficient, a flat amount,
    a gift, none): the document prints each in its words."""
    kinds: dict[str, PrizeKind] = {}
    for code in {e.award_code for e in entries}:
        award = ctx.rules.award_on(code, on)
        kinds[code] = award.prize_kind if award is not None else "coefficient"
    return kinds


async def frame_now(ctx: AwardsContext, units: UnitDirectory, actor: Actor, decision: Decision) -> DecisionFrame:
    """A decision issued before frames were stored with it: the frame configured on its date, under the issuer's
    superior on that date as registration's tree has it."""
    on = issued_on(decision)
    path = (await units.paths(actor, decision.issuer_code, {on})).paths.get(on) or []
    parent_name = issuer_parent_name(decision.issuer_code, [path])
    codes = [decision.award_code]
    frame = frame_of(
        decision.kind, decision.issuer, {"union"}, [], on, legal=ctx.legal_basis, parent_name=parent_name, award_codes=codes
    )
    return frame.model_copy(update={"signer_name": None})  # issued before the roster: it printed the approver
