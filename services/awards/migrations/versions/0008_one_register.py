"""one register of outgoing documents per issuer per year: decisions and tờ trình share one gapless sequence

Revision ID: 0008_one_register
Revises: 0007_drafts
Create Date: 2026-12-06 20:00:00

The register goes on from the highest number either series had reached that year, so that no number given before
is given again (the two series may already share a number: those documents stay as they were issued).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_one_register"
down_revision: str | Sequence[str] | None = "0007_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    register = op.create_table(
        "register_counters",
        sa.Column("issuer_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    both = sa.union_all(
        sa.text("SELECT issuer_code, year, last_number FROM decision_counters").columns(
            sa.column("issuer_code"), sa.column("year"), sa.column("last_number")
        ),
        sa.text("SELECT issuer_code, year, last_number FROM proposal_counters").columns(
            sa.column("issuer_code"), sa.column("year"), sa.column("last_number")
        ),
    ).subquery()
    highest = sa.select(both.c.issuer_code, both.c.year, sa.func.max(both.c.last_number)).group_by(
        both.c.issuer_code, both.c.year
    )
    op.execute(register.insert().from_select(["issuer_code", "year", "last_number"], highest))


def downgrade() -> None:
    op.drop_table("register_counters")
