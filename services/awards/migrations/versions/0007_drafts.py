"""drafts: a final approval's documents wait for a signing officer, who numbers, dates and signs them (signed_files)

Revision ID: 0007_drafts
Revises: 0006_signing_officers
Create Date: 2026-12-06 19:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.platform.db import UtcDateTime

revision: str = "0007_drafts"
down_revision: str | Sequence[str] | None = "0006_signing_officers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("issuer_code", sa.String(64), nullable=False),
        sa.Column("issuer", sa.JSON, nullable=False),
        sa.Column("decided_by", sa.String(300), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("nominations", sa.JSON, nullable=False),
        sa.Column("award_code", sa.String(64), nullable=False),
        sa.Column("award_name", sa.String(300), nullable=False),
        sa.Column("path_codes", sa.Text, nullable=False),
        sa.Column("approved_at", UtcDateTime(), nullable=False),
        sa.Column("approved_by", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="awaiting_signature"),
        sa.Column("signed_at", UtcDateTime(), nullable=True),
        sa.Column("signed_by", sa.String(200), nullable=True),
        sa.Column("signed_as", sa.JSON, nullable=True),
    )
    op.create_index("ix_drafts_waiting", "drafts", ["issuer_code", "status", "approved_at", "id"])
    op.create_table(
        "draft_items",
        sa.Column("nomination_id", sa.String(36), primary_key=True),
        sa.Column("draft_id", sa.String(36), sa.ForeignKey("drafts.id"), nullable=False),
    )
    op.create_index("ix_draft_items_draft_id", "draft_items", ["draft_id"])
    op.create_table(
        "signed_files",
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pades_level", sa.String(8), nullable=False),
        sa.Column("signed_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signed_files")
    op.drop_index("ix_draft_items_draft_id", table_name="draft_items")
    op.drop_table("draft_items")
    op.drop_index("ix_drafts_waiting", table_name="drafts")
    op.drop_table("drafts")
