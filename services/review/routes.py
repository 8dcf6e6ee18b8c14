"""Review's NATS entry points: approvers' RPC from the portal, registration's events, the portal's rosters."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.review import batches, councils, opsview, store, usecases
from shared.contracts import events as c
from shared.contracts.subjects import REVIEW_FROM_PORTAL, REVIEW_FROM_REGISTRATION
from shared.platform.messaging import EventConsumer, register_rpc
from shared.platform.outbox_ops import outbox_operations
from shared.platform.service import ServiceContext

SERVICE = "review"


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(
        router,
        SERVICE,
        {
            "list_queue": partial(usecases.list_queue, ctx),
            "get_task": partial(usecases.get_task, ctx),
            "claim": partial(usecases.claim, ctx),
            "release": partial(usecases.release, ctx),
            "reassign": partial(usecases.reassign, ctx),
            "decide": partial(usecases.decide, ctx),
            "send_back": partial(usecases.send_back, ctx),
            "record_council": partial(councils.record_meeting, ctx),
            "forward_batch": partial(batches.forward_batch, ctx),
            "approve_batch": partial(batches.approve_batch, ctx),
            "list_proposals": partial(batches.list_proposals, ctx),
            "get_proposal": partial(batches.get_proposal, ctx),
            "proposal_document": partial(batches.proposal_document, ctx),
            "notifications": partial(usecases.list_notifications, ctx),
            "mark_notifications_read": partial(usecases.mark_notifications_read, ctx),
            "ops_queues": partial(opsview.ops_queues, ctx),
            "reorganisation": partial(usecases.reorganisation_result, ctx),
            "reorganisation_preview": partial(usecases.reorganisation_preview, ctx),
            **outbox_operations(ctx, store.outbox),
        },
    )
    EventConsumer(
        broker,
        SERVICE,
        REVIEW_FROM_REGISTRATION,
        {
            c.NominationSubmitted: partial(usecases.on_submitted, ctx),
            c.NominationResubmitted: partial(usecases.on_resubmitted, ctx),
            c.NominationWithdrawn: partial(usecases.on_withdrawn, ctx),
            c.UnitsReorganised: partial(usecases.on_units_reorganised, ctx),
        },
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
    EventConsumer(
        broker,
        SERVICE,
        REVIEW_FROM_PORTAL,
        {c.UnitApproversChanged: partial(usecases.on_approvers_changed, ctx)},
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
