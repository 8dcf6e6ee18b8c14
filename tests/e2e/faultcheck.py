"""What the fault-injection tests share: a client that records every answer, commands retried safely through an
outage, the approval flow, probes of readiness, dead letters, durables and outboxes, and the per-batch checks.

Used by test_database_outage.py (the compound case) and test_faults.py (one system, the scenarios in sequence).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import nats

from shared.contracts import subjects
from shared.contracts.paging import QUEUE_PAGE_MAX
from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.conftest import DOCUMENTS_OPTIONAL
from tests.e2e.conftest import through_outages
from thidua.client import ApiError, PortalClient
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

PROBLEM = "application/problem+json"
BACKENDS = ("registration", "review", "awards")  # the pipeline's services
DATABASES = (*BACKENDS, "notifier")  # every service with a database of its own on the cluster a fault kills
DISTRICT_AWARD = "giay_khen_ldld_huyen"  # decided by the district (HN-SONTAY)
CITY_AWARD = "cong_nhan_gioi_thu_do"  # forwarded to the city (HN), decided there
# The 503 codes an outage may give: the dependency is down, a command's outcome is unknown (no reply in time), or a
# command committed just before the database went and its result could not be read back (a retry with the same
# Idempotency-Key gets that result once the database is back).
UNAVAILABLE_CODES = frozenset({"service_unavailable", "outcome_unknown", "result_not_read"})
# A retried command (same Idempotency-Key) whose first attempt committed, or is still being answered.
RETRY_CONFLICTS = frozenset({"already_done", "request_in_progress"})


@dataclass
class Answer:
    method: str
    path: str
    status: int
    content_type: str
    retry_after: str | None
    code: str | None
    title: str | None
    phase: str


@dataclass
class Observations:
    """Everything the portal and the services answered while the test ran, by phase of the fault."""

    answers: list[Answer] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    readiness: dict[str, list[tuple[str, int, str]]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    console: list[tuple[str, int, str, str | None, str]] = field(default_factory=list)
    phase: str = "before"
    awards_backlog: int = 0
    backlog: int = 0  # what the faulty service's durables held for it when the fault ended
    killed_at: float = 0.0
    portal_restarted_at: float = 0.0
    portal_ready_at: float = 0.0
    restarted_at: float = 0.0
    ready_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, response: httpx.Response) -> None:
        problem: dict[str, Any] = {}
        if response.headers.get("content-type", "").startswith(("application/json", PROBLEM)) and response.status_code >= 400:
            problem = response.json()
        with self.lock:
            self.answers.append(
                Answer(
                    method=response.request.method,
                    path=response.request.url.path,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    retry_after=response.headers.get("retry-after"),
                    code=problem.get("code"),
                    title=problem.get("title"),
                    phase=self.phase,
                )
            )

    def errors(self) -> list[Answer]:
        return [a for a in self.answers if a.status >= 400]

    def server_errors(self) -> Counter[int]:
        return Counter(a.status for a in self.answers if a.status >= 500)


class RecordingClient(PortalClient):
    """The API client of the e2e tests, recording every answer and every connection dropped without one."""

    def __init__(self, base_url: str, seen: Observations) -> None:
        super().__init__(base_url)
        self.seen = seen
        self.http.event_hooks["response"].append(self._record)

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.seen.record(response)

    def _call(self, method: str, path: str, user: str | None, *, idempotency_key: str | None = None, **kwargs: Any) -> Any:
        try:
            return super()._call(method, path, user, idempotency_key=idempotency_key, **kwargs)
        except httpx.TransportError as exc:  # no HTTP answer at all
            with self.seen.lock:
                self.seen.dropped.append(f"{method} {path}: {exc!r}")
            raise


def persist(call: Callable[[], Any]) -> Any:
    """A read through the fault: 503s and connections closed without an answer (those are counted, asserted none)."""
    return through_outages(call, timeout=120.0, pause=0.2, dropped_too=True)


def command(client: PortalClient, user: str, path: str, body: Any = None, *, timeout: float = 120.0) -> Any:
    """A state-changing call through the fault, retried the safe way: every attempt carries the same Idempotency-Key,
    so a repeat gets the first attempt's outcome. None when the first attempt committed but its reply was lost."""
    key = str(uuid.uuid4())
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.post(user, path, body, idempotency_key=key)
        except ApiError as exc:
            code = exc.problem.get("code")
            retry = exc.status == 503 or (exc.status == 409 and code == "request_in_progress")
            if retry and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            if exc.status == 409 and code == "already_done":
                return None
            raise
        except httpx.TransportError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


