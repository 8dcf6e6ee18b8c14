from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from shared.platform.logs import FieldsFormatter, JsonFormatter, configure, context_fields, log_context, logged_in_message_context
from shared.platform.settings import ServiceSettings


def test_structured_fields_given_in_extra_appear_on_the_log_line() -> None:
    record = logging.LogRecord("thidua.messaging", logging.WARNING, __file__, 1, "event.handler_failed", None, None)
    record.subject = "thidua.review.task_opened"
    record.delivery = 2
    line = FieldsFormatter("%(levelname)s %(message)s").format(record)
    assert line == "WARNING event.handler_failed subject=thidua.review.task_opened delivery=2"


def test_a_plain_record_stays_plain() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "service.started", None, None)
    assert FieldsFormatter("%(message)s").format(record) == "service.started"


def record(message: str = "event.handled", level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("thidua.messaging", level, __file__, 1, message, None, None)
    rec.__dict__.update(extra)
    return rec


def test_a_json_line_has_time_level_logger_message_service_and_instance() -> None:
    line = JsonFormatter("review", "host-1").format(record())
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "INFO"
    assert entry["logger"] == "thidua.messaging"
    assert entry["message"] == "event.handled"
    assert entry["service"] == "review"
    assert entry["instance"] == "host-1"
    assert entry["time"].endswith("Z")
    assert datetime.fromisoformat(entry["time"]).utcoffset() == timedelta(0)
    assert "trace_id" not in entry  # outside a span there is none


def test_structured_extra_fields_are_json_fields() -> None:
    entry = json.loads(JsonFormatter("review").format(record(subject="thidua.review.task_opened", delivery=2)))
    assert entry["subject"] == "thidua.review.task_opened"
    assert entry["delivery"] == 2


def test_an_exception_is_one_string_field() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        rec = record("rpc.failed", logging.ERROR, exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(rec))
    assert entry["exception"].startswith("Traceback")
    assert "ValueError: bad" in entry["exception"]


def test_the_bound_message_context_and_the_current_span_appear_on_every_line() -> None:
    tracer = TracerProvider().get_tracer("test")
    subject = "thidua.registration.nomination_submitted"
    with log_context(subject=subject, nomination_id="n-1"), tracer.start_as_current_span("x") as span:
        entry = json.loads(JsonFormatter("review").format(record()))
        text = FieldsFormatter("%(message)s").format(record())
    ids = span.get_span_context()
    assert entry["subject"] == subject
    assert entry["nomination_id"] == "n-1"
    assert entry["trace_id"] == format(ids.trace_id, "032x")
    assert entry["span_id"] == format(ids.span_id, "016x")
    assert (
        text == f"event.handled subject=thidua.registration.nomination_submitted nomination_id=n-1 trace_id={entry['trace_id']}"
    )
    assert "nomination_id" not in json.loads(JsonFormatter().format(record()))  # unbound after the block


def test_a_field_given_in_extra_wins_over_the_bound_one() -> None:
    with log_context(subject="outer", nomination_id=None):
        entry = json.loads(JsonFormatter().format(record(subject="inner")))
    assert entry["subject"] == "inner"
    assert "nomination_id" not in entry


class FakeMsg:
    def __init__(self, subject: str, headers: dict[str, str], body: bytes) -> None:
        self.raw_message = SimpleNamespace(subject=subject)
        self.headers = headers
        self.body = body


class Consumer:
    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []

    @logged_in_message_context
    async def handle(self, msg: Any) -> None:
        self.seen.append(context_fields())


@pytest.mark.asyncio
async def test_a_consumer_handles_each_message_with_its_subject_and_nomination_id_bound(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="thidua.consumer")
    consumer = Consumer()
    await consumer.handle(FakeMsg("thidua.review.task_opened", {"Thidua-Correlation-Id": "n-7"}, b"{}"))
    await consumer.handle(FakeMsg("thidua.review.task_opened", {}, b'{"correlation_id": "n-8"}'))
    await consumer.handle(FakeMsg("thidua.review.task_opened", {}, b"not json"))
    assert [s.get("nomination_id") for s in consumer.seen] == ["n-7", "n-8", None]
    assert {s["subject"] for s in consumer.seen} == {"thidua.review.task_opened"}
    assert context_fields() == {}
    processed = [r for r in caplog.records if r.message == "event.processed"]
    assert len(processed) == 3
    assert json.loads(JsonFormatter().format(processed[0]))["duration_ms"] >= 0


def test_json_is_the_default_for_services_and_text_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THIDUA_LOG_FORMAT", raising=False)
    assert ServiceSettings().log_format == "json"
    monkeypatch.setenv("THIDUA_LOG_FORMAT", "text")
    assert ServiceSettings().log_format == "text"


def test_configure_json_sends_faststreams_own_lines_through_the_json_handler() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    faststream_logger = logging.getLogger("faststream")
    saved_fs = (faststream_logger.handlers[:], faststream_logger.propagate)
    try:
        configure("INFO", "awards", instance="i-1", fmt="json")
        assert isinstance(root.handlers[0].formatter, JsonFormatter)
        assert faststream_logger.propagate
        assert not faststream_logger.handlers
        configure("INFO", "awards", fmt="text")
        assert isinstance(root.handlers[0].formatter, FieldsFormatter)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        faststream_logger.handlers[:], faststream_logger.propagate = saved_fs
