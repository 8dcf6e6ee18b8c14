"""council meetings and votes at review levels; tờ trình (proposals) with gapless numbers per unit per year

Revision ID: 0005_council_meetings
Revises: 0004
Create Date: 2026-11-25 22:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0005_council_meetings"
down_revision: str | Sequence[str] | None = "0004"  # 0004_reorganisations.py
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "council_meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("unit", sa.JSON, nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("present", sa.Integer, nullable=False),
        sa.Column("secret_ballot", sa.Boolean, nullable=False),
        sa.Column("chair", sa.String(200), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_by_name", sa.String(200), nullable=False),
        sa.Column("recorded_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_council_meetings_unit_code", "council_meetings", ["unit_code"])
    op.create_table(
        "council_votes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.String(36), nullable=False),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("nomination_id", sa.String(36), nullable=False),
        sa.Column("votes_for", sa.Integer, nullable=False),
        sa.Column("votes_against", sa.Integer, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("checks", sa.JSON, nullable=False),
        sa.Column("recorded_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_council_votes_meeting_id", "council_votes", ["meeting_id"])
    op.create_index("ix_council_votes_nomination_id", "council_votes", ["nomination_id"])
    op.create_index("ix_council_votes_task", "council_votes", ["task_id", "id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("unit", sa.JSON, nullable=False),
        sa.Column("to_unit_code", sa.String(64), nullable=False),
        sa.Column("to_unit", sa.JSON, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("number_text", sa.String(80), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("signer_id", sa.String(64), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("created_at", shared.platform.db.UtcDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("unit_code", "year", "number", name="uq_proposals_unit_year_number"),
    )
    op.create_index("ix_proposals_to_unit_code", "proposals", ["to_unit_code"])
    op.create_table(
        "proposal_tasks",
        sa.Column("proposal_id", sa.String(36), primary_key=True),
        sa.Column("task_id", sa.String(36), primary_key=True),
        sa.Column("nomination_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_index("ix_proposal_tasks_nomination_id", "proposal_tasks", ["nomination_id"])
    op.create_table(
        "proposal_counters",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("proposal_counters")
    op.drop_index("ix_proposal_tasks_nomination_id", table_name="proposal_tasks")
    op.drop_table("proposal_tasks")
    op.drop_index("ix_proposals_to_unit_code", table_name="proposals")
    op.drop_table("proposals")
    op.drop_index("ix_council_votes_task", table_name="council_votes")
    op.drop_index("ix_council_votes_nomination_id", table_name="council_votes")
    op.drop_index("ix_council_votes_meeting_id", table_name="council_votes")
    op.drop_table("council_votes")
    op.drop_index("ix_council_meetings_unit_code", table_name="council_meetings")
    op.drop_table("council_meetings")
