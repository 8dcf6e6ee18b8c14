"""standing councils: each unit's Hội đồng TĐKT, CĐCS Ban Chấp hành or joint council with the employer, with its
founding decision and its members (roles, terms); a council meeting names the standing council that met and which
of its members were present, so its counts come from the roster. Meetings recorded before keep their typed counts.

Self-contained: two new tables and two nullable columns of council_meetings.

Revision ID: 0012_standing_councils
Revises: 0011_queue_sorts
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.platform.db import UtcDateTime

revision: str = "0012_standing_councils"
down_revision: str | Sequence[str] | None = "0011_queue_sorts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standing_councils",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("decision_number", sa.String(120), nullable=False),
        sa.Column("decision_date", sa.Date, nullable=False),
        sa.Column("decision_signer", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_standing_councils_unit_code", "standing_councils", ["unit_code"])
    op.create_table(
        "standing_council_members",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("council_id", sa.String(36), sa.ForeignKey("standing_councils.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("term_from", sa.Date, nullable=True),
        sa.Column("term_to", sa.Date, nullable=True),
    )
    op.create_index("ix_standing_council_members_council_id", "standing_council_members", ["council_id"])
    with op.batch_alter_table("council_meetings") as batch:
        batch.add_column(sa.Column("council_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("present_member_ids", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("council_meetings") as batch:
        batch.drop_column("present_member_ids")
        batch.drop_column("council_id")
    op.drop_table("standing_council_members")
    op.drop_table("standing_councils")
