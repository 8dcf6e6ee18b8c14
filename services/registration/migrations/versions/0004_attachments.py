"""attachments: the dossier's files (metadata; the bytes are in the JetStream Object Store)

Revision ID: 0004_attachments
Revises: 0003_emulation
Create Date: 2026-11-25 22:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0004_attachments"
down_revision: str | Sequence[str] | None = "0003_emulation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("nomination_id", sa.String(36), sa.ForeignKey("nominations.id"), nullable=False),
        sa.Column("document_type", sa.String(64), nullable=False),
        sa.Column("document_name", sa.String(300), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(64), nullable=False),
        sa.Column("object_name", sa.String(100), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", shared.platform.db.UtcDateTime(), nullable=False),
        sa.Column("removed_at", shared.platform.db.UtcDateTime(), nullable=True),
        sa.Column("removed_by", sa.String(64), nullable=True),
    )
    op.create_index("ix_attachments_nomination_id", "attachments", ["nomination_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_nomination_id", table_name="attachments")
    op.drop_table("attachments")
