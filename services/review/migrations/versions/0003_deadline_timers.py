"""deadline timers, escalation and reminders: the queue a task sits in, timers, moves, notifications, rosters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("queue_unit_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("queue_unit", sa.JSON, nullable=True))
        batch.add_column(sa.Column("escalations", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("generation", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("escalated_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True))
    op.execute("UPDATE tasks SET queue_unit_code = unit_code, queue_unit = unit")
    op.drop_index("ix_tasks_queue_order", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column("queue_unit_code", existing_type=sa.String(64), nullable=False)
        batch.alter_column("queue_unit", existing_type=sa.JSON, nullable=False)
    op.create_index("ix_tasks_holder_state", "tasks", ["queue_unit_code", "state", "due_at"])
    op.create_index(
        "ix_tasks_queue_order", "tasks", ["queue_unit_code", sa.text("(due_at IS NULL)"), "due_at", "opened_at", "id"]
    )

    op.create_table(
        "timers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("generation", sa.Integer, nullable=False),
        sa.Column("fire_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("fired_by", sa.String(120), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.UniqueConstraint("task_id", "kind", "generation", name="uq_timers_task_kind_generation"),
    )
    op.create_index("ix_timers_task_id", "timers", ["task_id"])
    op.create_index(
        "ix_timers_pending",
        "timers",
        ["fire_at"],
        sqlite_where=sa.text("fired_at IS NULL"),
        postgresql_where=sa.text("fired_at IS NULL"),
    )
    op.create_table(
        "task_moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("from_unit", sa.JSON, nullable=False),
        sa.Column("to_unit", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(20), nullable=True),
        sa.Column("was_due_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("new_due_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
    )
    op.create_index("ix_task_moves_task_id", "task_moves", ["task_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("nomination_id", sa.String(36), nullable=False),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("due_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("read_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_notifications_user", "notifications", ["user_id", "read_at", "created_at"])
    op.create_table(
        "unit_rosters",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("approvers", sa.JSON, nullable=False),
        sa.Column("changed_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    # Tasks already open get their timers from the running service (it schedules any active task without one).


def downgrade() -> None:
    op.drop_table("unit_rosters")
    op.drop_index("ix_notifications_user", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_task_moves_task_id", table_name="task_moves")
    op.drop_table("task_moves")
    op.drop_index("ix_timers_pending", table_name="timers")
    op.drop_index("ix_timers_task_id", table_name="timers")
    op.drop_table("timers")
    op.drop_index("ix_tasks_queue_order", table_name="tasks")
    op.drop_index("ix_tasks_holder_state", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("escalated_at")
        batch.drop_column("generation")
        batch.drop_column("escalations")
        batch.drop_column("queue_unit")
        batch.drop_column("queue_unit_code")
    op.create_index("ix_tasks_queue_order", "tasks", ["unit_code", sa.text("(due_at IS NULL)"), "due_at", "opened_at", "id"])
