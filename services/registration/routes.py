"""Registration's NATS entry points: RPC from the portal, events from review and awards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext

from services.registration import emulation, opsview, store, unitpaths, usecases
from services.registration.attachments import DossierFiles
from shared.contracts import events as c
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, ConsumerDef
from shared.platform.messaging import EventConsumer, EventHandler, register_rpc
from shared.platform.objectstore import Buckets
from shared.platform.outbox_ops import outbox_operations
from shared.platform.service import ServiceContext

SERVICE = "registration"


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    def jetstream() -> JetStreamContext:  # the broker connects at start-up, after this is wired
        return broker.connection.jetstream()

    files = DossierFiles(Buckets(jetstream, replicas=ctx.settings.stream_replicas))
    register_rpc(
        router,
        SERVICE,
        {
            "list_units": partial(usecases.list_units, ctx),
            "unit_paths": partial(unitpaths.unit_paths, ctx),
            "submit": partial(usecases.submit, ctx, files=files),
            "get": partial(usecases.get_nomination, ctx),
            "list": partial(usecases.list_nominations, ctx),
            "update": partial(usecases.update, ctx, files=files),
            "resubmit": partial(usecases.resubmit, ctx, files=files),
            "attachment": partial(usecases.attachment, ctx),
            "document_requirements": partial(usecases.document_requirements, ctx),
            "withdraw": partial(usecases.withdraw, ctx),
            "reorganise": partial(usecases.reorganise, ctx),
            "create_campaign": partial(emulation.create_campaign, ctx),
            "list_campaigns": partial(emulation.list_campaigns, ctx),
            "get_campaign": partial(emulation.get_campaign, ctx),
            "register_pledge": partial(emulation.register_pledge, ctx),
            "decide_pledge": partial(emulation.decide_pledge, ctx),
            "list_pledges": partial(emulation.list_pledges, ctx),
            "create_cluster": partial(emulation.create_cluster, ctx),
            "list_clusters": partial(emulation.list_clusters, ctx),
            "record_cluster_vote": partial(emulation.record_cluster_vote, ctx),
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
        (
            REGISTRATION_FROM_AWARDS,
            {c.AwardGranted: react, c.AwardProposed: react, c.DecisionRevoked: partial(usecases.on_decision_revoked, ctx)},
        ),
    )
    for consumer, handlers in reactions:
        EventConsumer(
            broker, SERVICE, consumer, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry
        ).register(router)
