"""Composition root of review: nothing connects at import time."""

from __future__ import annotations

from services.review import routes, store
from shared.migrate import head_revision
from shared.runtime import ServiceSpec
from shared.subjects import REVIEW_FROM_REGISTRATION

SPEC = ServiceSpec(
    name="review",
    outbox=store.outbox,
    consumers=(REVIEW_FROM_REGISTRATION,),
    wire=routes.wire,
    head_revision=lambda: head_revision("review"),
)
