"""emulation: campaigns with windows and quotas, pledges, clusters and their votes; nominations' campaign and topic

Revision ID: 0003_emulation
Revises: 0002 (0002_dated_unit_tree)
Create Date: 2026-11-25 22:20:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0003_emulation"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("nominations") as batch:
        batch.add_column(sa.Column("campaign_code", sa.String(64), nullable=True))
        batch.add_column(sa.Column("topic", sa.String(64), nullable=True))
    op.create_index("ix_nominations_campaign", "nominations", ["campaign_code", "award_code"])
    op.create_table(
        "campaigns",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("plan_ref", sa.String(100), nullable=False),
        sa.Column("launching_unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("topic", sa.String(200), nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "campaign_targets",
        sa.Column("campaign_code", sa.String(64), sa.ForeignKey("campaigns.code"), primary_key=True),
        sa.Column("award_code", sa.String(64), primary_key=True),
        sa.Column("quota", sa.Integer, nullable=False),
        sa.Column("per_unit_quota", sa.Integer, nullable=True),
        sa.Column("proposing_level", sa.String(20), nullable=True),
        sa.Column("claims", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "pledges",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("path_codes", sa.String(400), nullable=False),
        sa.Column("superior_code", sa.String(64), nullable=False),
        sa.Column("superior_name", sa.String(300), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("targets", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        sa.Column("registered_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", shared.platform.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.UniqueConstraint("unit_code", "year", name="uq_pledges_unit_year"),
    )
    op.create_table(
        "clusters",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("parent_unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "cluster_members",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("cluster_code", sa.String(64), sa.ForeignKey("clusters.code"), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
    )
    op.create_index("ix_cluster_members_cluster_code", "cluster_members", ["cluster_code"])
    op.create_index("ix_cluster_members_unit_code", "cluster_members", ["unit_code"])
    op.create_table(
        "cluster_votes",
        sa.Column("cluster_code", sa.String(64), sa.ForeignKey("clusters.code"), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("leaders", sa.JSON, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cluster_votes")
    op.drop_index("ix_cluster_members_unit_code", table_name="cluster_members")
    op.drop_index("ix_cluster_members_cluster_code", table_name="cluster_members")
    op.drop_table("cluster_members")
    op.drop_table("clusters")
    op.drop_table("pledges")
    op.drop_table("campaign_targets")
    op.drop_table("campaigns")
    op.drop_index("ix_nominations_campaign", table_name="nominations")
    with op.batch_alter_table("nominations") as batch:
        batch.drop_column("topic")
        batch.drop_column("campaign_code")
