"""nominations listed newest first by (created_at, id): one index serves the order and the keyset pages

Revision ID: 0006_nominations_keyset
Revises: 0005_idempotency
Create Date: 2026-12-06 16:00:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_nominations_keyset"
down_revision: str | Sequence[str] | None = "0005_idempotency"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.create_index("ix_nominations_created_id", ["created_at", "id"], unique=False)
        batch_op.drop_index("ix_nominations_created")


def downgrade() -> None:
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.create_index("ix_nominations_created", ["created_at"], unique=False)
        batch_op.drop_index("ix_nominations_created_id")
