"""the register listed by issuer, newest year, kind, highest number first: one index serves the order and its keyset
pages

Revision ID: 0005_decisions_listing
Revises: 0004_idempotency
Create Date: 2026-12-06 16:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_decisions_listing"
down_revision: str | Sequence[str] | None = "0004_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_decisions_listing", "decisions", ["issuer_code", sa.text("year DESC"), "kind", sa.text("number DESC")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_decisions_listing", table_name="decisions")
