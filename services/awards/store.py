"""Awards' own tables: numbered decisions and proposals (tờ trình), the per-issuer counters of each series, and the
registry of granted (or proposed) awards with the recovery of a revoked decision's prizes."""

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

# A tờ trình's own number series ("3/TTr-LĐLĐ"), gapless per issuer per year, beside the decisions'.
proposal_counters = sa.Table(
    "proposal_counters",
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
    # The first award it lists (a document may list several of its issuer's awards; the registry has each entry's).
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("catalog_version", sa.String(40), nullable=False),
    # "|CODE|CODE|…|": every unit on the paths of its entries (who may read it)
    sa.Column("path_codes", sa.Text, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False, server_default="decision"),  # decision | proposal (tờ trình)
    sa.Column("batch_id", sa.String(64), nullable=True),
    sa.Column("decided_by", sa.String(300), nullable=False, server_default=""),  # a proposal's state authority
    # What the document printed around its list, chosen on its date (shared.legal_basis.DocumentFrame + proposers)
    sa.Column("document", sa.JSON, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="issued"),  # issued | revoked
    sa.Column("revoked_reason", sa.Text, nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    sa.Column("revoked_by_id", sa.String(64), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("kind", "issuer_code", "year", "number", name="uq_document_number"),
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
    sa.Column("award_code", sa.String(64), nullable=False, server_default=""),
    sa.Column("award_name", sa.String(300), nullable=False, server_default=""),
    sa.Column("catalog_version", sa.String(40), nullable=False, server_default=""),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),  # order within its document
    sa.Column("status", sa.String(20), nullable=False, server_default="granted"),  # granted | proposed | revoked
    sa.Column("recovery", sa.String(20), nullable=True),  # due (phải thu hồi) | recovered (đã thu hồi)
    sa.Column("recovery_amount_vnd", sa.Integer, nullable=True),
    sa.Column("recovered_at", UtcDateTime(), nullable=True),
    sa.Column("recovered_by", sa.String(200), nullable=True),
)
