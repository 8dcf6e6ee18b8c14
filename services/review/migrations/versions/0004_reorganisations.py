"""reorganisations of the unit tree that review has followed

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 21:00:00

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
    op.create_table(
        "reorganisations",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("processed_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reorganisations")
