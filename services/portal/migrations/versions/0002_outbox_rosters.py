"""outbox and announced approver rosters (the portal tells review who approves for each unit)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 09:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["published_at", "id"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("processed_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "announced_rosters",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("approvers", sa.JSON, nullable=False),
        sa.Column("announced_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("announced_rosters")
    op.drop_table("inbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.drop_table("outbox")
