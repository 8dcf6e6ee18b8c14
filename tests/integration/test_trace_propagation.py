"""Trace context across the outbox, against a real nats-server.

The relay publishes long after the request that wrote the row, from its own task. The row keeps the
request's `traceparent`; the relay publishes inside that context, so FastStream's telemetry middleware
(which writes a fresh `traceparent` on every publish) keeps the trace id, and the consumer in the next
service handles the event in the same trace, with the nomination id on its log lines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import pytest_asyncio
from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.js import JetStreamContext
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.registration import routes as registration_routes
from services.registration import store
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts import subjects
from shared.contracts.events import Event, NominationResubmitted, NominationSubmitted, NominationWithdrawn, UnitsReorganised
from shared.contracts.subjects import REVIEW_FROM_REGISTRATION
from shared.platform.logs import context_fields
from shared.platform.messaging import EventConsumer, make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.platform.tracing import make_tracer_provider
from shared.rules import reference
from tests.integration.conftest import SUBMITTER, eventually, stream_messages
from tests.integration.test_outbox_relay import draft  # type: ignore[attr-defined]

STREAM = subjects.REGISTRATION_STREAM.name


async def ignored(event: Event) -> None:
    return None


def trace_id_of(traceparent: str) -> str:
    return traceparent.split("-")[1]


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(spans: InMemorySpanExporter) -> TracerProvider:
    return make_tracer_provider("registration", "test", environ={}, processors=[SimpleSpanProcessor(spans)])


@pytest_asyncio.fixture
async def registration(service_context: Callable[..., Any]) -> ServiceContext:
    ctx: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    return ctx


def traced_broker(nats_url: str, service: str, provider: TracerProvider) -> NatsBroker:
    return make_broker(nats_url, service, middlewares=(NatsTelemetryMiddleware(tracer_provider=provider),))


async def submit_in_a_request_span(ctx: ServiceContext, provider: TracerProvider) -> tuple[str, str]:
    """(nomination id, trace id) of a submission made inside a span, as the portal's RPC would be."""
    with provider.get_tracer("test").start_as_current_span("POST /api/v1/nominations") as request:
        nomination = await registration_routes.operations(ctx)["submit"](SUBMITTER, draft())
    return nomination["id"], format(request.get_span_context().trace_id, "032x")


@pytest.mark.asyncio
async def test_the_relay_publishes_an_event_in_the_trace_of_the_request_that_wrote_it(
    registration: ServiceContext, provider: TracerProvider, spans: InMemorySpanExporter, clean_nats: str, js: JetStreamContext
) -> None:
    await ensure_topology(clean_nats, ())
    nomination_id, trace_id = await submit_in_a_request_span(registration, provider)
    broker = traced_broker(clean_nats, "registration", provider)
    await broker.start()
    try:

        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(broker, subject, payload, headers)

        # Published later, from outside the request's span, as the relay's task does.
        assert await OutboxRelay(registration.engine, store.outbox, publish, registration.clock).publish_batch() == 1
    finally:
        await broker.stop()

    [msg] = await stream_messages(js, STREAM)
    assert msg.headers["Thidua-Correlation-Id"] == nomination_id
    assert trace_id_of(msg.headers["traceparent"]) == trace_id
    publish_spans = [s for s in spans.get_finished_spans() if s.name == f"{subjects.NOMINATION_SUBMITTED} publish"]
    assert [format(s.context.trace_id, "032x") for s in publish_spans if s.context] == [trace_id]


@pytest.mark.asyncio
async def test_the_consumer_in_the_next_service_continues_the_trace_with_the_nomination_on_its_log_lines(
    registration: ServiceContext, provider: TracerProvider, spans: InMemorySpanExporter, clean_nats: str
) -> None:
    await ensure_topology(clean_nats, (REVIEW_FROM_REGISTRATION,))
    nomination_id, trace_id = await submit_in_a_request_span(registration, provider)
    seen: list[dict[str, str]] = []

    async def on_submitted(event: NominationSubmitted) -> None:
        seen.append(context_fields())

    publisher = traced_broker(clean_nats, "registration", provider)
    consumer_broker = traced_broker(clean_nats, "review", provider)
    router = NatsRouter()
    # review's durable; only the submission matters here, the other events it takes are never published
    others: tuple[type[Event], ...] = (NominationResubmitted, NominationWithdrawn, UnitsReorganised)
    handlers: dict[type[Event], Callable[[Any], Awaitable[None]]] = dict.fromkeys(others, ignored)
    EventConsumer(consumer_broker, "review", REVIEW_FROM_REGISTRATION, {**handlers, NominationSubmitted: on_submitted}).register(
        router
    )
    consumer_broker.include_router(router)
    await publisher.start()
    await consumer_broker.start()
    try:

        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(publisher, subject, payload, headers)

        await OutboxRelay(registration.engine, store.outbox, publish, registration.clock).publish_batch()

        async def handled() -> int:
            return len(seen)

        await eventually(handled, lambda n: n == 1)
    finally:
        await consumer_broker.stop()
        await publisher.stop()

    [fields] = seen
    assert fields["trace_id"] == trace_id
    assert fields["nomination_id"] == nomination_id
    assert fields["subject"] == subjects.NOMINATION_SUBMITTED
    process = [s for s in spans.get_finished_spans() if s.name == f"{subjects.NOMINATION_SUBMITTED} process"]
    assert [format(s.context.trace_id, "032x") for s in process if s.context] == [trace_id]
