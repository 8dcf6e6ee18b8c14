"""OpenTelemetry for every process: one tracer provider, W3C trace context in NATS headers.

Every process installs an SDK tracer provider, so spans (and the trace ids in the logs) exist even
when nothing collects them. Spans leave the process only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: a batch processor in its own thread posts them over
OTLP/HTTP, and an unreachable collector costs a warning in the log, never a failed request.

FastStream's `NatsTelemetryMiddleware` on each broker gives RPC requests and consumed events their
spans and writes `traceparent` into the headers it publishes. The outbox carries the context across
its gap: `enqueue` stores the current `traceparent` with the row (`trace_headers`), and the relay
publishes the row inside that context again (`continued_from`), so the next service joins the trace.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
TIMEOUT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT")
# The exporter's own default (10 s of retries) would hold up a stopping service whose collector is down.
DEFAULT_EXPORT_TIMEOUT_SECONDS = 3.0


def exporter_configured(environ: Mapping[str, str] = os.environ) -> bool:
    return any(environ.get(name, "").strip() for name in ENDPOINT_VARIABLES)


def make_tracer_provider(
    service: str, instance: str, *, environ: Mapping[str, str] = os.environ, processors: Sequence[SpanProcessor] = ()
) -> TracerProvider:
    """A provider named `thidua-<service>`; it exports over OTLP/HTTP only when an endpoint is configured."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"thidua-{service}", "service.instance.id": instance}))
    if exporter_configured(environ):
        # Imported here: the exporter pulls in requests and protobuf, which a process without a collector does not need.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(timeout=_export_timeout(environ))))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def _export_timeout(environ: Mapping[str, str]) -> float | None:
    """None lets the exporter read the standard variables; otherwise a short default."""
    return None if any(environ.get(name, "").strip() for name in TIMEOUT_VARIABLES) else DEFAULT_EXPORT_TIMEOUT_SECONDS


def configure_tracing(service: str, instance: str) -> TracerProvider:
    """Install this process's tracer provider (once per process: OpenTelemetry refuses to replace it)."""
    provider = make_tracer_provider(service, instance)
    trace.set_tracer_provider(provider)
    return provider


def trace_headers() -> dict[str, str]:
    """The current trace context as message headers (`traceparent`, `tracestate`); empty outside a span."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextmanager
def continued_from(headers: Mapping[str, str]) -> Iterator[None]:
    """Run the block in the trace context the headers carry (none: the current context, unchanged)."""
    token = context.attach(propagate.extract(headers))
    try:
        yield
    finally:
        context.detach(token)


def current_trace_ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the current span as 32 and 16 hex digits, or None outside a span."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
