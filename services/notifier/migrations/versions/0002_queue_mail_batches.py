"""queue mail batches: a batched "new in queue" note mails at most once per interval, with the newest count

Revision ID: 0002_queue_mail_batches
Revises: 0001
Create Date: 2026-12-06 22:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_queue_mail_batches"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mails") as batch:
        batch.add_column(sa.Column("batch_key", sa.String(200), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer, nullable=True))
        batch.create_index("ix_mails_batch_key", ["batch_key"])


def downgrade() -> None:
    with op.batch_alter_table("mails") as batch:
        batch.drop_index("ix_mails_batch_key")
        batch.drop_column("revision")
        batch.drop_column("batch_key")
