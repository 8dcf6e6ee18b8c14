"""Composition root of registration: nothing connects at import time."""

from __future__ import annotations

from services.registration import routes, store
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW
from shared.platform.runtime import ServiceSpec
from shared.platform.schemahead import head_revision

SPEC = ServiceSpec(
    name="registration",
    outbox=store.outbox,
    idempotency_keys=store.idempotency_keys,
    consumers=(REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS),
    wire=routes.wire,
    head_revision=lambda: head_revision("registration"),
)
