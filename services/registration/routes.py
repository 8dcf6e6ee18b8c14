"""Registration's NATS entry points: RPC from the portal, events from review and awards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.registration import opsview, store, usecases
from shared import contracts as c
from shared.messaging import EventConsumer, EventHandler, register_rpc
from shared.outbox_ops import outbox_operations
from shared.service import ServiceContext
from shared.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, ConsumerDef

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
            "reorganise": partial(usecases.reorganise, ctx),
            "ops_pipeline": partial(opsview.ops_pipeline, ctx),
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
        c.TaskReorganised,
        c.NominationForwarded,
        c.NominationReturned,
        c.NominationRejected,
        c.NominationApproved,
        c.CouncilVoteRecorded,
    )
    from_review: dict[type[c.Event], EventHandler] = dict.fromkeys(review_events, react)
    from_review[c.NominationsApproved] = partial(usecases.on_nominations_approved, ctx)
    reactions: tuple[tuple[ConsumerDef, Mapping[type[c.Event], EventHandler]], ...] = (
        (REGISTRATION_FROM_REVIEW, from_review),
        (REGISTRATION_FROM_AWARDS, {c.AwardGranted: react}),
    )
    for consumer, handlers in reactions:
        EventConsumer(
            broker, SERVICE, consumer, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry
        ).register(router)
