"""forwarding tờ trình numbered by the unit's one register (awards): review's own series ends

A tờ trình gets its number, date and signer when the unit's signing officer signs it in awards (ProposalSigned):
number, number_text, issued_on and signer_name become nullable and `document_id` names the signed letter. Letters
review numbered before keep their numbers (still readable as they were issued); `proposal_counters` is dropped (the
highest of those numbers per unit and year is read from the letters themselves when the unit forwards next).

Revision ID: 0009_register_numbers_proposals
Revises: 0008_escalation_by_authority
Create Date: 2026-12-06 22:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_register_numbers_proposals"
down_revision: str | Sequence[str] | None = "0008_escalation_by_authority"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.alter_column("number", existing_type=sa.Integer, nullable=True)
        batch.alter_column("number_text", existing_type=sa.String(80), nullable=True)
        batch.alter_column("issued_on", existing_type=sa.Date, nullable=True)
        batch.alter_column("signer_name", existing_type=sa.String(200), nullable=True)
        batch.add_column(sa.Column("document_id", sa.String(36), nullable=True))
    op.drop_table("proposal_counters")


def downgrade() -> None:
    counters = op.create_table(
        "proposal_counters",
        sa.Column("unit_code", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("last_number", sa.Integer, nullable=False),
    )
    p = sa.table("proposals", sa.column("id"), sa.column("unit_code"), sa.column("year"), sa.column("number"))
    highest = sa.select(p.c.unit_code, p.c.year, sa.func.max(p.c.number)).where(p.c.number.is_not(None))
    op.execute(counters.insert().from_select(["unit_code", "year", "last_number"], highest.group_by(p.c.unit_code, p.c.year)))
    # The older schema numbers every letter: those still waiting for their signer cannot be kept (nor their task links).
    unsigned = sa.select(p.c.id).where(p.c.number.is_(None))
    links = sa.table("proposal_tasks", sa.column("proposal_id"))
    op.execute(sa.delete(links).where(links.c.proposal_id.in_(unsigned)))
    op.execute(sa.delete(p).where(p.c.number.is_(None)))
    with op.batch_alter_table("proposals") as batch:
        batch.drop_column("document_id")
        batch.alter_column("signer_name", existing_type=sa.String(200), nullable=False)
        batch.alter_column("issued_on", existing_type=sa.Date, nullable=False)
        batch.alter_column("number_text", existing_type=sa.String(80), nullable=False)
        batch.alter_column("number", existing_type=sa.Integer, nullable=False)
