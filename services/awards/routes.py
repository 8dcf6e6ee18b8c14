"""Awards' NATS entry points: final approvals from review, queries from the portal."""

from __future__ import annotations

from functools import partial

from faststream.nats import NatsBroker, NatsRouter

from services.awards import store
from services.awards.unitdirectory import RpcUnitDirectory
from services.awards.usecases import (
    catalog,
    certificates,
    decisions,
    documents,
    forwarding,
    grassroots,
    issuing,
    outcomes,
    outgoing,
    reports,
    revocation,
    signers,
    signing,
)
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitDirectory
from shared.contracts import events as c
from shared.contracts.operations import awards as op
from shared.contracts.subjects import AWARDS_FROM_REVIEW
from shared.platform.messaging import EventConsumer, register_rpc
from shared.platform.outbox_ops import outbox_operations
from shared.platform.rpc import RpcOperation, implement, operations_of
from shared.platform.service import ServiceContext

SERVICE = op.SERVICE


def operations(ctx: ServiceContext, units: UnitDirectory) -> dict[str, RpcOperation]:
    """Every operation awards answers on `thidua.rpc.awards.<name>`."""
    awards = AwardsContext.of(ctx)
    return operations_of(
        SERVICE,
        implement(op.LIST_DECISIONS, partial(decisions.list_decisions, awards)),
        implement(op.GET_DECISION, partial(decisions.get_decision, awards)),
        implement(op.LIST_CATALOG, partial(catalog.list_catalog, awards, units)),
        implement(op.REVOKE, partial(revocation.revoke, awards)),
        implement(op.MARK_RECOVERED, partial(revocation.mark_recovered, awards)),
        implement(op.RECORD_STATE_OUTCOME, partial(outcomes.record_state_outcome, awards)),
        implement(op.DECISION_DOCUMENT, partial(documents.decision_document, awards, units)),
        implement(op.CERTIFICATES, partial(certificates.certificates, awards, units)),
        implement(op.REPORT, partial(reports.report, awards, units)),
        implement(op.RECORD_GRASSROOTS, partial(grassroots.record_grassroots, awards, units)),
        implement(op.LIST_SIGNERS, partial(signers.list_signers, awards)),
        implement(op.ADD_SIGNER, partial(signers.add_signer, awards)),
        implement(op.END_SIGNER_TERM, partial(signers.end_signer_term, awards)),
        implement(op.LIST_DRAFTS, partial(signing.list_drafts, awards)),
        implement(op.GET_DRAFT, partial(signing.get_draft, awards)),
        implement(op.SIGN_DRAFT, partial(signing.sign_draft, awards)),
        implement(op.SET_DRAFT_PRIZE, partial(signing.set_draft_prize, awards)),
        implement(op.OUTGOING_REGISTER, partial(outgoing.outgoing_register, awards)),
        implement(op.OUTGOING_WORKBOOK, partial(outgoing.outgoing_workbook, awards)),
        *outbox_operations(ctx, store.outbox).items(),
    )


def wire(router: NatsRouter, broker: NatsBroker, ctx: ServiceContext) -> None:
    register_rpc(router, SERVICE, operations(ctx, RpcUnitDirectory(broker, ctx.signer)), ctx.callers, ctx.idempotency, broker)
    awards = AwardsContext.of(ctx)
    EventConsumer(
        broker,
        SERVICE,
        AWARDS_FROM_REVIEW,
        {
            c.NominationApproved: partial(issuing.on_approved, awards),
            c.NominationsApproved: partial(issuing.on_batch_approved, awards),
            c.ProposalForwarded: partial(forwarding.on_forwarded, awards),
        },
        max_attempts=ctx.settings.max_attempts,
        registry=ctx.registry,
    ).register(router)
