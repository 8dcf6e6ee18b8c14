"""the register of people: a person (name, date of birth, gender, last four digits of the identification number,
position), their units over time, and the person an individual nomination is for

Revision ID: 0007_people
Revises: 0006_nominations_keyset
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.platform.db import UtcDateTime

revision: str = "0007_people"
down_revision: str | Sequence[str] | None = "0006_nominations_keyset"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("name_search", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=True),
        sa.Column("gender", sa.String(10), nullable=True),
        sa.Column("id_last4", sa.String(4), nullable=True),
        sa.Column("position", sa.String(200), nullable=True),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_people_unit_name", "people", ["unit_code", "name_search"])
    op.create_table(
        "person_units",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("person_id", sa.String(36), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
    )
    op.create_index("ix_person_units_person_id", "person_units", ["person_id"])
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.add_column(sa.Column("person_id", sa.String(36), nullable=True))
        batch_op.create_index("ix_nominations_person_id", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("nominations") as batch_op:
        batch_op.drop_index("ix_nominations_person_id")
        batch_op.drop_column("person_id")
    op.drop_index("ix_person_units_person_id", table_name="person_units")
    op.drop_table("person_units")
    op.drop_index("ix_people_unit_name", table_name="people")
    op.drop_table("people")
