"""Registration's NATS entry points: RPC from the portal, events from review and awards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext

from services.registration import store
from services.registration.attachments import DossierFiles
from services.registration.usecases import dossier, emulation, nominations, opsview, reactions, reorganisation, units
from services.registration.usecases.context import Context
from shared.contracts import events as c
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, ConsumerDef
from shared.platform.messaging import EventConsumer, EventHandler, register_rpc
from shared.platform.objectstore import Buckets
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation
from shared.platform.service import ServiceContext

SERVICE = "registration"


def operations(ctx: ServiceContext, files: DossierFiles | None = None) -> dict[str, RpcOperation]:
    """Registration's RPC table: each operation bound to its use case."""
    app = Context.of(ctx, files)
    return {
        "list_units": partial(units.list_units, app),
        "unit_paths": partial(units.unit_paths, app),
        "submit": partial(nominations.submit, app),
        "get": partial(nominations.get_nomination, app),
        "list": partial(nominations.list_nominations, app),
        "update": partial(nominations.update, app),
        "resubmit": partial(nominations.resubmit, app),
        "attachment": partial(dossier.attachment, app),
        "document_requirements": partial(dossier.document_requirements, app),
        "withdraw": partial(nominations.withdraw, app),
        "reorganise": partial(reorganisation.reorganise, app),
        "create_campaign": partial(emulation.create_campaign, app),
        "list_campaigns": partial(emulation.list_campaigns, app),
        "get_campaign": partial(emulation.get_campaign, app),
        "register_pledge": partial(emulation.register_pledge, app),
        "decide_pledge": partial(emulation.decide_pledge, app),
        "list_pledges": partial(emulation.list_pledges, app),
        "create_cluster": partial(emulation.create_cluster, app),
        "list_clusters": partial(emulation.list_clusters, app),
        "record_cluster_vote": partial(emulation.record_cluster_vote, app),
        "ops_pipeline": partial(opsview.ops_pipeline, app),
        "ops_stuck": partial(opsview.stuck_nominations, app),
        **outbox_operations(ctx, store.outbox),
    }


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    def jetstream() -> JetStreamContext:  # the broker connects at start-up, after this is wired
        return broker.connection.jetstream()

    files = DossierFiles(Buckets(jetstream, replicas=ctx.settings.stream_replicas))
    register_rpc(router, SERVICE, operations(ctx, files))
    app = Context.of(ctx, files)
    react = partial(reactions.on_review_event, app)
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
    from_review[c.NominationsApproved] = partial(reactions.on_nominations_approved, app)
    consumers: tuple[tuple[ConsumerDef, Mapping[type[c.Event], EventHandler]], ...] = (
        (REGISTRATION_FROM_REVIEW, from_review),
        (
            REGISTRATION_FROM_AWARDS,
            {c.AwardGranted: react, c.AwardProposed: react, c.DecisionRevoked: partial(reactions.on_decision_revoked, app)},
        ),
    )
    for consumer, handlers in consumers:
        EventConsumer(
            broker, SERVICE, consumer, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry
        ).register(router)
