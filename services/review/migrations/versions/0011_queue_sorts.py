"""queue sorts and "Việc của tôi": an index for each order a queue can be read in, and one for a claimant's tasks

The console's column headers and the API's `sort` read a unit's queue by when a task was received, the nominee's
name, the award's name or the state (forwards or backwards); each order has its index (queue_unit_code, column, id),
so a page is read off it in order and stops when it is full, as the queue's own order does (ix_tasks_queue_order).
"Việc của tôi" (`mine`) reads the few tasks one approver holds through ix_tasks_claimant, partial (only tasks with a
claimant) and led by the claimant: a full index (queue_unit_code, claimant_id, …) made SQLite's planner leave the queue
order's index for "Quá hạn" (tests/integration/test_queue_at_scale.py).

Revision ID: 0011_queue_sorts
Revises: 0010_queue_counts_capped
Create Date: 2026-12-07 01:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_queue_sorts"
down_revision: str | Sequence[str] | None = "0010_queue_counts_capped"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_tasks_sort_received": ["queue_unit_code", "opened_at", "id"],
    "ix_tasks_sort_nominee": ["queue_unit_code", "nominee_search", "id"],
    "ix_tasks_sort_award": ["queue_unit_code", "award_name", "id"],
    "ix_tasks_sort_state": ["queue_unit_code", "state", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "tasks", columns)
    claimed = sa.text("claimant_id IS NOT NULL")
    op.create_index(
        "ix_tasks_claimant", "tasks", ["claimant_id", "queue_unit_code"], sqlite_where=claimed, postgresql_where=claimed
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_claimant", table_name="tasks")
    for name in INDEXES:
        op.drop_index(name, table_name="tasks")

