"""Awards' storage: its tables (`tables`), what the use cases ask of it (`port`: `AwardsStore`, `Outbox`,
`UnitOfWork`) and the SQL that answers (`sql`)."""

from services.awards.store.port import AwardsStore, Outbox, UnitOfWork
from services.awards.store.sql import SqlAwardsStore, SqlOutbox, SqlUnitOfWork
from services.awards.store.tables import (
    decision_counters,
    decisions,
    draft_items,
    drafts,
    idempotency_keys,
    inbox,
    metadata,
    outbox,
    proposal_counters,
    register_counters,
    registry,
    registry_scopes,
)

__all__ = [
    "AwardsStore",
    "Outbox",
    "SqlAwardsStore",
    "SqlOutbox",
    "SqlUnitOfWork",
    "UnitOfWork",
    "decision_counters",
    "decisions",
    "draft_items",
    "drafts",
    "idempotency_keys",
    "inbox",
    "metadata",
    "outbox",
    "proposal_counters",
    "register_counters",
    "registry",
    "registry_scopes",
]
