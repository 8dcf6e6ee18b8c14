"""Registration's NATS entry points: RPC from the portal, events from review and awards."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from faststream.nats import NatsBroker, NatsRouter
from nats.js import JetStreamContext

from services.registration import store
from services.registration.attachments import DossierFiles
from services.registration.usecases import (
    dossier,
    emulation,
    nominations,
    opsview,
    people,
    reactions,
    reorganisation,
    units,
)
from services.registration.usecases.context import RegistrationContext
from services.registration.usecases.reorganisation import require_admin
from shared.contracts import events as c
from shared.contracts.operations import registration as ops
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, ConsumerDef
from shared.platform.messaging import EventConsumer, EventHandler, register_rpc
from shared.platform.objectstore import Buckets
from shared.platform.observability import require_operations
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation, implement, operations_of
from shared.platform.service import ServiceContext

SERVICE = ops.SERVICE


def operations(ctx: ServiceContext, files: DossierFiles | None = None) -> dict[str, RpcOperation]:
    """Registration's RPC table: each declared operation bound to its use case, and the outbox's."""
    app = RegistrationContext.of(ctx, files)
    return {
        **operations_of(
            SERVICE,
            implement(ops.LIST_UNITS, partial(units.list_units, app)),
            implement(ops.UNIT_PATHS, partial(units.unit_paths, app)),
            implement(ops.UNIT_ROOT, partial(units.unit_root, app)),
            implement(ops.REORGANISE, partial(reorganisation.reorganise, app), caller_check=require_admin),
            implement(ops.SUBMIT, partial(nominations.submit, app)),
            implement(ops.GET_NOMINATION, partial(nominations.get_nomination, app)),
            implement(ops.LIST_NOMINATIONS, partial(nominations.list_nominations, app)),
            implement(ops.UPDATE, partial(nominations.update, app)),
            implement(ops.RESUBMIT, partial(nominations.resubmit, app)),
            implement(ops.WITHDRAW, partial(nominations.withdraw, app)),
            implement(ops.ATTACHMENT, partial(dossier.attachment, app)),
            implement(ops.DOCUMENT_REQUIREMENTS, partial(dossier.document_requirements, app)),
            implement(ops.CREATE_CAMPAIGN, partial(emulation.create_campaign, app)),
            implement(ops.LIST_CAMPAIGNS, partial(emulation.list_campaigns, app)),
            implement(ops.GET_CAMPAIGN, partial(emulation.get_campaign, app)),
            implement(ops.REGISTER_PLEDGE, partial(emulation.register_pledge, app)),
            implement(ops.DECIDE_PLEDGE, partial(emulation.decide_pledge, app)),
            implement(ops.LIST_PLEDGES, partial(emulation.list_pledges, app)),
            implement(ops.CREATE_CLUSTER, partial(emulation.create_cluster, app)),
            implement(ops.LIST_CLUSTERS, partial(emulation.list_clusters, app)),
            implement(ops.RECORD_CLUSTER_VOTE, partial(emulation.record_cluster_vote, app)),
            implement(ops.LIST_PEOPLE, partial(people.list_people, app)),
            implement(ops.GET_PERSON, partial(people.get_person, app)),
            implement(ops.CREATE_PERSON, partial(people.create_person, app)),
            implement(ops.UPDATE_PERSON, partial(people.update_person, app)),
            implement(ops.TRANSFER_PERSON, partial(people.transfer_person, app)),
            implement(ops.IMPORT_PEOPLE, partial(people.import_people, app)),
            implement(ops.OPS_PIPELINE, partial(opsview.ops_pipeline, app), caller_check=require_operations),
            implement(ops.OPS_STUCK, partial(opsview.stuck_nominations, app), caller_check=require_operations),
        ),
        **outbox_operations(ctx, store.outbox),
    }


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    def jetstream() -> JetStreamContext:  # the broker connects at start-up, after this is wired
        return broker.connection.jetstream()

    files = DossierFiles(Buckets(jetstream, replicas=ctx.settings.stream_replicas))
    register_rpc(router, SERVICE, operations(ctx, files), ctx.callers, ctx.idempotency, broker)
    app = RegistrationContext.of(ctx, files)
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
            {
                c.DecisionDrafted: react,
                c.AwardGranted: react,
                c.AwardProposed: react,
                c.StateOutcomeRecorded: react,
                c.DecisionRevoked: partial(reactions.on_decision_revoked, app),
                c.ProposalSigned: partial(reactions.on_proposal_signed, app),
            },
        ),
    )
    for consumer, handlers in consumers:
        EventConsumer(
            broker, SERVICE, consumer, handlers, max_attempts=ctx.settings.max_attempts, registry=ctx.registry
        ).register(router)
