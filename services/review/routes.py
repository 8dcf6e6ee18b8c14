"""Review's NATS entry points: approvers' RPC from the portal, registration's events, the portal's rosters, and the
bell's reading of review's own events and awards' decisions."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.review import store
from services.review.usecases import (
    batches,
    bell,
    councils,
    intake,
    notifications,
    ops,
    queues,
    reorganisation,
    rosters,
    standing_councils,
    superior,
    tasks,
)
from services.review.usecases.context import ReviewContext
from shared.contracts import events as c
from shared.contracts.operations import review as op
from shared.contracts.subjects import (
    REVIEW_BELL_FROM_REVIEW,
    REVIEW_FROM_AWARDS,
    REVIEW_FROM_PORTAL,
    REVIEW_FROM_REGISTRATION,
    ConsumerDef,
)
from shared.platform.messaging import EventConsumer, EventHandler, register_rpc
from shared.platform.observability import require_operations
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation, implement, operations_of
from shared.platform.service import ServiceContext

SERVICE = "review"


def operations(ctx: ServiceContext) -> dict[str, RpcOperation]:
    """Every operation review answers on `thidua.rpc.review.<name>`: JSON params in, JSON reply out."""
    review = ReviewContext.of(ctx)
    return operations_of(
        SERVICE,
        implement(op.LIST_QUEUE, partial(queues.list_queue, review)),
        implement(op.GET_TASK, partial(queues.get_task, review)),
        implement(op.CLAIM, partial(tasks.claim, review)),
        implement(op.RELEASE, partial(tasks.release, review)),
        implement(op.REASSIGN, partial(tasks.reassign, review)),
        implement(op.DECIDE, partial(tasks.decide, review)),
        implement(op.URGE, partial(superior.urge, review)),
        implement(op.SET_DUE_DATE, partial(superior.set_due_date, review)),
        implement(op.RECEIVE_DIRECTLY, partial(superior.receive_directly, review)),
        implement(op.RECORD_COUNCIL, partial(councils.record_meeting, review)),
        implement(op.LIST_COUNCILS, partial(standing_councils.list_councils, review)),
        implement(op.CREATE_COUNCIL, partial(standing_councils.create_council, review)),
        implement(op.ADD_COUNCIL_MEMBER, partial(standing_councils.add_member, review)),
        implement(op.END_COUNCIL_MEMBER, partial(standing_councils.end_member, review)),
        implement(op.FORWARD_BATCH, partial(batches.forward_batch, review)),
        implement(op.APPROVE_BATCH, partial(batches.approve_batch, review)),
        implement(op.LIST_PROPOSALS, partial(batches.list_proposals, review)),
        implement(op.GET_PROPOSAL, partial(batches.get_proposal, review)),
        implement(op.PROPOSAL_DOCUMENT, partial(batches.proposal_document, review)),
        implement(op.NOTIFICATIONS, partial(notifications.list_notifications, review)),
        implement(op.MARK_NOTIFICATIONS_READ, partial(notifications.mark_notifications_read, review)),
        implement(op.NOTIFICATION_PREFERENCES, partial(notifications.notification_preferences, review)),
        implement(op.SET_NOTIFICATION_PREFERENCES, partial(notifications.set_notification_preferences, review)),
        implement(op.OPS_QUEUES, partial(ops.ops_queues, review), caller_check=require_operations),
        implement(op.REORGANISATION, partial(reorganisation.reorganisation_result, review), caller_check=require_operations),
        implement(
            op.REORGANISATION_PREVIEW,
            partial(reorganisation.reorganisation_preview, review),
            caller_check=reorganisation.require_admin,
        ),
        *outbox_operations(ctx, store.outbox).items(),
    )


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(router, SERVICE, operations(ctx), ctx.callers, ctx.idempotency, broker)
    review = ReviewContext.of(ctx)

    def consume(source: ConsumerDef, handlers: Mapping[type[c.Event], EventHandler]) -> None:
        EventConsumer(broker, SERVICE, source, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry).register(
            router
        )

    consume(
        REVIEW_FROM_REGISTRATION,
        {
            c.NominationSubmitted: partial(intake.on_submitted, review),
            c.NominationResubmitted: partial(intake.on_resubmitted, review),
            c.NominationWithdrawn: partial(intake.on_withdrawn, review),
            c.UnitsReorganised: partial(reorganisation.on_units_reorganised, review),
        },
    )
    consume(
        REVIEW_FROM_PORTAL,
        {c.UnitApproversChanged: partial(rosters.on_approvers_changed, review)},
    )
    consume(
        REVIEW_BELL_FROM_REVIEW,
        {
            c.TaskOpened: partial(bell.on_task_opened, review),
            c.TaskClaimed: partial(bell.on_task_claimed, review),
            c.NominationReturned: partial(bell.on_returned, review),
            c.NominationRejected: partial(bell.on_rejected, review),
            c.NominationForwarded: partial(bell.on_forwarded, review),
            c.NominationApproved: partial(bell.on_approved, review),
            c.NominationsApproved: partial(bell.on_batch_approved, review),
            c.CouncilVoteRecorded: partial(bell.on_council_vote, review),
        },
    )
    consume(
        REVIEW_FROM_AWARDS,
        {
            c.AwardGranted: partial(bell.on_award_granted, review),
            c.AwardProposed: partial(bell.on_award_proposed, review),
            c.ProposalSigned: partial(batches.on_proposal_signed, review),
            c.StateOutcomeRecorded: partial(bell.on_state_outcome, review),
        },
    )
