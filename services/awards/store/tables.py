"""Awards' tables: numbered decisions and proposals (tờ trình), the per-issuer counters of each series, the registry of
granted (or proposed) awards with the recovery of a revoked decision's prizes, the per-unit scopes reports count, and
the outbox/inbox and idempotency records."""

from __future__ import annotations

import sqlalchemy as sa

from shared.platform.db import UtcDateTime, messaging_tables
from shared.platform.idempotency import idempotency_table

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)

# Sổ văn bản đi: one register of outgoing documents per issuing unit per year, numbering every kind of document it
# issues in one gapless sequence ("15/QĐ-LĐLĐ", then "16/TTr-LĐLĐ"), as Nghị định 30/2020/NĐ-CP Điều 15 khoản 1 has
# it: numbered in order from 01 on 1 January to 31 December, a number and symbol unique within the year.
register_counters = sa.Table(
    "register_counters",
    metadata,
    sa.Column("issuer_code", sa.String(64), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

# The two series numbered before the register (migration 0008): kept as they were, read by no query.
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
    # What the document printed around its list, chosen on its date (services.awards.domain.legal_basis.DocumentFrame + proposers)
    sa.Column("document", sa.JSON, nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="issued"),  # issued | revoked
    sa.Column("revoked_reason", sa.Text, nullable=True),
    sa.Column("revoked_by", sa.String(200), nullable=True),
    sa.Column("revoked_by_id", sa.String(64), nullable=True),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    sa.Column("revoked_in", sa.String(36), nullable=True),  # the signed decision that revoked it
    sa.Column("revokes", sa.String(36), nullable=True),  # a revocation decision: the decision it revokes
    sa.UniqueConstraint("kind", "issuer_code", "year", "number", name="uq_document_number"),
)
# The register's order (and its keyset pages): issuer, newest year first, kind, highest number first.
sa.Index("ix_decisions_listing", decisions.c.issuer_code, decisions.c.year.desc(), decisions.c.kind, decisions.c.number.desc())

registry = sa.Table(
    "registry",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # NULL for an entry of the grassroots register (decided by the CĐCS, not by a numbered decision here).
    sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=True, index=True),
    sa.Column("nomination_id", sa.String(36), nullable=True, unique=True),
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
    # What reports count by (migration 0003_reports; see RegisterEntry in services/awards/domain/register.py).
    sa.Column("source", sa.String(20), nullable=False, server_default="pipeline"),  # pipeline | grassroots
    sa.Column("award_category", sa.String(20), nullable=True),  # individual | collective | innovation
    sa.Column("level", sa.String(20), nullable=True),  # the level that decided: grassroots … national
    sa.Column("nominee_kind", sa.String(20), nullable=True),
    sa.Column("sector", sa.String(40), nullable=True),  # of the submitting CĐCS, when registration knows it
    sa.Column("path_codes", sa.String(400), nullable=True),  # "|CĐCS|district|city|national|" on the decision date
    sa.Column("decided_on", sa.Date, nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("decision_text", sa.String(120), nullable=True),  # a grassroots decision's number as the CĐCS wrote it
    sa.Column("title", sa.String(300), nullable=True),  # e.g. the innovation's name
    sa.Column("entry_key", sa.String(64), nullable=True),  # grassroots: the same row sent twice is one entry
    sa.Column("recorded_by", sa.String(64), nullable=True),
    sa.Column("recorded_at", UtcDateTime(), nullable=True),
    sa.UniqueConstraint("entry_key", name="uq_registry_entry_key"),
)

# One row per entry and per unit on its path (the CĐCS and each superior, as stored with the entry), carrying what
# reports group by, so that a report of any unit's subtree is one range scan of this table's key and no join;
# `child_code` is the next unit down (NULL at the CĐCS itself).
registry_scopes = sa.Table(
    "registry_scopes",
    metadata,
    sa.Column("unit_code", sa.String(64), primary_key=True),
    sa.Column("decided_on", sa.Date, primary_key=True),
    sa.Column("entry_id", sa.String(36), sa.ForeignKey("registry.id"), primary_key=True, index=True),
    sa.Column("child_code", sa.String(64), nullable=True),
    sa.Column("child_name", sa.String(300), nullable=True),
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("award_category", sa.String(20), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("nominee_kind", sa.String(20), nullable=False),
    sa.Column("sector", sa.String(40), nullable=True),
    sa.Column("prize_amount_vnd", sa.Integer, nullable=False),
    sa.Column("period", sa.String(20), nullable=True),  # the entry's kỳ xét ("2025", "2024-2025"), migration 0013
    # Rows stored in key order on SQLite (no rowid): a unit's period is one contiguous range.
    sqlite_with_rowid=False,
)

# Drafts ("dự thảo"): a final approval's documents waiting for a signing officer (services.awards.domain.drafts).
# Signing numbers and dates them into `decisions`; the draft stays, marked signed, with what it became.
drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # decision | proposal
    sa.Column("issuer_code", sa.String(64), nullable=False),
    sa.Column("issuer", sa.JSON, nullable=False),
    sa.Column("decided_by", sa.String(300), nullable=False, server_default=""),
    sa.Column("batch_id", sa.String(64), nullable=True),
    sa.Column("nominations", sa.JSON, nullable=False),  # the NominationSnapshots it lists, in order
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("path_codes", sa.Text, nullable=False),  # "|CODE|…|": who may read it, as for a decision
    sa.Column("approved_at", UtcDateTime(), nullable=False),
    sa.Column("approved_by", sa.JSON, nullable=False),  # the approver (Actor), recorded apart from the signer
    sa.Column("status", sa.String(20), nullable=False, server_default="awaiting_signature"),  # | signed
    sa.Column("prizes", sa.JSON, nullable=True),  # {nomination id: đồng}: amounts the unit set where none is known
    sa.Column("signed_at", UtcDateTime(), nullable=True),
    sa.Column("signed_by", sa.String(200), nullable=True),
    sa.Column("signed_as", sa.JSON, nullable=True),  # [[decision id, number text], …]
    sa.Column("letter", sa.JSON, nullable=True),  # a forwarding tờ trình's content (ForwardingLetter)
    sa.Column("revocation", sa.JSON, nullable=True),  # a revocation decision's content (RevocationContent)
    sa.Column("target_id", sa.String(36), nullable=True, index=True),  # the decision a revocation draft revokes
    sa.Column("document_id", sa.String(36), nullable=True, index=True),  # the (first) document its signature issued
)
# A signer's list: the unit's drafts waiting, oldest first.
sa.Index("ix_drafts_waiting", drafts.c.issuer_code, drafts.c.status, drafts.c.approved_at, drafts.c.id)

# Each nomination is in at most one draft: a second approval (or batch) of it drafts nothing new.
draft_items = sa.Table(
    "draft_items",
    metadata,
    sa.Column("nomination_id", sa.String(36), primary_key=True),
    sa.Column("draft_id", sa.String(36), sa.ForeignKey("drafts.id"), nullable=False, index=True),
)

# The file a signing officer signed: the decision's PDF with its PAdES signature, kept as signed (never re-rendered:
# a revocation is recorded beside it, not written into it).
signed_files = sa.Table(
    "signed_files",
    metadata,
    sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pades_level", sa.String(8), nullable=False),  # B-B | B-T | B-LT
    sa.Column("signed_at", UtcDateTime(), nullable=False),
)


# The state authority's answer to a tờ trình, recorded by the unit that sent it (services.awards.domain.outcomes):
# once per tờ trình; its entries become granted (counted, at the level "state") or not_granted.
state_outcomes = sa.Table(
    "state_outcomes",
    metadata,
    sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), primary_key=True),
    sa.Column("authority", sa.String(300), nullable=False),
    sa.Column("number_text", sa.String(100), nullable=False),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
    sa.Column("granted", sa.JSON, nullable=False),  # {nomination id: true | false}
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_by_id", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)


# Người ký văn bản: each unit's signing officers, one row per term (a re-appointment is a new row).
signing_officers = sa.Table(
    "signing_officers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("unit_code", sa.String(64), nullable=False, index=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("position", sa.String(100), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),  # inclusive; None: in office
    sa.Column("username", sa.String(64), nullable=True),
)
