"""reports: what the registry counts by, the grassroots register, and the per-unit scope index

Revision ID: 0003_reports
Revises: 0002_decision_documents

Registry entries get the columns reports group by (award, level, category, nominee kind, sector, decision date,
the unit path), `decision_id`/`nomination_id` become optional for entries the CĐCS decided itself, and
`registry_scopes` holds one row per entry and unit on its path. Existing entries are filled in from their decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import shared.platform.db

revision: str = "0003_reports"
down_revision: str | Sequence[str] | None = "0002_decision_documents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# award_code, award_name and catalog_version per entry came with 0002_decision_documents.
NEW_COLUMNS = (
    ("award_category", sa.String(20)),
    ("level", sa.String(20)),
    ("nominee_kind", sa.String(20)),
    ("sector", sa.String(40)),
    ("path_codes", sa.String(400)),
    ("decided_on", sa.Date()),
    ("year", sa.Integer()),
    ("decision_text", sa.String(120)),
    ("title", sa.String(300)),
    ("entry_key", sa.String(64)),
    ("recorded_by", sa.String(64)),
    ("recorded_at", shared.platform.db.UtcDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("registry", schema=None) as batch_op:
        batch_op.alter_column("decision_id", existing_type=sa.String(36), nullable=True)
        batch_op.alter_column("nomination_id", existing_type=sa.String(36), nullable=True)
        batch_op.add_column(sa.Column("source", sa.String(20), server_default="pipeline", nullable=False))
        for name, type_ in NEW_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_unique_constraint("uq_registry_entry_key", ["entry_key"])
    op.create_table(
        "registry_scopes",
        sa.Column("unit_code", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(36), nullable=False),
        sa.Column("child_code", sa.String(64), nullable=True),
        sa.Column("child_name", sa.String(300), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("award_code", sa.String(64), nullable=False),
        sa.Column("award_name", sa.String(300), nullable=False),
        sa.Column("award_category", sa.String(20), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("nominee_kind", sa.String(20), nullable=False),
        sa.Column("sector", sa.String(40), nullable=True),
        sa.Column("prize_amount_vnd", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["registry.id"]),
        sa.PrimaryKeyConstraint("unit_code", "decided_on", "entry_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_registry_scopes_entry_id", "registry_scopes", ["entry_id"])
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    """Entries granted before this revision: their columns from the decision, the sector from the unit file."""
    from shared.contracts.values import VIETNAM_TZ
    from shared.platform.settings import RuleSources
    from shared.rules.reference import load_units

    rules = RuleSources().rulebook()  # the catalogue directory the service is configured with (THIDUA_CATALOG_DIR)

    sectors = {u.code: u.sector for u in load_units()}
    rows = conn.execute(
        sa.text(
            "SELECT r.id, r.nominee, r.unit_code, r.prize_amount_vnd, d.award_code, d.award_name, d.path_codes, d.issued_at, d.issuer, "
            "d.catalog_version, r.status "
            "FROM registry r JOIN decisions d ON d.id = r.decision_id"
        )
    ).all()
    for entry_id, nominee, unit_code, prize, award_code, award_name, path_codes, issued_at, issuer, version, status in rows:
        nominee, issuer = _json(nominee), _json(issuer)
        on = _vn_date(issued_at, VIETNAM_TZ)
        award = rules.award_on(award_code, on)
        kind = nominee.get("kind", "individual")
        category = "innovation" if award is not None and "innovation" in award.categories else kind
        conn.execute(
            sa.text(
                "UPDATE registry SET award_code = :award_code, award_name = :award_name, catalog_version = :version, "
                "award_category = :category, "
                "level = :level, nominee_kind = :kind, sector = :sector, path_codes = :path, decided_on = :on, year = :year "
                "WHERE id = :id"
            ),
            {
                "award_code": award_code,
                "award_name": award_name,
                "version": version,
                "category": category,
                "level": issuer.get("level"),
                "kind": kind,
                "sector": sectors.get(unit_code),
                "path": path_codes,
                "on": on,
                "year": on.year,
                "id": entry_id,
            },
        )
        if status != "granted":
            continue  # proposals and revoked entries do not count in reports
        codes = [c for c in str(path_codes).split("|") if c]
        for i, code in enumerate(codes):
            conn.execute(
                sa.text(
                    "INSERT INTO registry_scopes (unit_code, entry_id, child_code, child_name, decided_on, award_code, "
                    "award_name, award_category, level, nominee_kind, sector, prize_amount_vnd) VALUES (:unit, :entry, "
                    ":child, NULL, :on, :award_code, :award_name, :category, :level, :kind, :sector, :prize)"
                ),
                {
                    "unit": code,
                    "entry": entry_id,
                    "child": codes[i - 1] if i > 0 else None,
                    "on": on,
                    "award_code": award_code,
                    "award_name": award_name,
                    "category": category,
                    "level": issuer.get("level") or "",
                    "kind": kind,
                    "sector": sectors.get(unit_code),
                    "prize": prize,
                },
            )


def _json(value: Any) -> dict[str, Any]:
    import json

    return dict(json.loads(value) if isinstance(value, str) else value or {})


def _vn_date(value: Any, tz: Any) -> date:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def downgrade() -> None:
    op.drop_index("ix_registry_scopes_entry_id", table_name="registry_scopes")
    op.drop_table("registry_scopes")
    op.execute("DELETE FROM registry WHERE decision_id IS NULL")
    with op.batch_alter_table("registry", schema=None) as batch_op:
        batch_op.drop_constraint("uq_registry_entry_key", type_="unique")
        for name, _ in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
        batch_op.drop_column("source")
        batch_op.alter_column("nomination_id", existing_type=sa.String(36), nullable=False)
        batch_op.alter_column("decision_id", existing_type=sa.String(36), nullable=False)
