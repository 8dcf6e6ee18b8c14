"""The notifier's NATS entry points: review's notes (NotificationIssued), the portal's addresses (UserContactChanged),
and the portal's two questions (is email sent; the demo mailbox)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.notifier import store, usecases
from services.notifier.usecases import NotifierContext
from shared.contracts import events as c
from shared.contracts.operations import notifier as op
from shared.contracts.subjects import NOTIFIER_FROM_PORTAL, NOTIFIER_FROM_REVIEW, ConsumerDef
from shared.platform.messaging import EventConsumer, EventHandler, register_rpc
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation, implement, operations_of
from shared.platform.service import ServiceContext

SERVICE = "notifier"


def operations(ctx: ServiceContext) -> dict[str, RpcOperation]:
    notifier = NotifierContext.of(ctx)
    return operations_of(
        SERVICE,
        implement(op.MAIL_STATUS, partial(usecases.mail_status, notifier)),
        implement(op.ADDRESS_STATUS, partial(usecases.address_status, notifier)),
        implement(op.DEMO_MAILBOX, partial(usecases.demo_mailbox, notifier)),
        *outbox_operations(ctx, store.outbox).items(),
    )


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(router, SERVICE, operations(ctx), ctx.callers, ctx.idempotency, broker)
    notifier = NotifierContext.of(ctx)

    def consume(source: ConsumerDef, handlers: Mapping[type[c.Event], EventHandler]) -> None:
        EventConsumer(broker, SERVICE, source, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry).register(
            router
        )

    consume(NOTIFIER_FROM_REVIEW, {c.NotificationIssued: partial(usecases.on_notification_issued, notifier)})
    consume(NOTIFIER_FROM_PORTAL, {c.UserContactChanged: partial(usecases.on_contact_changed, notifier)})
