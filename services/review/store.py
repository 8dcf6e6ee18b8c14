"""Review's own tables: tasks (the per-unit queues) and its replica of the nominations it reviews."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import UtcDateTime, messaging_tables

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("nomination_id", sa.String(36), nullable=False, index=True),
    sa.Column("unit_code", sa.String(64), nullable=False),
    sa.Column("unit", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("claimant_id", sa.String(64), nullable=True),
    sa.Column("claimant_name", sa.String(200), nullable=True),
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("nominee_name", sa.String(200), nullable=False),
    sa.Column("nominee_search", sa.String(300), nullable=False),
    sa.Column("nominee_kind", sa.String(20), nullable=False),
    sa.Column("origin_unit_code", sa.String(64), nullable=False),
    sa.Column("origin_unit_name", sa.String(300), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=True),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_by_name", sa.String(200), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Index("ix_tasks_queue_state", "unit_code", "state", "due_at"),
)
# The queue's order (oldest due first, undated last), so a page of 50 is read straight off the index
# even with 100,000 tasks in a unit (bench/queue_page.py).
sa.Index("ix_tasks_queue_order", tasks.c.unit_code, tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.opened_at, tasks.c.id)

nominations = sa.Table(
    "nominations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("snapshot", sa.JSON, nullable=True),  # NULL for a withdrawal seen before its submission
    sa.Column("status", sa.String(20), nullable=False),  # in_review | returned | withdrawn | closed
    sa.Column("returned_at_unit", sa.String(64), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)
