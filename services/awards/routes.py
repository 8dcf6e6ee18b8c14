"""Awards' NATS entry points: final approvals from review, queries from the portal."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.awards import grassroots, reports, store, usecases
from services.awards.unitdirectory import UnitDirectory
from shared.contracts import events as c
from shared.contracts.subjects import AWARDS_FROM_REVIEW
from shared.platform.messaging import EventConsumer, register_rpc
from shared.platform.outbox_ops import outbox_operations
from shared.platform.service import ServiceContext

SERVICE = "awards"


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(
        router,
        SERVICE,
        {
            "list_decisions": partial(usecases.list_decisions, ctx),
            "get_decision": partial(usecases.get_decision, ctx),
            "list_catalog": partial(usecases.list_catalog, ctx),
            "revoke": partial(usecases.revoke, ctx),
            "mark_recovered": partial(usecases.mark_recovered, ctx),
            "decision_document": partial(usecases.decision_document, ctx),
            "report": partial(reports.report, ctx),
            "record_grassroots": partial(grassroots.record_grassroots, ctx, UnitDirectory(broker)),
            **outbox_operations(ctx, store.outbox),
        },
    )
    EventConsumer(
        broker,
        SERVICE,
        AWARDS_FROM_REVIEW,
        {
            c.NominationApproved: partial(usecases.on_approved, ctx),
            c.NominationsApproved: partial(usecases.on_batch_approved, ctx),
        },
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
