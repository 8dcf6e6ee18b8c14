"""Tracing: always a provider (trace ids in the logs), an exporter only when an endpoint is configured."""

from __future__ import annotations

import time

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared.platform.tracing import continued_from, current_trace_ids, exporter_configured, make_tracer_provider, trace_headers

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def processors(provider: TracerProvider) -> list[object]:
    return list(provider._active_span_processor._span_processors)


def test_without_an_endpoint_spans_are_made_but_exported_nowhere() -> None:
    provider = make_tracer_provider("review", "host-1", environ={})
    assert processors(provider) == []
    with provider.get_tracer("t").start_as_current_span("x"):
        assert current_trace_ids() is not None  # the logs still get a trace id
    assert provider.resource.attributes["service.name"] == "thidua-review"
    assert provider.resource.attributes["service.instance.id"] == "host-1"


def test_an_endpoint_adds_a_batch_otlp_exporter() -> None:
    for variable in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        environ = {variable: "http://127.0.0.1:9/"}  # nothing listens there: building and shutting down must not fail
        assert exporter_configured(environ)
        provider = make_tracer_provider("awards", "h", environ=environ)
        [processor] = processors(provider)
        assert isinstance(processor, BatchSpanProcessor)
        assert type(processor._batch_processor._exporter).__name__ == "OTLPSpanExporter"
        provider.shutdown()
    assert not exporter_configured({"OTEL_EXPORTER_OTLP_ENDPOINT": "  "})


def test_an_unreachable_collector_neither_fails_a_span_nor_holds_up_shutdown() -> None:
    provider = make_tracer_provider("awards", "h", environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9/"})
    tracer = provider.get_tracer("t")
    started = time.monotonic()
    for _ in range(20):
        with tracer.start_as_current_span("decide"):
            pass
    assert time.monotonic() - started < 0.5  # export happens in the processor's thread
    started = time.monotonic()
    provider.shutdown()  # flushes: the refused export gives up within the short export timeout
    assert time.monotonic() - started < 5


def test_trace_headers_carry_the_current_span_and_nothing_outside_one() -> None:
    exporter = InMemorySpanExporter()
    provider = make_tracer_provider("registration", "h", environ={}, processors=[SimpleSpanProcessor(exporter)])
    assert trace_headers() == {}
    with provider.get_tracer("t").start_as_current_span("submit") as span:
        headers = trace_headers()
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert headers["traceparent"].split("-")[1] == trace_id
    [finished] = exporter.get_finished_spans()
    assert finished.resource.attributes["service.name"] == "thidua-registration"


def test_a_span_started_in_the_context_of_stored_headers_joins_their_trace() -> None:
    exporter = InMemorySpanExporter()
    tracer = make_tracer_provider("registration", "h", environ={}, processors=[SimpleSpanProcessor(exporter)]).get_tracer("t")
    with continued_from({"traceparent": TRACEPARENT}), tracer.start_as_current_span("publish"):
        pass
    assert current_trace_ids() is None  # the stored context is left behind after the block
    [span] = exporter.get_finished_spans()
    assert span.context is not None
    assert span.parent is not None
    assert format(span.context.trace_id, "032x") == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert format(span.parent.span_id, "016x") == "00f067aa0ba902b7"
    with continued_from({}), tracer.start_as_current_span("root") as root:  # no stored context: a new trace
        assert format(root.get_span_context().trace_id, "032x") != "4bf92f3577b34da6a3ce929d0e0e4736"
