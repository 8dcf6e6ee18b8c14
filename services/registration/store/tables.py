"""Registration's own tables: units (the hierarchy), nominations and their timeline."""

from __future__ import annotations

import sqlalchemy as sa

from shared.platform.db import UtcDateTime, messaging_tables
from shared.platform.idempotency import idempotency_table

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)

units = sa.Table(
    "units",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("short_name", sa.String(200), nullable=False),
    sa.Column("level", sa.String(20), nullable=False),
    sa.Column("parent_code", sa.String(64), sa.ForeignKey("units.code"), nullable=True),
    sa.Column("decision_suffix", sa.String(40), nullable=True),
    sa.Column("sector", sa.String(40), nullable=True),
    # The dated tree: a unit exists from valid_from until valid_to (exclusive; NULL: open-ended).
    # parent_code is its parent today; unit_parents keeps every parent it had.
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_to", sa.Date, nullable=True),
    # The reorganisation that last changed the row; `thidua migrate` then leaves it as it is.
    sa.Column("reorganised_by", sa.String(100), nullable=True),
)

unit_parents = sa.Table(
    "unit_parents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False, index=True),
    sa.Column("parent_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_to", sa.Date, nullable=True),
)

# Every reorganisation applied, once: what it changed, for the record and to refuse applying it twice.
reorganisations = sa.Table(
    "reorganisations",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
    sa.Column("applied_by", sa.String(64), nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

nominations = sa.Table(
    "nominations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("path_codes", sa.String(400), nullable=False),  # "|CĐCS|district|city|national|", for scoping
    sa.Column("unit_path", sa.JSON, nullable=False),
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("awarding_level", sa.String(20), nullable=False),
    sa.Column("catalog_version", sa.String(40), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("nominee", sa.JSON, nullable=False),
    sa.Column("nominee_search", sa.String(300), nullable=False),
    sa.Column("achievements", sa.Text, nullable=False),
    sa.Column("council_vote", sa.JSON, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("active_key", sa.String(600), nullable=True, unique=True),  # NULL once no longer active
    sa.Column("current_unit_code", sa.String(64), nullable=True),
    sa.Column("current_unit_name", sa.String(300), nullable=True),
    sa.Column("last_reason", sa.Text, nullable=True),
    sa.Column("decision", sa.JSON, nullable=True),
    # The campaign ("đợt thi đua") and topic ("chuyên đề") the nomination is for, if any (0003_emulation).
    sa.Column("campaign_code", sa.String(64), nullable=True),
    sa.Column("topic", sa.String(64), nullable=True),
    sa.Column("submitted_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # The person of the register an individual nomination is for (0007_people); NULL for collectives and older ones.
    sa.Column("person_id", sa.String(36), nullable=True, index=True),
    sa.Index("ix_nominations_unit_status", "unit_code", "status"),
    sa.Index("ix_nominations_created_id", "created_at", "id"),  # the lists' order, newest first (keyset pages)
    sa.Index("ix_nominations_campaign", "campaign_code", "award_code"),
)

timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("nomination_id", sa.String(36), sa.ForeignKey("nominations.id"), nullable=False, index=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("step", sa.String(30), nullable=False),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("unit_code", sa.String(64), nullable=True),
    sa.Column("unit_name", sa.String(300), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("event_id", sa.String(36), nullable=True),
)


# Emulation (0003_emulation): campaigns with windows and quotas, pledges, clusters.

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("plan_ref", sa.String(100), nullable=False),
    sa.Column("launching_unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("topic", sa.String(200), nullable=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

# One row per target award: its quota, and the row a submission locks (UPDATE ... SET claims = claims + 1) before it
# counts the campaign's nominations, so two submissions for the last place are serialised on every database.
campaign_targets = sa.Table(
    "campaign_targets",
    metadata,
    sa.Column("campaign_code", sa.String(64), sa.ForeignKey("campaigns.code"), primary_key=True),
    sa.Column("award_code", sa.String(64), primary_key=True),
    sa.Column("quota", sa.Integer, nullable=False),
    sa.Column("per_unit_quota", sa.Integer, nullable=True),
    sa.Column("proposing_level", sa.String(20), nullable=True),
    sa.Column("claims", sa.Integer, nullable=False, server_default="0"),
)

pledges = sa.Table(
    "pledges",
    metadata,
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
    sa.Column("registered_at", UtcDateTime(), nullable=False),
    sa.Column("decided_by", sa.String(200), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.UniqueConstraint("unit_code", "year", name="uq_pledges_unit_year"),
)

clusters = sa.Table(
    "clusters",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    # The superior that groups its units in the cluster; the national clusters hang under TLD.
    sa.Column("parent_unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

cluster_members = sa.Table(
    "cluster_members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("cluster_code", sa.String(64), sa.ForeignKey("clusters.code"), nullable=False, index=True),
    sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False, index=True),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
)

# A cluster's yearly vote ("bình xét, suy tôn"): the member units it put forward as leading ("đơn vị dẫn đầu cụm").
cluster_votes = sa.Table(
    "cluster_votes",
    metadata,
    sa.Column("cluster_code", sa.String(64), sa.ForeignKey("clusters.code"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("leaders", sa.JSON, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

# The dossier's files: metadata here, the bytes in registration's JetStream Object Store bucket (object name = id).
# A removed or replaced file keeps its row (removed_at) and its bytes, so what an approver saw stays on record.
attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("nomination_id", sa.String(36), sa.ForeignKey("nominations.id"), nullable=False, index=True),
    sa.Column("document_type", sa.String(64), nullable=False),
    sa.Column("document_name", sa.String(300), nullable=False),
    sa.Column("filename", sa.String(200), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("bucket", sa.String(64), nullable=False),
    sa.Column("object_name", sa.String(100), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),  # the nomination's round the file came with
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("uploaded_at", UtcDateTime(), nullable=False),
    sa.Column("removed_at", UtcDateTime(), nullable=True),
    sa.Column("removed_by", sa.String(64), nullable=True),
)


# The register of people (0007_people): a unit's members and workers, their units over time. Of an identification
# number only the last four digits are kept.
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("name_search", sa.String(200), nullable=False),  # normalize_name(full_name): searches without diacritics
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("gender", sa.String(10), nullable=True),
    sa.Column("id_last4", sa.String(4), nullable=True),
    sa.Column("position", sa.String(200), nullable=True),
    sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Index("ix_people_unit_name", "unit_code", "name_search"),
)

person_units = sa.Table(
    "person_units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("person_id", sa.String(36), sa.ForeignKey("people.id"), nullable=False, index=True),
    sa.Column("unit_code", sa.String(64), sa.ForeignKey("units.code"), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("valid_to", sa.Date, nullable=True),
    sa.Column("note", sa.String(500), nullable=False, server_default=""),
)
