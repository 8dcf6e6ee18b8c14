"""The portal's own tables: users and their role grants scoped to a unit, their sessions and saved queue filters, the
rosters it announced, and its outbox. No business data."""

from __future__ import annotations

import sqlalchemy as sa

from shared.platform.db import UtcDateTime, messaging_tables

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("email", sa.String(254), nullable=True),  # where the notifier mails this user (UserContactChanged)
)

role_grants = sa.Table(
    "role_grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("unit_code", sa.String(64), nullable=True),
    sa.UniqueConstraint("user_id", "role", "unit_code", name="uq_role_grant"),
)

# The last list of active approvers announced per unit (UnitApproversChanged), to announce only changes.
announced_rosters = sa.Table(
    "announced_rosters",
    metadata,
    sa.Column("unit_code", sa.String(64), primary_key=True),
    sa.Column("approvers", sa.JSON, nullable=False),
    sa.Column("announced_at", UtcDateTime(), nullable=False),
)

# The last contact (username, name, email, active) announced per user (UserContactChanged), to announce only changes.
announced_contacts = sa.Table(
    "announced_contacts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("contact", sa.JSON, nullable=False),
    sa.Column("announced_at", UtcDateTime(), nullable=False),
)

# One row per console session or API token still in force: the id travels in the signed cookie or as the token's
# `jti`, and a request is accepted only while its row is here. Signing out or a revocation deletes the row.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # console | api
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

# A user's saved queue filters ("Bộ lọc đã lưu"): a name and the queue's filter and sort as query parameters (JSON),
# one name once per user. Kept by the portal, which owns users: a filter grants nothing, review still decides what
# the filtered queue shows (migration 0005).
saved_filters = sa.Table(
    "saved_filters",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), sa.ForeignKey("users.id"), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("params", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
)
