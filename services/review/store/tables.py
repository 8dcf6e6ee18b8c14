"""Review's own tables: tasks (the per-unit queues), their timers and moves, reminders for approvers,
and its replicas of the nominations it reviews and of each unit's approvers (from the portal's events)."""

from __future__ import annotations

import sqlalchemy as sa

from shared.platform.db import UtcDateTime, messaging_tables
from shared.platform.idempotency import idempotency_table

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("nomination_id", sa.String(36), nullable=False, index=True),
    sa.Column("unit_code", sa.String(64), nullable=False),
    sa.Column("unit", sa.JSON, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("claimant_id", sa.String(64), nullable=True),
    sa.Column("claimant_name", sa.String(200), nullable=True),
    sa.Column("award_code", sa.String(64), nullable=False),
    sa.Column("award_name", sa.String(300), nullable=False),
    sa.Column("nominee_name", sa.String(200), nullable=False),
    sa.Column("nominee_search", sa.String(300), nullable=False),
    sa.Column("nominee_kind", sa.String(20), nullable=False),
    sa.Column("origin_unit_code", sa.String(64), nullable=False),
    sa.Column("origin_unit_name", sa.String(300), nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=True),
    sa.Column("claimed_at", UtcDateTime(), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_by_name", sa.String(200), nullable=True),
    sa.Column("comment", sa.Text, nullable=True),
    # The unit whose queue holds the task: `unit_code` (before issue 17 and migration 0008, an ancestor it escalated to).
    sa.Column("queue_unit_code", sa.String(64), nullable=False),
    sa.Column("queue_unit", sa.JSON, nullable=False),
    sa.Column("escalations", sa.Integer, nullable=False, server_default="0"),
    sa.Column("generation", sa.Integer, nullable=False, server_default="0"),
    sa.Column("escalated_at", UtcDateTime(), nullable=True),  # when the latest superior was alerted
    # The superiors alerted that the task is overdue at its unit, the lowest first (a JSON list of units), and their
    # codes as "|code|code|" for the superior's page ("Quá hạn ở cấp dưới"); empty when none is alerted.
    sa.Column("alerted", sa.JSON, nullable=True),
    sa.Column("alerted_codes", sa.String(700), nullable=False, server_default=""),
    sa.Index("ix_tasks_queue_state", "unit_code", "state", "due_at"),
    sa.Index("ix_tasks_holder_state", "queue_unit_code", "state", "due_at"),
)
# The queue's order (oldest due first, undated last), so a page of 50 is read straight off the index
# even with 100,000 tasks in a unit (bench/queue_page.py).
sa.Index("ix_tasks_queue_order", tasks.c.queue_unit_code, tasks.c.due_at.is_(None), tasks.c.due_at, tasks.c.opened_at, tasks.c.id)
# The other orders a queue can be read in (QueueQuery.sort, the console's column headers; migration 0011): each read
# off its index in order, forwards or backwards, so a page stops when it is full.
sa.Index("ix_tasks_sort_received", tasks.c.queue_unit_code, tasks.c.opened_at, tasks.c.id)
sa.Index("ix_tasks_sort_nominee", tasks.c.queue_unit_code, tasks.c.nominee_search, tasks.c.id)
sa.Index("ix_tasks_sort_award", tasks.c.queue_unit_code, tasks.c.award_name, tasks.c.id)
sa.Index("ix_tasks_sort_state", tasks.c.queue_unit_code, tasks.c.state, tasks.c.id)
# "Việc của tôi": the few tasks one approver holds in a queue, found without reading the rest of it (migration 0011).
sa.Index(
    "ix_tasks_claimant",
    tasks.c.claimant_id,
    tasks.c.queue_unit_code,
    sqlite_where=tasks.c.claimant_id.is_not(None),
    postgresql_where=tasks.c.claimant_id.is_not(None),
)
# The few tasks with a superior alerted: the counts and pages "Quá hạn – đã báo cấp trên" and "Quá hạn ở cấp dưới"
# read them here instead of scanning every queue for a LIKE (migration 0010).
sa.Index(
    "ix_tasks_alerted",
    tasks.c.queue_unit_code,
    tasks.c.state,
    tasks.c.alerted_codes,
    sqlite_where=tasks.c.alerted_codes != sa.literal_column("''"),
    postgresql_where=tasks.c.alerted_codes != sa.literal_column("''"),
)

# Persisted timers: reminders and escalation. A timer fires once (fired_at set in the transaction
# that acts on it); `generation` ties it to one due date of its task, so a moved task's old timers do nothing.
timers = sa.Table(
    "timers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.String(36), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # before_due | due_day | escalate
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("fire_at", UtcDateTime(), nullable=False),
    sa.Column("fired_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("fired_by", sa.String(120), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.UniqueConstraint("task_id", "kind", "generation", name="uq_timers_task_kind_generation"),
)
sa.Index(
    "ix_timers_pending",
    timers.c.fire_at,
    sqlite_where=timers.c.fired_at.is_(None),
    postgresql_where=timers.c.fired_at.is_(None),
)

# A task's timeline beyond decisions: superiors alerted, their urging, new due dates and receiving directly, moves.
task_moves = sa.Table(
    "task_moves",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task_id", sa.String(36), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # services.review.store.records.MoveKind
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("from_unit", sa.JSON, nullable=False),
    sa.Column("to_unit", sa.JSON, nullable=False),
    sa.Column("reason", sa.String(20), nullable=True),  # overdue | no_approver (escalations)
    sa.Column("was_due_at", UtcDateTime(), nullable=True),
    sa.Column("new_due_at", UtcDateTime(), nullable=True),
    sa.Column("actor_id", sa.String(64), nullable=False),
    sa.Column("actor_name", sa.String(200), nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
)

# What the bell in the console counts: reminders and moves, per person.
notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    # before_due | due_day | escalated_in | sent_back | reorganised_in, and the bell's kinds (services.review.domain.bell)
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("task_id", sa.String(36), nullable=False),
    sa.Column("nomination_id", sa.String(36), nullable=False),
    sa.Column("unit_code", sa.String(64), nullable=False),
    sa.Column("text", sa.String(500), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("read_at", UtcDateTime(), nullable=True),
    # The event a bell note was built from (NULL for reminders and moves): one note per event, recipient and dossier.
    sa.Column("event_id", sa.String(36), nullable=True),
    sa.Column("count", sa.Integer, nullable=False, server_default="1"),  # dossiers a batched "new in queue" note counts
    sa.Index("ix_notifications_user", "user_id", "read_at", "created_at"),
    sa.UniqueConstraint("event_id", "user_id", "nomination_id", name="uq_notifications_event_user"),
)

# How each person wants each kind of notification: the bell only, an email at once, or a daily digest at an hour
# (Vietnam time). Absent: the bell only. Email is not sent yet; the choice is kept for the sender to come.
notification_preferences = sa.Table(
    "notification_preferences",
    metadata,
    sa.Column("user_id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("delivery", sa.String(20), nullable=False),  # bell | email_now | email_daily
    sa.Column("digest_hour", sa.Integer, nullable=True),  # 0-23, Vietnam time, for email_daily
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

# The portal's roster of each unit's active approvers; a unit absent here is unknown, not empty.
unit_rosters = sa.Table(
    "unit_rosters",
    metadata,
    sa.Column("unit_code", sa.String(64), primary_key=True),
    sa.Column("approvers", sa.JSON, nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
)

# Every reorganisation of the unit tree review has followed, with what it moved (per new holder).
reorganisations = sa.Table(
    "reorganisations",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("effective_on", sa.Date, nullable=False),
    sa.Column("processed_at", UtcDateTime(), nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
)

nominations = sa.Table(
    "nominations",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("snapshot", sa.JSON, nullable=True),  # NULL for a withdrawal seen before its submission
    sa.Column("status", sa.String(20), nullable=False),  # in_review | returned | withdrawn | closed
    sa.Column("returned_at_unit", sa.String(64), nullable=True),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("submitted_by", sa.String(64), nullable=True),  # the submitting user (NULL before 0007): told of decisions
)


# Meetings of a unit's Hội đồng Thi đua – Khen thưởng, and the vote on each task it judged. A task's latest
# vote (highest id) is the one that counts; earlier ones stay as history.
council_meetings = sa.Table(
    "council_meetings",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("unit_code", sa.String(64), nullable=False, index=True),
    sa.Column("unit", sa.JSON, nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("present", sa.Integer, nullable=False),
    sa.Column("secret_ballot", sa.Boolean, nullable=False),
    sa.Column("chair", sa.String(200), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_by_name", sa.String(200), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    # The standing council that met and who of its roster was present (migration 0012); None: counts typed in.
    sa.Column("council_id", sa.String(36), nullable=True),
    sa.Column("present_member_ids", sa.JSON, nullable=True),
)

# Standing councils (migration 0012): a unit's Hội đồng TĐKT, its CĐCS Ban Chấp hành, or a joint council with the
# employer, founded by a decision, with its members, their roles and terms. The unit's admin keeps them.
standing_councils = sa.Table(
    "standing_councils",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("unit_code", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # tdkt | bch_cdcs | joint
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("decision_number", sa.String(120), nullable=False),
    sa.Column("decision_date", sa.Date, nullable=False),
    sa.Column("decision_signer", sa.String(200), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

standing_council_members = sa.Table(
    "standing_council_members",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("council_id", sa.String(36), sa.ForeignKey("standing_councils.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),  # the roster's order
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),  # chức vụ, e.g. "Chủ tịch LĐLĐ thị xã"
    sa.Column("role", sa.String(20), nullable=False),  # chair | vice_chair | standing | member | secretary
    sa.Column("term_from", sa.Date, nullable=True),
    sa.Column("term_to", sa.Date, nullable=True),  # the last day served; None: serving
)

council_votes = sa.Table(
    "council_votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.String(36), nullable=False, index=True),
    sa.Column("task_id", sa.String(36), nullable=False),
    sa.Column("nomination_id", sa.String(36), nullable=False, index=True),
    sa.Column("votes_for", sa.Integer, nullable=False),
    sa.Column("votes_against", sa.Integer, nullable=False),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),  # whether this level had to vote (the rule, at the task's level)
    sa.Column("explanation", sa.Text, nullable=False),  # shared.rules.council's checks, Vietnamese, with the numbers
    sa.Column("checks", sa.JSON, nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Index("ix_council_votes_task", "task_id", "id"),
)

# Tờ trình: one letter a unit sends up with the batch of dossiers it forwards together.
# A tờ trình's number, date and signer come from awards when the unit's signing officer signs it (ProposalSigned):
# the unit's one register of outgoing documents numbers it. Letters numbered here before 0008 keep their numbers.
proposals = sa.Table(
    "proposals",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("unit_code", sa.String(64), nullable=False),
    sa.Column("unit", sa.JSON, nullable=False),
    sa.Column("to_unit_code", sa.String(64), nullable=False, index=True),
    sa.Column("to_unit", sa.JSON, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("number", sa.Integer, nullable=True),  # None until signed
    sa.Column("number_text", sa.String(80), nullable=True),
    sa.Column("issued_on", sa.Date, nullable=True),
    sa.Column("signer_id", sa.String(64), nullable=False),  # the approver who forwarded the batch
    sa.Column("signer_name", sa.String(200), nullable=True),  # the signing officer, once signed
    sa.Column("document_id", sa.String(36), nullable=True),  # the signed letter in awards' register
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("items", sa.JSON, nullable=False),  # the listed nominees as printed (frozen when it was issued)
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.UniqueConstraint("unit_code", "year", "number", name="uq_proposals_unit_year_number"),
)

proposal_tasks = sa.Table(
    "proposal_tasks",
    metadata,
    sa.Column("proposal_id", sa.String(36), primary_key=True),
    sa.Column("task_id", sa.String(36), primary_key=True),
    sa.Column("nomination_id", sa.String(36), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
)