def approve_everything(client: PortalClient, user: str, unit: str, expected: int, after: Callable[[int], None]) -> None:
    """Vote, claim and approve every task that reaches the unit's queue until `expected` were decided."""
    decided = 0
    deadline = time.monotonic() + 240
    while decided < expected:
        assert time.monotonic() < deadline, f"only {decided}/{expected} tasks reached {unit}"
        page = persist(lambda: client.get(user, f"/api/v1/queues/{unit}/tasks", state="open", limit=QUEUE_PAGE_MAX))
        if not page["items"]:
            time.sleep(0.1)
            continue
        for task in page["items"]:
            meeting = {"held_on": "2026-03-02", "members": 9, "present": 9, "votes": [{"task_id": task["id"], "votes_for": 9}]}
            command(client, user, "/api/v1/council-meetings", meeting)
            command(client, user, f"/api/v1/tasks/{task['id']}/claim")
            command(client, user, f"/api/v1/tasks/{task['id']}/decision", {"action": "approve", "comment": "Đồng ý"})
            decided += 1
            after(decided)


def submit_batch(client: PortalClient, label: str, count: int, city_share: int) -> list[str]:
    """`count` nominations from the grassroots union HN-SONTAY-DST; every `city_share`-th goes on to the city."""
    ids = []
    for i in range(count):
        body = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": CITY_AWARD if i % city_share else DISTRICT_AWARD,
            "period": "2026",
            "nominee": {"kind": "individual", "name": f"Người lao động {label} số {i:03d}"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm, tích cực trong phong trào thi đua.",
        }
        submitted = command(client, "cdcs.dst", "/api/v1/nominations", body)
        assert submitted is not None, "a submission's first reply was lost before the fault"
        ids.append(submitted["id"])
    return ids


def port_of(system: System, name: str) -> int:
    """The HTTP port of a process of the system: a service, or a replica such as "review-2"."""
    return system.replica_ports.get(name) or system.config.http_ports[name]


def readyz(system: System, service: str, timeout: float = 10.0) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"http://127.0.0.1:{port_of(system, service)}/readyz", timeout=timeout)
    return response.status_code, response.json()


def running(system: System) -> list[str]:
    """Every service process of the system still alive, replicas included (not the demo mail sink: it has no /readyz)."""
    served = {*system.config.http_ports, *system.replica_ports}
    return [name for name, process in system.processes.items() if process.poll() is None and name in served]


