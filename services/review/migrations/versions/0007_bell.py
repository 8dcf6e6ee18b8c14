"""the bell for every kind of work: one note per event and recipient, batched counts, the submitter of each
nomination, and each person's delivery preference per kind

Revision ID: 0007_bell
Revises: 0006_idempotency
Create Date: 2026-12-06 17:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0007_bell"
down_revision: str | Sequence[str] | None = "0006_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("event_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("count", sa.Integer, nullable=False, server_default="1"))
        batch.create_unique_constraint("uq_notifications_event_user", ["event_id", "user_id", "nomination_id"])
    with op.batch_alter_table("nominations") as batch:
        batch.add_column(sa.Column("submitted_by", sa.String(64), nullable=True))
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("delivery", sa.String(20), nullable=False),
        sa.Column("digest_hour", sa.Integer, nullable=True),
        sa.Column("updated_at", shared.platform.db.UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notification_preferences")
    with op.batch_alter_table("nominations") as batch:
        batch.drop_column("submitted_by")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint("uq_notifications_event_user", type_="unique")
        batch.drop_column("count")
        batch.drop_column("event_id")
