"""queue indexes: counts per state and the queue order served from indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 23:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_queue")
    op.create_index("ix_tasks_queue_state", "tasks", ["unit_code", "state", "due_at"])
    op.create_index("ix_tasks_queue_order", "tasks", ["unit_code", sa.text("(due_at IS NULL)"), "due_at", "opened_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_tasks_queue_order", table_name="tasks")
    op.drop_index("ix_tasks_queue_state", table_name="tasks")
    op.create_index("ix_tasks_queue", "tasks", ["unit_code", "state", "opened_at"])
