"""Composition root of awards: nothing connects at import time."""

from __future__ import annotations

from services.awards import routes, store
from services.awards.usecases import opsview
from shared.contracts.subjects import AWARDS_FROM_REVIEW
from shared.platform.runtime import ServiceSpec
from shared.platform.schemahead import head_revision

SPEC = ServiceSpec(
    name="awards",
    outbox=store.outbox,
    idempotency_keys=store.idempotency_keys,
    consumers=(AWARDS_FROM_REVIEW,),
    wire=routes.wire,
    head_revision=lambda: head_revision("awards"),
    metrics=opsview.register_metrics,
)
