"""Registration's records as the replies the portal reads (`shared.contracts.operations.registration`)."""

from __future__ import annotations

from typing import Any

from services.registration.domain.nomination import STATUS_LABELS_VI, STEP_LABELS_VI
from services.registration.store.records import AttachmentRow, NominationRow, TimelineRow
from shared.contracts.events import AttachmentRef
from shared.contracts.operations.registration import (
    AttachmentView,
    DocumentName,
    NominationSummary,
    NominationView,
    NomineeHeading,
    TimelineEntry,
)
from shared.rules import attachments as att
from shared.rules.rulebook import Rulebook


def _facts(row: NominationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status.value,
        "status_label": STATUS_LABELS_VI[row.status],
        "unit_code": row.unit_code,
        "unit_name": row.unit_path[0].name,
        "award_code": row.award_code,
        "award_name": row.award_name,
        "awarding_level": row.awarding_level,
        "catalog_version": row.catalog_version,
        "period": row.period,
        "council_vote": row.council_vote,
        "round": row.round,
        "current_unit_code": row.current_unit_code,
        "current_unit_name": row.current_unit_name,
        "campaign_code": row.campaign_code,
        "topic": row.topic,
        "submitted_by": row.submitted_by,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def nomination_summary(row: NominationRow) -> NominationSummary:
    """A nomination as lists show it."""
    nominee = NomineeHeading(kind=row.nominee.kind, name=row.nominee.name, position=row.nominee.position)
    return NominationSummary(**_facts(row), nominee=nominee, decision=NominationSummary.heading(row.decision))


def nomination_view(
    row: NominationRow, steps: list[TimelineRow], attachments: list[AttachmentRow], rules: Rulebook
) -> NominationView:
    """A nomination with its declared facts, files, the documents it still lacks and its timeline."""
    return NominationView(
        **_facts(row),
        unit_path=list(row.unit_path),
        nominee=row.nominee,
        last_reason=row.last_reason,
        decision=row.decision,
        eligibility=list(row.eligibility),
        achievements=row.achievements,
        attachments=[attachment_view(a) for a in attachments],
        missing_documents=missing_documents(row, [a.document_type for a in attachments], rules),
        timeline=[
            TimelineEntry(
                at=s.at,
                step=s.step.value,
                label=STEP_LABELS_VI.get(s.step, s.step.value),
                actor_id=s.actor_id,
                actor_name=s.actor_name,
                unit_code=s.unit_code,
                unit_name=s.unit_name,
                comment=s.comment,
            )
            for s in steps
        ],
    )


def attachment_ref(a: AttachmentRow) -> AttachmentRef:
    return AttachmentRef(
        id=a.id,
        document_type=a.document_type,
        document_name=a.document_name,
        filename=a.filename,
        media_type=a.media_type,
        size=a.size,
        sha256=a.sha256,
        uploaded_at=a.uploaded_at,
    )


def attachment_view(a: AttachmentRow) -> AttachmentView:
    return AttachmentView(
        **dict(attachment_ref(a)),
        size_text=att.format_size(a.size),
        round=a.round,
        uploaded_by=a.uploaded_by,
    )


def missing_documents(row: NominationRow, present: list[str], rules: Rulebook) -> list[DocumentName]:
    """The award's required documents the dossier does not carry, as the catalogue version that judged it names them."""
    try:
        catalog = rules.catalog_version(row.catalog_version)
    except LookupError:
        return []
    award = catalog.get(row.award_code)
    if award is None:
        return []
    return [DocumentName(code=d, name=catalog.document_name(d)) for d in att.missing_documents(award, present)]
