"""Awards' NATS entry points: final approvals from review, queries from the portal."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.awards import store
from services.awards.unitdirectory import UnitDirectory
from services.awards.usecases import catalog, decisions, documents, grassroots, issuing, reports, revocation
from services.awards.usecases.context import AwardsContext
from shared.contracts import events as c
from shared.contracts.subjects import AWARDS_FROM_REVIEW
from shared.platform.messaging import EventConsumer, register_rpc
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation
from shared.platform.service import ServiceContext

SERVICE = "awards"


def operations(ctx: ServiceContext, units: UnitDirectory) -> dict[str, RpcOperation]:
    """Every operation awards answers on `thidua.rpc.awards.<name>`."""
    awards = AwardsContext.of(ctx)
    return {
        "list_decisions": partial(decisions.list_decisions, awards),
        "get_decision": partial(decisions.get_decision, awards),
        "list_catalog": partial(catalog.list_catalog, awards),
        "revoke": partial(revocation.revoke, awards),
        "mark_recovered": partial(revocation.mark_recovered, awards),
        "decision_document": partial(documents.decision_document, awards, units),
        "report": partial(reports.report, awards),
        "record_grassroots": partial(grassroots.record_grassroots, awards, units),
        **outbox_operations(ctx, store.outbox),
    }


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(router, SERVICE, operations(ctx, UnitDirectory(broker)))
    awards = AwardsContext.of(ctx)
    EventConsumer(
        broker,
        SERVICE,
        AWARDS_FROM_REVIEW,
        {
            c.NominationApproved: partial(issuing.on_approved, awards),
            c.NominationsApproved: partial(issuing.on_batch_approved, awards),
        },
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
