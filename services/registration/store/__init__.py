"""Registration's storage: its tables (`tables`), its rows as typed records (`records`), what the use cases ask of it
(`port`: `Store`, `UnitOfWork`) and the SQL that answers: every query of the service is in `sql.py`,
`sql_emulation.py` and `sql_people.py`, on the row mappings of `rows.py`."""

from services.registration.store.port import AlreadyStored, Store, UnitOfWork
from services.registration.store.sql import SqlStore, SqlUnitOfWork
from services.registration.store.tables import (
    attachments,
    campaign_targets,
    campaigns,
    cluster_members,
    cluster_votes,
    clusters,
    idempotency_keys,
    inbox,
    metadata,
    nominations,
    outbox,
    people,
    person_units,
    pledges,
    reorganisations,
    timeline,
    unit_parents,
    units,
)

__all__ = [
    "AlreadyStored",
    "SqlStore",
    "SqlUnitOfWork",
    "Store",
    "UnitOfWork",
    "attachments",
    "campaign_targets",
    "campaigns",
    "cluster_members",
    "cluster_votes",
    "clusters",
    "idempotency_keys",
    "inbox",
    "metadata",
    "nominations",
    "outbox",
    "people",
    "person_units",
    "pledges",
    "reorganisations",
    "timeline",
    "unit_parents",
    "units",
]
