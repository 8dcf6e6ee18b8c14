"""dated unit tree: units' validity, parent history, applied reorganisations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 21:00:00

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
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date, nullable=True))
        batch.add_column(sa.Column("valid_to", sa.Date, nullable=True))
        batch.add_column(sa.Column("reorganised_by", sa.String(100), nullable=True))
    op.create_table(
        "unit_parents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("parent_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
    )
    op.create_index("ix_unit_parents_unit_code", "unit_parents", ["unit_code"])
    # Every parent so far held since the unit began.
    op.execute(
        "INSERT INTO unit_parents (unit_code, parent_code, valid_from, valid_to) "
        "SELECT code, parent_code, NULL, NULL FROM units WHERE parent_code IS NOT NULL"
    )
    op.create_table(
        "reorganisations",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("effective_on", sa.Date, nullable=False),
        sa.Column("applied_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(64), nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reorganisations")
    op.drop_index("ix_unit_parents_unit_code", table_name="unit_parents")
    op.drop_table("unit_parents")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("reorganised_by")
        batch.drop_column("valid_to")
        batch.drop_column("valid_from")
