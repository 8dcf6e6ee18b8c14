"""users' email addresses, and the last contact the portal announced per user (UserContactChanged to the notifier)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
    op.create_table(
        "announced_contacts",
        sa.Column("user_id", sa.String(36), primary_key=True),
        sa.Column("contact", sa.JSON, nullable=False),
        sa.Column("announced_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("announced_contacts")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
