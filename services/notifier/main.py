"""Composition root of the notifier: nothing connects at import time."""

from __future__ import annotations

from collections.abc import Sequence

from prometheus_client import CollectorRegistry

from services.notifier import routes, store
from services.notifier.sender import MailSender, SenderMetrics
from services.notifier.smtp import SmtpTransport
from services.notifier.usecases import NotifierContext
from shared.contracts.subjects import NOTIFIER_FROM_PORTAL, NOTIFIER_FROM_REVIEW
from shared.platform.runtime import ServiceSpec, Worker
from shared.platform.schemahead import head_revision
from shared.platform.service import ServiceContext


def workers(ctx: ServiceContext, registry: CollectorRegistry) -> Sequence[Worker]:
    notifier = NotifierContext.of(ctx)
    settings = notifier.settings
    sender = MailSender(
        notifier,
        SmtpTransport(settings),
        owner=settings.instance,
        metrics=SenderMetrics(registry),
        poll_interval=settings.sender_poll_seconds,
        batch_size=settings.sender_batch,
    )
    return (sender,)


SPEC = ServiceSpec(
    name="notifier",
    outbox=store.outbox,
    idempotency_keys=store.idempotency_keys,
    consumers=(NOTIFIER_FROM_REVIEW, NOTIFIER_FROM_PORTAL),
    wire=routes.wire,
    head_revision=lambda: head_revision("notifier"),
    workers=workers,
)
