"""draft prizes: the amount a unit sets on a draft for a nominee whose award has no amount the catalogue knows

Revision ID: 0009_draft_prizes
Revises: 0008_one_register
Create Date: 2026-12-06 21:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_draft_prizes"
down_revision: str | Sequence[str] | None = "0008_one_register"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("prizes", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("prizes")
