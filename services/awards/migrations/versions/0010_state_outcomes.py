"""state outcomes: the deciding authority's answer to a tờ trình, recorded by the unit that sent it

Revision ID: 0010_state_outcomes
Revises: 0009_draft_prizes
Create Date: 2026-12-06 22:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.platform.db import UtcDateTime

revision: str = "0010_state_outcomes"
down_revision: str | Sequence[str] | None = "0009_draft_prizes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "state_outcomes",
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("authority", sa.String(300), nullable=False),
        sa.Column("number_text", sa.String(100), nullable=False),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("granted", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_by_id", sa.String(64), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("state_outcomes")
