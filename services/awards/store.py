"""Awards' own tables: numbered decisions, the per-issuer counters, and the registry of granted awards."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import UtcDateTime, messaging_tables

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)

decision_counters = sa.Table(
    "decision_counters",
    metadata,
    sa.Column("issuer_code", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("issuer_code", sa.String(64), nullable=False),
    sa.Column("issuer", sa.JSON, nullable=False),  # the issuer's name as it was when signed
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("number_text", sa.String(80), nullable=False),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("signed_by", sa.String(200), nullable=False),
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("catalog_version", sa.String(40), nullable=False),
    sa.Column("path_codes", sa.String(400), nullable=False),
    sa.UniqueConstraint("issuer_code", "year", "number", name="uq_decision_number"),
)

registry = sa.Table(
    "registry",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False, index=True),
    sa.Column("nomination_id", sa.String(36), nullable=False, unique=True),
    sa.Column("nominee", sa.JSON, nullable=False),
    sa.Column("nominee_name", sa.String(200), nullable=False),
    sa.Column("unit_code", sa.String(64), nullable=False),
    sa.Column("unit_name", sa.String(300), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("coefficient", sa.String(20), nullable=False),
    sa.Column("base_salary_vnd", sa.Integer, nullable=False),
    sa.Column("prize_amount_vnd", sa.Integer, nullable=False),
)
