"""Registration's NATS entry points: RPC from the portal, events from review and awards."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.registration import store, usecases
from shared import contracts as c
from shared.messaging import EventConsumer, register_rpc
from shared.outbox_ops import outbox_operations
from shared.service import ServiceContext
from shared.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW

SERVICE = "registration"


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(
        router,
        SERVICE,
        {
            "list_units": partial(usecases.list_units, ctx),
            "submit": partial(usecases.submit, ctx),
            "get": partial(usecases.get_nomination, ctx),
            "list": partial(usecases.list_nominations, ctx),
            "update": partial(usecases.update, ctx),
            "resubmit": partial(usecases.resubmit, ctx),
            "withdraw": partial(usecases.withdraw, ctx),
            "ops_stuck": partial(usecases.stuck_nominations, ctx),
            **outbox_operations(ctx, store.outbox),
        },
    )
    react = partial(usecases.on_review_event, ctx)
    review_events = (
        c.TaskOpened,
        c.TaskClaimed,
        c.TaskReleased,
        c.TaskEscalated,
        c.TaskSentBack,
        c.NominationForwarded,
        c.NominationReturned,
        c.NominationRejected,
        c.NominationApproved,
    )
    max_attempts = ctx.settings.max_attempts
    EventConsumer(
        broker, SERVICE, REGISTRATION_FROM_REVIEW, dict.fromkeys(review_events, react), max_attempts=max_attempts
    ).register(router)
    EventConsumer(broker, SERVICE, REGISTRATION_FROM_AWARDS, {c.AwardGranted: react}, max_attempts=max_attempts).register(router)
