"""revocation decisions: revoking a decision drafts a "Quyết định về việc thu hồi Quyết định số …" that the issuer's
signing officer signs (numbered QĐ from the register); only then is the decision revoked. The decision links to its
revocation (`revoked_in`) and the revocation to the decision (`revokes`); the signed file is never altered.

Revision ID: 0012_revocation_decisions
Revises: 0011_forwarding_letters
Create Date: 2026-12-06 23:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_revocation_decisions"
down_revision: str | Sequence[str] | None = "0011_forwarding_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("revocation", sa.JSON, nullable=True))
        batch.add_column(sa.Column("target_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("document_id", sa.String(36), nullable=True))
        batch.create_index("ix_drafts_target_id", ["target_id"])
        batch.create_index("ix_drafts_document_id", ["document_id"])
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("revoked_in", sa.String(36), nullable=True))
        batch.add_column(sa.Column("revokes", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("revokes")
        batch.drop_column("revoked_in")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_index("ix_drafts_document_id")
        batch.drop_index("ix_drafts_target_id")
        batch.drop_column("document_id")
        batch.drop_column("target_id")
        batch.drop_column("revocation")
