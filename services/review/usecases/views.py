"""A task as queues and task pages show it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.review.domain.task import ACTIVE_STATES, STATE_LABELS_VI
from services.review.store.records import TaskRecord


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_summary(record: TaskRecord, now: datetime) -> dict[str, Any]:
    task = record.task
    return {
        "id": task.id,
        "nomination_id": task.nomination_id,
        "unit_code": task.unit.code,
        "unit_name": task.unit.name,
        "unit_level": task.unit.level,
        "state": task.state.value,
        "state_label": STATE_LABELS_VI[task.state],
        "round": task.round,
        "claimant_id": task.claimant_id,
        "claimant_name": task.claimant_name,
        "award_code": record.award_code,
        "award_name": record.award_name,
        "nominee_name": record.nominee_name,
        "nominee_kind": record.nominee_kind,
        "origin_unit_code": record.origin_unit_code,
        "origin_unit_name": record.origin_unit_name,
        "period": record.period,
        "opened_at": iso(record.opened_at),
        "due_at": iso(task.due_at),
        "claimed_at": iso(record.claimed_at),
        "decided_at": iso(record.decided_at),
        "decided_by_name": record.decided_by_name,
        "comment": record.comment,
        "queue_unit_code": task.holder.code,
        "queue_unit_name": task.holder.name,
        "escalations": task.escalations,
        "escalated_at": iso(record.escalated_at),
        "is_escalated": task.is_escalated,
        "overdue": task.state in ACTIVE_STATES and task.due_at is not None and task.due_at < now,
    }
