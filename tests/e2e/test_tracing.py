"""One nomination followed across every service by its trace id: in NATS headers, in the JSON logs, at a collector.

The system runs as `make run` starts it, each service its own process, with OTEL_EXPORTER_OTLP_ENDPOINT
pointing at a small OTLP/HTTP receiver inside the test. The caller sends its own `traceparent` on the
HTTP requests that submit and decide the nomination, as a browser or gateway with tracing would.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import nats
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest, ExportTraceServiceResponse

from shared.contracts import subjects
from shared.platform.settings import SERVICES
from tests.e2e.conftest import PASSWORD, start_system
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e


class Collector(ThreadingHTTPServer):
    """Accepts OTLP/HTTP protobuf posts on /v1/traces and keeps (service.name, trace id, span name)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[tuple[str, str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def services_in(self, trace_id: str) -> set[str]:
        with self.lock:
            return {service for service, tid, _ in self.spans if tid == trace_id}


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        request = ExportTraceServiceRequest.FromString(body)
        received = []
        for resource_spans in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope in resource_spans.scope_spans:
                received += [(attributes.get("service.name", ""), span.trace_id.hex(), span.name) for span in scope.spans]
        with self.server.lock:
            self.server.spans += received
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def traced_system(tmp_path: Path, collector: Collector) -> Iterator[System]:
    for s in SERVICES:
        (tmp_path / s).mkdir()
    env = {"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "100"}
    yield from start_system(tmp_path, "sqlite", extra_env=env)


def traceparent(trace_id: str) -> str:
    return f"00-{trace_id}-{secrets.token_hex(8)}-01"


def call(client: PortalClient, user: str, path: str, trace_id: str, body: Any = None) -> Any:
    """POST through the portal's API with the caller's own trace context."""
    headers = {**client.auth(user), "traceparent": traceparent(trace_id)}
    response = client.http.post(path, json=body, headers=headers)
    assert response.status_code < 400, response.text
    return response.json()


async def events_of(nats_url: str, nomination_id: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The (subject, headers) of every event about the nomination, per stream."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        found: dict[str, list[tuple[str, dict[str, str]]]] = {}
        for stream in (subjects.REGISTRATION_STREAM, subjects.REVIEW_STREAM, subjects.AWARDS_STREAM):
            state = (await js.stream_info(stream.name)).state
            for seq in range(state.first_seq, state.last_seq + 1) if state.messages else ():
                msg = await js.get_msg(stream.name, seq)
                if (msg.headers or {}).get("Thidua-Correlation-Id") == nomination_id:
                    found.setdefault(stream.name, []).append((str(msg.subject), dict(msg.headers or {})))
        return found
    finally:
        await nc.close()


def json_log_lines(system: System, service: str) -> list[dict[str, Any]]:
    lines = []
    for line in (system.log_dir / f"{service}.log").read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_one_nomination_is_followed_from_the_portal_through_every_service_by_its_trace_id(
    traced_system: System, collector: Collector
) -> None:
    client = PortalClient(traced_system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ky.sontay"):
        client.login(user, PASSWORD)
    # the approver has new dossiers mailed: the bell's note then leaves an event for the notifier, in the same trace
    email_now = {"items": [{"kind": "new_in_queue", "delivery": "email_now"}]}
    client.put("ld.sontay", "/api/v1/me/notification-preferences", email_now)
    trace_id = secrets.token_hex(16)
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",  # final at the district: one decision, then awards
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Nguyễn Văn Theo Dõi"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }
    nomination = call(client, "cdcs.dst", "/api/v1/nominations", trace_id, body)
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    call(client, "ld.sontay", f"/api/v1/tasks/{task['id']}/claim", trace_id)
    meeting = {"held_on": "2026-03-02", "members": 9, "present": 9, "votes": [{"task_id": task["id"], "votes_for": 9}]}
    call(client, "ld.sontay", "/api/v1/council-meetings", trace_id, meeting)  # the district's council must pass it first
    call(client, "ld.sontay", f"/api/v1/tasks/{task['id']}/decision", trace_id, {"action": "approve", "comment": "Đồng ý"})
    client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "awaiting_signature", what="Chờ ký")
    [draft] = client.get("ky.sontay", "/api/v1/drafts", nomination_id=nomination["id"])["items"]
    signing_trace = secrets.token_hex(16)  # the Chủ tịch's signature is a request of its own: a trace of its own
    call(client, "ky.sontay", f"/api/v1/drafts/{draft['id']}/sign", signing_trace)
    client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "granted", what="granted")
    client.close()

    # 1. Every event about the nomination, in every stream, carries the trace of the request that caused it: the
    # submission's and the reviewers', up to the draft; the signing officer's for the decision.
    events = asyncio.run(events_of(traced_system.user_nats_url("admin"), nomination["id"]))
    assert {s for s, _ in events["REGISTRATION"]} >= {subjects.NOMINATION_SUBMITTED}
    assert {s for s, _ in events["REVIEW"]} >= {subjects.TASK_OPENED, subjects.NOMINATION_APPROVED}
    assert {s for s, _ in events["AWARDS"]} == {subjects.DECISION_DRAFTED, subjects.AWARD_GRANTED}
    for stream, published in events.items():
        for subject, headers in published:
            # a note (and its mail) belongs to the request that caused it: a step of review, or the signature
            expected = {
                subjects.AWARD_GRANTED: {signing_trace},
                subjects.NOTIFICATION_ISSUED: {trace_id, signing_trace},
            }.get(subject, {trace_id})
            assert headers["traceparent"].split("-")[1] in expected, (stream, subject, headers)

    # 2. The services' JSON logs name the nomination and the trace on the lines of its messages.
    for service in ("registration", "review", "awards"):
        lines = [line for line in json_log_lines(traced_system, service) if line.get("trace_id") == trace_id]
        assert lines, f"no log line of {service} in trace {trace_id}"
        assert {line["nomination_id"] for line in lines} == {nomination["id"]}
        assert all(line["service"] == service and line["instance"] and line["subject"] for line in lines)

    # 3. Spans of the one trace reach the collector from all four processes.
    deadline = time.monotonic() + 30
    wanted = {f"thidua-{s}" for s in SERVICES}
    approved_span = f"{subjects.NOMINATION_APPROVED} process"

    def span_names() -> set[str]:
        return {name for _, tid, name in collector.spans if tid == trace_id}

    # Each process exports in its own batches: wait for the last of them (awards handling the approval), not the first.
    while (collector.services_in(trace_id) != wanted or approved_span not in span_names()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert collector.services_in(trace_id) == wanted
    names = span_names()
    assert "POST /api/v1/nominations" in names
    assert f"{subjects.rpc_subject('registration', 'submit')} process" in names
    assert f"{subjects.NOMINATION_APPROVED} process" in names
