"""refused addresses: an address a mail server refused for good is not tried again until the person's address changes

Revision ID: 0003_refused_addresses
Revises: 0002_queue_mail_batches
Create Date: 2026-12-06 22:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.platform.db import UtcDateTime

revision: str = "0003_refused_addresses"
down_revision: str | Sequence[str] | None = "0002_queue_mail_batches"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("refused_address", sa.String(254), nullable=True))
        batch.add_column(sa.Column("refused_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("refused_reason", sa.String(500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("refused_reason")
        batch.drop_column("refused_at")
        batch.drop_column("refused_address")
