"""report periods: each report row keeps its entry's kỳ xét (a year "2025", a school year "2024-2025", a term
"2023-2028"), so a report filters and groups by period in the same one pass over the unit's range. Existing rows
take the period of their registry entry.

Revision ID: 0013_report_periods
Revises: 0012_revocation_decisions
Create Date: 2026-12-07 01:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_report_periods"
down_revision: str | Sequence[str] | None = "0012_revocation_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registry_scopes") as batch:
        batch.add_column(sa.Column("period", sa.String(20), nullable=True))
    op.execute(
        "UPDATE registry_scopes SET period = (SELECT registry.period FROM registry WHERE registry.id = registry_scopes.entry_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("registry_scopes") as batch:
        batch.drop_column("period")
