"""queue page at scale: the tasks with a superior alerted in a partial index (issue 20)

The queue page's counts stop at QUEUE_COUNT_CAP ("hơn 1.000") and read the indexes; the counts of tasks with a
superior alerted ("Quá hạn – đã báo cấp trên", "Quá hạn ở cấp dưới") need an index of only those tasks, so the
LIKE on `alerted_codes` runs over them rather than over every task.

Revision ID: 0010_queue_counts_capped
Revises: 0009_register_numbers_proposals
Create Date: 2026-12-06 23:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_queue_counts_capped"
down_revision: str | Sequence[str] | None = "0009_register_numbers_proposals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    alerted = sa.text("alerted_codes != ''")
    op.create_index(
        "ix_tasks_alerted",
        "tasks",
        ["queue_unit_code", "state", "alerted_codes"],
        sqlite_where=alerted,
        postgresql_where=alerted,
    )


def downgrade() -> None:
    op.drop_index("ix_tasks_alerted", table_name="tasks")
