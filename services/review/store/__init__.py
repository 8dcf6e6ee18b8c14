"""Review's store: its tables (`tables`), its rows as typed records (`records`), what use cases ask of it
(`port`: the repositories and the unit of work) and the SQL that answers (`sql*`). No SQL lives elsewhere.

The tables are re-exported here, so migrations and tests name them `store.tasks`, `store.outbox`, … as before.
"""

from services.review.store.tables import (
    council_meetings,
    council_votes,
    idempotency_keys,
    inbox,
    metadata,
    nominations,
    notification_preferences,
    notifications,
    outbox,
    proposal_tasks,
    proposals,
    reorganisations,
    standing_council_members,
    standing_councils,
    task_moves,
    tasks,
    timers,
    unit_rosters,
)

__all__ = [
    "council_meetings",
    "council_votes",
    "idempotency_keys",
    "inbox",
    "metadata",
    "nominations",
    "notification_preferences",
    "notifications",
    "outbox",
    "proposal_tasks",
    "proposals",
    "reorganisations",
    "standing_council_members",
    "standing_councils",
    "task_moves",
    "tasks",
    "timers",
    "unit_rosters",
]
