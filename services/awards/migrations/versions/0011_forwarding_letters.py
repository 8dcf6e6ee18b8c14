"""forwarding letters: the tờ trình a unit sends up with a batch of dossiers is a draft of awards, signed and numbered
from the unit's one register (review no longer numbers it)

Revision ID: 0011_forwarding_letters
Revises: 0010_state_outcomes
Create Date: 2026-12-06 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_forwarding_letters"
down_revision: str | Sequence[str] | None = "0010_state_outcomes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("letter", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("letter")
