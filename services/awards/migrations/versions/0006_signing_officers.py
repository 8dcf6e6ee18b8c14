"""signing officers: each unit's roster of who signs its decisions and tờ trình (người ký văn bản)

Revision ID: 0006_signing_officers
Revises: 0005_decisions_listing
Create Date: 2026-12-06 17:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_signing_officers"
down_revision: str | Sequence[str] | None = "0005_decisions_listing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signing_officers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("position", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
    )
    op.create_index("ix_signing_officers_unit_code", "signing_officers", ["unit_code"])


def downgrade() -> None:
    op.drop_index("ix_signing_officers_unit_code", table_name="signing_officers")
    op.drop_table("signing_officers")
