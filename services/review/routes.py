"""Review's NATS entry points: approvers' RPC from the portal, registration's events, the portal's rosters."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.review import store
from services.review.usecases import (
    batches,
    councils,
    intake,
    notifications,
    ops,
    queues,
    reorganisation,
    rosters,
    tasks,
)
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
            "list_queue": partial(queues.list_queue, ctx),
            "get_task": partial(queues.get_task, ctx),
            "claim": partial(tasks.claim, ctx),
            "release": partial(tasks.release, ctx),
            "reassign": partial(tasks.reassign, ctx),
            "decide": partial(tasks.decide, ctx),
            "send_back": partial(tasks.send_back, ctx),
            "record_council": partial(councils.record_meeting, ctx),
            "forward_batch": partial(batches.forward_batch, ctx),
            "approve_batch": partial(batches.approve_batch, ctx),
            "list_proposals": partial(batches.list_proposals, ctx),
            "get_proposal": partial(batches.get_proposal, ctx),
            "proposal_document": partial(batches.proposal_document, ctx),
            "notifications": partial(notifications.list_notifications, ctx),
            "mark_notifications_read": partial(notifications.mark_notifications_read, ctx),
            "ops_queues": partial(ops.ops_queues, ctx),
            "reorganisation": partial(reorganisation.reorganisation_result, ctx),
            "reorganisation_preview": partial(reorganisation.reorganisation_preview, ctx),
            **outbox_operations(ctx, store.outbox),
        },
    )
    EventConsumer(
        broker,
        SERVICE,
        REVIEW_FROM_REGISTRATION,
        {
            c.NominationSubmitted: partial(intake.on_submitted, ctx),
            c.NominationResubmitted: partial(intake.on_resubmitted, ctx),
            c.NominationWithdrawn: partial(intake.on_withdrawn, ctx),
            c.UnitsReorganised: partial(reorganisation.on_units_reorganised, ctx),
        },
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
    EventConsumer(
        broker,
        SERVICE,
        REVIEW_FROM_PORTAL,
        {c.UnitApproversChanged: partial(rosters.on_approvers_changed, ctx)},
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