def wait_ready(system: System, names: Iterable[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for name in names:
        while True:
            try:
                if readyz(system, name, timeout=2.0)[0] == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{name} did not become ready again by itself"
            time.sleep(0.2)


def dead_letter_count(nats_url: str) -> int:
    async def count() -> int:
        nc = await nats.connect(nats_url)
        try:
            info = await nc.jetstream().stream_info(subjects.DEADLETTER_STREAM.name)
            return int(info.state.messages)
        finally:
            await nc.close()

    return asyncio.run(count())


def undelivered(nats_url: str) -> dict[str, int]:
    """Messages every durable has yet to be given or to acknowledge (all zero: the pipeline is drained)."""

    async def read() -> dict[str, int]:
        nc = await nats.connect(nats_url)
        try:
            js = nc.jetstream()
            found = {}
            for c in subjects.CONSUMERS:
                info = await js.consumer_info(c.stream.name, c.durable)
                found[c.durable] = int(info.num_pending or 0) + int(info.num_ack_pending or 0)
            return found
        finally:
            await nc.close()

    return asyncio.run(read())


def backlog_of(nats_url: str, service: str) -> int:
    """Messages the service's own durables (named after it) have yet to give it or to see acknowledged."""
    return sum(n for durable, n in undelivered(nats_url).items() if durable.startswith(f"{service}-"))


def outboxes_pending(system: System, names: Iterable[str] = SERVICES) -> dict[str, int]:
    return {name: int(readyz(system, name)[1].get("outbox_pending", -1)) for name in names}


def transient_retries(system: System, service: str) -> float:
    """Deliveries the service's consumers naked because a dependency was down (thidua_event_retries_total)."""
    text = httpx.get(f"http://127.0.0.1:{port_of(system, service)}/metrics", timeout=10.0).text
    samples = [line for line in text.splitlines() if line.startswith("thidua_event_retries_total{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in samples if 'fault="transient"' in line)


def wait_drained(system: System, deadline: float) -> None:
    """Every durable has nothing left to give or to be acknowledged, and every live process's outbox is empty."""
    admin = system.user_nats_url("admin")
    while any(undelivered(admin).values()) or any(outboxes_pending(system, running(system)).values()):
        assert time.monotonic() < deadline, (
            f"not drained: {undelivered(admin)}, outboxes {outboxes_pending(system, running(system))}"
        )
        time.sleep(0.2)


# The Chủ tịch of each issuing unit of the batches, who signs its drafts (services/awards/demo_signers.toml).
SIGNERS = {"HN-SONTAY": "ky.sontay", "HN": "ky.hanoi"}


def sign_waiting(client: PortalClient) -> None:
    """Each issuer's Chủ tịch signs every draft waiting for them, as at "Văn bản chờ ký" (a draft signed twice, by a
    retry, is answered with what it became)."""
    for unit, signer in SIGNERS.items():
        waiting: list[dict[str, Any]] = persist(partial(_every_draft, client, signer, unit))
        for draft in waiting:
            command(client, signer, f"/api/v1/drafts/{draft['id']}/sign")


def _every_draft(client: PortalClient, signer: str, unit: str) -> list[dict[str, Any]]:
    return list(client.every(signer, "/api/v1/drafts", issuer=unit))


def wait_granted(client: PortalClient, ids: list[str], deadline: float) -> None:
    """Sign what waits, until every nomination is granted."""
    pending = set(ids)
    while pending:
        assert time.monotonic() < deadline, f"{len(pending)} of {len(ids)} nominations never granted"
        sign_waiting(client)
        for nomination_id in sorted(pending):
            if persist(partial(client.nomination, "cdcs.dst", nomination_id))["status"] == "granted":
                pending.discard(nomination_id)
        time.sleep(0.2)


def decisions_of(client: PortalClient, user: str, issuer: str) -> list[dict[str, Any]]:
    """Every decision the issuer made, page after page by the list's cursor."""
    return list(persist(lambda: list(client.every(user, "/api/v1/decisions", issuer=issuer))))


@dataclass
class BatchOutcome:
    """What became of one batch of nominations: each wrong one with why."""

    lost: dict[str, str] = field(default_factory=dict)  # not granted, or a step missing from its timeline
    duplicated: dict[str, str] = field(default_factory=dict)  # more than one decision, or a step recorded twice
    numbers: dict[str, list[int]] = field(default_factory=dict)  # every decision number of each issuer, sorted


def batch_outcome(client: PortalClient, ids: list[str]) -> BatchOutcome:
    outcome = BatchOutcome()
    decisions: Counter[str] = Counter()
    for issuer, user in (("HN-SONTAY", "ld.sontay"), ("HN", "ld.hanoi")):
        issued = decisions_of(client, user, issuer)
        outcome.numbers[issuer] = sorted(d["number"] for d in issued)
        for listed in issued:  # a list item counts its nominees; the decision itself names them
            decision = persist(partial(client.get, user, f"/api/v1/decisions/{listed['id']}"))
            decisions.update(entry["nomination_id"] for entry in decision["nominees"] if entry["nomination_id"])
    for nomination_id in ids:
        nomination = persist(partial(client.nomination, "cdcs.dst", nomination_id))
        levels = 2 if nomination["award_code"] == CITY_AWARD else 1
        steps = Counter(s["step"] for s in nomination["timeline"])
        expected = {"submitted": 1, "approved": 1, "granted": 1, "queued": levels, "claimed": levels, "forwarded": levels - 1}
        missing = {step: steps[step] for step, n in expected.items() if steps[step] < n}
        if steps["council_voted"] < levels:  # a retried vote may be a second one; none is a lost step
            missing["council_voted"] = steps["council_voted"]
        doubled = {step: steps[step] for step, n in expected.items() if steps[step] > n}
        if nomination["status"] != "granted" or missing:
            outcome.lost[nomination_id] = f"status {nomination['status']}, steps missing {missing}"
        if decisions[nomination_id] > 1 or doubled:
            outcome.duplicated[nomination_id] = f"{decisions[nomination_id]} decisions, steps doubled {doubled}"
    return outcome


def honest_errors(seen: Observations) -> list[str]:
    """Every answer that is not what an outage should give: anything but a 503 problem+json with Retry-After and a
    Vietnamese title, or a 409 telling a retried command that its first attempt landed or is under way."""
    wrong = []
    for a in seen.errors():
        if a.status == 409 and a.code in RETRY_CONFLICTS:
            continue
        fine = (
            a.status == 503
            and a.content_type.startswith(PROBLEM)
            and a.retry_after is not None
            and int(a.retry_after) > 0
            and a.code in UNAVAILABLE_CODES
            and bool(a.title)
        )
        if not fine:
            wrong.append(f"{a.method} {a.path} ({a.phase}): {a.status} {a.content_type} {a.code} {a.title}")
    return wrong


def system_on(var_dir: Path, database_urls: dict[str, str], password: str) -> System:
    """The whole system as `make run` starts it, on the given databases (the fault tests' private clusters), started."""
    config = SystemConfig(
        var_dir=var_dir,
        nats_port=free_port(),
        http_ports={s: free_port() for s in SERVICES},
        database_urls=database_urls,
        demo_password=password,
        extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
    )
    return System(config).start()
