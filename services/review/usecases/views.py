"""Records as replies show them: a task in a queue, its moves, a tờ trình."""

from __future__ import annotations

from datetime import datetime

from services.review.domain.proposal import Proposal
from services.review.domain.task import ACTIVE_STATES, STATE_LABELS_VI
from services.review.store.records import TaskMove, TaskRecord
from shared.contracts.operations.review import (
    ProposalHeading,
    ProposalItem,
    ProposalLink,
    ProposalSummary,
    TaskMoveView,
    TaskSummary,
)


def task_summary(record: TaskRecord, now: datetime) -> TaskSummary:
    task = record.task
    return TaskSummary(
        id=task.id,
        nomination_id=task.nomination_id,
        unit_code=task.unit.code,
        unit_name=task.unit.name,
        unit_level=task.unit.level,
        state=task.state.value,
        state_label=STATE_LABELS_VI[task.state],
        round=task.round,
        claimant_id=task.claimant_id,
        claimant_name=task.claimant_name,
        award_code=record.award_code,
        award_name=record.award_name,
        nominee_name=record.nominee_name,
        nominee_kind=record.nominee_kind,
        origin_unit_code=record.origin_unit_code,
        origin_unit_name=record.origin_unit_name,
        period=record.period,
        opened_at=record.opened_at,
        due_at=task.due_at,
        claimed_at=record.claimed_at,
        decided_at=record.decided_at,
        decided_by_name=record.decided_by_name,
        comment=record.comment,
        queue_unit_code=task.holder.code,
        queue_unit_name=task.holder.name,
        escalations=task.escalations,
        escalated_at=record.escalated_at,
        is_escalated=task.is_escalated,
        alerted_to=task.alerted_top.short_name if task.alerted_top else None,
        overdue=task.state in ACTIVE_STATES and task.due_at is not None and task.due_at < now,
    )


def move_view(move: TaskMove) -> TaskMoveView:
    return TaskMoveView(
        kind=move.kind,
        at=move.at,
        from_unit=move.from_unit,
        to_unit=move.to_unit,
        reason=move.reason,
        was_due_at=move.was_due_at,
        new_due_at=move.new_due_at,
        actor_name=move.actor_name,
        comment=move.comment,
    )


def _issued_on_vn(proposal: Proposal) -> str:
    return f"{proposal.issued_on:%d/%m/%Y}" if proposal.issued_on else ""


def proposal_link(proposal: Proposal) -> ProposalLink:
    return ProposalLink(
        id=proposal.id,
        title=proposal.title,
        number_text=proposal.number_text,
        issued_on=proposal.issued_on,
        issued_on_vn=_issued_on_vn(proposal),
        unit_name=proposal.unit.name,
        to_unit_name=proposal.to_unit.name,
        signer_name=proposal.signer_name,
        status_label=proposal.status_label,
        document_id=proposal.document_id,
    )


def proposal_heading(proposal: Proposal) -> ProposalHeading:
    return ProposalHeading(
        id=proposal.id,
        title=proposal.title,
        number=proposal.number,
        number_text=proposal.number_text,
        year=proposal.year,
        issued_on=proposal.issued_on,
        issued_on_vn=_issued_on_vn(proposal),
        unit_code=proposal.unit.code,
        unit_name=proposal.unit.name,
        to_unit_code=proposal.to_unit.code,
        to_unit_name=proposal.to_unit.name,
        signer_name=proposal.signer_name,
        status_label=proposal.status_label,
        document_id=proposal.document_id,
        item_count=len(proposal.items),
        created_at=proposal.created_at,
    )


def proposal_summary(proposal: Proposal) -> ProposalSummary:
    """The letter in full: its heading (as lists show it) with the comment and every item."""
    heading = proposal_heading(proposal).model_dump(exclude={"item_count"})
    return ProposalSummary(
        **heading,
        comment=proposal.comment,
        items=[ProposalItem.model_validate(item.model_dump()) for item in proposal.items],
    )
