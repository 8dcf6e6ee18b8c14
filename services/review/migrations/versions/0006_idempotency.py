"""idempotency keys: a state-changing request sent again with the same key gets the first outcome

Revision ID: 0006_idempotency
Revises: 0005_council_meetings
Create Date: 2026-12-06 13:30:00

"""

from collections.abc import Sequence

from alembic import op

from shared.platform import idempotency

revision: str = "0006_idempotency"
down_revision: str | Sequence[str] | None = "0005_council_meetings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(idempotency.TABLE, *idempotency.columns())


def downgrade() -> None:
    op.drop_table(idempotency.TABLE)
