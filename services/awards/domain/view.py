"""A decision or tờ trình as its readers see it: labels, totals, and what the reader may do with it. Pure."""

from __future__ import annotations

from collections.abc import Sequence

from services.awards.domain.certificate import has_certificate
from services.awards.domain.document import plain_authority, subject_line
from services.awards.domain.outcomes import StateDecision, may_record
from services.awards.domain.register import Decision, Listing, RegistryEntry
from services.awards.domain.revocation import RECOVERY_LABELS_VI, STATUS_LABELS_VI, DecisionStatus, Recovery, may_act_for
from services.awards.domain.signers import NO_SIGNER_WARNING_VI
from shared.contracts.events import Actor
from shared.contracts.operations.awards import (
    AwardRef,
    DecisionEntryView,
    DecisionView,
    DocumentLink,
    OutgoingDocument,
    RevocationView,
)

KIND_LABELS_VI = {"decision": "Quyết định", "proposal": "Tờ trình", "forwarding": "Tờ trình", "revocation": "Quyết định"}
PENDING_VI = "Đang chờ ký quyết định thu hồi"


def status_label(decision: Decision) -> str:
    """A tờ trình is sent ("Đã trình"); a decision stands or is revoked."""
    if decision.kind in ("proposal", "forwarding"):
        return "Đã trình"
    return STATUS_LABELS_VI[DecisionStatus(decision.status)]


# A register entry as the register reads it.
ENTRY_LABELS_VI = {
    "granted": "Đã khen thưởng",
    "proposed": "Đã đề nghị {decided_by}",
    "revoked": "Đã thu hồi quyết định",
    "not_granted": "Cấp có thẩm quyền không khen thưởng",
}
STATE_GRANTED_VI = "Cấp có thẩm quyền đã khen thưởng"  # a tờ trình's entry the state granted


def decision_view(
    decision: Decision,
    entries: Sequence[RegistryEntry],
    actor: Actor,
    *,
    approved_by: str = "",
    revocation_pending: bool = False,
    revoked_in: DocumentLink | None = None,
    revokes: DocumentLink | None = None,
    outcome: StateDecision | None = None,
) -> DecisionView:
    """The decision as its reader sees it; `revocation_pending`: its revocation waits for the issuer's signer (it
    stands until then); `revoked_in` / `revokes`: the revocation decision and the decision a revocation revokes;
    `outcome`: the state authority's answer to a tờ trình."""
    issuing = may_act_for(actor, decision.issuer_code)
    nominees = [entry_view(e, decision) for e in entries]
    revoked = decision.status == "revoked"
    revocation = None
    if revoked and decision.revoked_at is not None:
        revocation = RevocationView(reason=decision.revoked_reason, by=decision.revoked_by, at=decision.revoked_at)
    return DecisionView(
        id=decision.id,
        kind=decision.kind,
        kind_label=KIND_LABELS_VI[decision.kind],
        number=decision.number,
        number_text=decision.number_text,
        year=decision.year,
        issuer_code=decision.issuer_code,
        issuer_name=decision.issuer.name,
        issued_at=decision.issued_at,
        signed_by=decision.signed_by,
        approved_by=approved_by,
        award_code=decision.award_code,
        award_name=decision.award_name,
        awards=[AwardRef(code=c, name=n) for c, n in dict.fromkeys((x.award_code, x.award_name) for x in nominees)],
        catalog_version=decision.catalog_version,
        batch_id=decision.batch_id,
        decided_by=decision.decided_by,
        status=decision.status,
        status_label=PENDING_VI if revocation_pending and not revoked else _status_label(decision, outcome),
        revocation=revocation,
        revocation_pending=revocation_pending and not revoked,
        revoked_in=revoked_in,
        revokes=revokes,
        document=decision.document,
        signer_warning=NO_SIGNER_WARNING_VI if decision.document is not None and decision.document.signer_name == "" else "",
        nominees=nominees,
        collectives=sum(1 for x in nominees if x.kind == "collective"),
        individuals=sum(1 for x in nominees if x.kind != "collective"),
        total_prize_vnd=sum(x.prize_amount_vnd for x in nominees),
        recovery_due_vnd=sum(x.recovery_amount_vnd or 0 for x in nominees if x.recovery == "due"),
        can_revoke=issuing and decision.kind == "decision" and not revoked and not revocation_pending,
        can_mark_recovered=issuing and revoked,
        state_outcome=outcome.view() if outcome else None,
        can_record_outcome=outcome is None and may_record(actor, decision),
    )


def _status_label(decision: Decision, outcome: StateDecision | None) -> str:
    if decision.kind != "proposal":
        return status_label(decision)
    return f"Đã có kết quả (Quyết định số {outcome.number_text})" if outcome else "Đã trình, chờ kết quả"


def may_read_register(actor: Actor, unit_code: str) -> bool:
    """A unit's register of outgoing documents is read by its own people, and by administrators and operations."""
    return actor.sees_everything() or any(g.unit_code == unit_code for g in actor.roles)


def register_line(decision: Decision, listing: Listing | None) -> OutgoingDocument:
    """A document as its register line shows it: number and symbol, date, kind, trích yếu, signer, addressee."""
    names = listing.award_names if listing else (decision.award_name,)
    periods = listing.periods if listing else ()
    return OutgoingDocument(
        id=decision.id,
        number=decision.number,
        number_text=decision.number_text,
        kind=decision.kind,
        kind_label=KIND_LABELS_VI[decision.kind],
        issued_at=decision.issued_at,
        subject=subject_line(decision.kind, names, periods),
        signed_by=(decision.document.signer_name if decision.document and decision.document.signer_name else decision.signed_by),
        addressee=(decision.document.addressee if decision.document else "") or plain_authority(decision.decided_by),
        listed=listing.listed if listing else 0,
        status=decision.status,
        status_label=status_label(decision),
    )


def entry_view(e: RegistryEntry, decision: Decision) -> DecisionEntryView:
    return DecisionEntryView(
        nomination_id=e.nomination_id,
        name=e.nominee_name,
        kind=e.nominee_kind,
        unit_code=e.unit_code,
        unit_name=e.unit_name,
        period=e.period,
        award_code=e.award_code or decision.award_code,
        award_name=e.award_name or decision.award_name,
        coefficient=e.coefficient,
        base_salary_vnd=e.base_salary_vnd,
        prize_amount_vnd=e.prize_amount_vnd,
        status=e.status,
        status_label=(
            STATE_GRANTED_VI
            if decision.kind == "proposal" and e.status == "granted"
            else ENTRY_LABELS_VI.get(e.status, e.status).format(decided_by=decision.decided_by)
        ),
        recovery=e.recovery,
        recovery_label=RECOVERY_LABELS_VI[Recovery(e.recovery)] if e.recovery else "",
        recovery_amount_vnd=e.recovery_amount_vnd,
        recovered_at=e.recovered_at,
        recovered_by=e.recovered_by,
        has_certificate=has_certificate(decision, e),
    )
