"""decision documents: batches, proposals (tờ trình) with their own number series, revocation and prize recovery

Revision ID: 0002_decision_documents
Revises: 0001
Create Date: 2026-11-25 22:10:00

The brief named the parent "0001_initial_schema"; the initial migration's revision id in this repository is "0001".
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0002_decision_documents"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proposal_counters",
        sa.Column("issuer_code", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("last_number", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("issuer_code", "year"),
    )
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("path_codes", type_=sa.Text, existing_type=sa.String(400), existing_nullable=False)
        batch.add_column(sa.Column("kind", sa.String(20), nullable=False, server_default="decision"))
        batch.add_column(sa.Column("batch_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("document", sa.JSON, nullable=True))
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="issued"))
        batch.add_column(sa.Column("revoked_reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("revoked_by_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("revoked_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True))
        batch.drop_constraint("uq_decision_number", type_="unique")
        batch.create_unique_constraint("uq_document_number", ["kind", "issuer_code", "year", "number"])
    with op.batch_alter_table("registry") as batch:
        batch.add_column(sa.Column("award_code", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("award_name", sa.String(300), nullable=False, server_default=""))
        batch.add_column(sa.Column("catalog_version", sa.String(40), nullable=False, server_default=""))
        batch.add_column(sa.Column("position", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="granted"))
        batch.add_column(sa.Column("recovery", sa.String(20), nullable=True))
        batch.add_column(sa.Column("recovery_amount_vnd", sa.Integer, nullable=True))
        batch.add_column(sa.Column("recovered_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("recovered_by", sa.String(200), nullable=True))
    # Entries of earlier (one-nomination) decisions take their decision's award.
    decisions = sa.table(
        "decisions", sa.column("id"), sa.column("award_code"), sa.column("award_name"), sa.column("catalog_version")
    )
    registry = sa.table(
        "registry", sa.column("decision_id"), sa.column("award_code"), sa.column("award_name"), sa.column("catalog_version")
    )
    for column in ("award_code", "award_name", "catalog_version"):
        op.execute(
            registry.update().values(
                {column: sa.select(decisions.c[column]).where(decisions.c.id == registry.c.decision_id).scalar_subquery()}
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("registry") as batch:
        for column in (
            "recovered_by",
            "recovered_at",
            "recovery_amount_vnd",
            "recovery",
            "status",
            "position",
            "catalog_version",
            "award_name",
            "award_code",
        ):
            batch.drop_column(column)
    op.execute("DELETE FROM registry WHERE decision_id IN (SELECT id FROM decisions WHERE kind <> 'decision')")
    op.execute("DELETE FROM decisions WHERE kind <> 'decision'")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint("uq_document_number", type_="unique")
        batch.create_unique_constraint("uq_decision_number", ["issuer_code", "year", "number"])
        for column in (
            "revoked_at",
            "revoked_by_id",
            "revoked_by",
            "revoked_reason",
            "status",
            "document",
            "decided_by",
            "kind",
            "batch_id",
        ):
            batch.drop_column(column)
        batch.alter_column("path_codes", type_=sa.String(400), existing_type=sa.Text, existing_nullable=False)
    op.drop_table("proposal_counters")
