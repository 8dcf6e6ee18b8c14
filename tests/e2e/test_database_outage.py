"""kill -9 of PostgreSQL while nominations are being decided: the outage is waited out, not dead-lettered.

The whole system runs as `make run` starts it (a real nats-server, each service its own OS process) on two
private PostgreSQL clusters this test creates with initdb: one for the three services' databases, one for
the portal's. A third of the way through the district's approvals, with awards backlogged (SIGSTOP, the
issue's worst case), both database servers and all their backends get SIGKILL. The portal's comes back
after 5 s, the services' after 10 s. Nobody runs an operator command. Afterwards:
- zero dead letters; every nomination granted, exactly one decision each, decision numbers gapless;
  complete timelines (no lost or doubled step); every durable drained and every outbox empty;
- every error the API gave was 503 problem+json with a Vietnamese title, the stable code and Retry-After:
  the portal's own while its database was down, the services' (their RPC answering 503) after; never a
  500, never a dropped connection; the console showed 503 pages;
- every service said not ready, with the database as the reason, then ready again by itself.
"""

from __future__ import annotations

import asyncio
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from shared.contracts import subjects
from shared.contracts.paging import QUEUE_PAGE_MAX
from shared.platform import httpfaults, rpc
from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.conftest import DOCUMENTS_OPTIONAL
from tests.e2e.conftest import through_outages
from tests.e2e.pgcluster import PostgresCluster, server_binaries
from thidua.client import ApiError, PortalClient
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

pytestmark = pytest.mark.e2e

PASSWORD = "outage-e2e-password"
COUNT = 24
CITY_SHARE = 2  # every second nomination goes on to the city level
PORTAL_OUTAGE_SECONDS = 5.0
OUTAGE_SECONDS = 10.0  # the services' databases
BACKLOG_FROM = COUNT // 6  # awards stops pulling (SIGSTOP) here, so that approvals wait for it when the database dies
KILL_AFTER = COUNT // 3  # district approvals before the database dies (and awards goes on, into the outage)
PROBLEM = "application/problem+json"
BACKENDS = ("registration", "review", "awards")


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
    """Everything the portal and the services answered while the test ran, by phase of the outage."""

    answers: list[Answer] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    readiness: dict[str, list[tuple[str, int, str]]] = field(default_factory=lambda: {s: [] for s in SERVICES})
    console: list[tuple[str, int, str, str | None, str]] = field(default_factory=list)
    phase: str = "before"  # before | both (every database down) | services (the portal's back) | after
    awards_backlog: int = 0
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


class RecordingClient(PortalClient):
    """The API client of the e2e tests, recording every answer and every connection dropped without one."""

    def __init__(self, base_url: str, seen: Observations) -> None:
        super().__init__(base_url)
        self.seen = seen
        self.http.event_hooks["response"].append(self._record)

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.seen.record(response)

    def _call(self, method: str, path: str, user: str | None, **kwargs: Any) -> Any:
        try:
            return super()._call(method, path, user, **kwargs)
        except httpx.TransportError as exc:  # no HTTP answer at all
            with self.seen.lock:
                self.seen.dropped.append(f"{method} {path}: {exc!r}")
            raise


def persist(call: Callable[[], Any]) -> Any:
    """Through the database outage: 503s and connections closed without an answer (those are counted, asserted none)."""
    return through_outages(call, timeout=120.0, pause=0.2, dropped_too=True)


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
            persist(partial(client.post, user, "/api/v1/council-meetings", meeting))
            persist(partial(client.post, user, f"/api/v1/tasks/{task['id']}/claim"))
            approve = {"action": "approve", "comment": "Đồng ý"}
            persist(partial(client.post, user, f"/api/v1/tasks/{task['id']}/decision", approve))
            decided += 1
            after(decided)


def console_session(portal_url: str, username: str) -> httpx.Client:
    """A signed-in console session (cookie), as a browser gets it from the sign-in form."""
    browser = httpx.Client(base_url=portal_url, timeout=30.0)
    form = browser.get("/dang-nhap")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert match is not None, "no CSRF token on the sign-in form"
    signed_in = browser.post(
        "/dang-nhap", data={"username": username, "password": PASSWORD, "csrf_token": match.group(1), "next": "/ho-so"}
    )
    assert signed_in.status_code == 303, signed_in.text[:300]
    assert browser.get("/ho-so").status_code == 200
    return browser


def readyz(system: System, service: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"http://127.0.0.1:{system.config.http_ports[service]}/readyz", timeout=10.0)
    return response.status_code, response.json()


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


def outboxes_pending(system: System) -> dict[str, int]:
    return {s: int(readyz(system, s)[1].get("outbox_pending", -1)) for s in SERVICES}


def transient_retries(system: System, service: str) -> float:
    """Deliveries the service's consumers naked because a dependency was down (thidua_event_retries_total)."""
    text = httpx.get(f"http://127.0.0.1:{system.config.http_ports[service]}/metrics", timeout=10.0).text
    samples = [line for line in text.splitlines() if line.startswith("thidua_event_retries_total{")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in samples if 'fault="transient"' in line)


@dataclass
class Databases:
    services: PostgresCluster
    portal: PostgresCluster


@pytest.fixture
def outage_system(tmp_path: Path) -> Iterator[tuple[System, Databases]]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed under /usr/lib/postgresql")
    clusters = Databases(services=PostgresCluster(binaries), portal=PostgresCluster(binaries))
    try:
        for cluster in (clusters.services, clusters.portal):
            cluster.init().start()
        clusters.services.create_databases(*(f"thidua_{s}" for s in BACKENDS))
        clusters.portal.create_databases("thidua_portal")
        urls = {s: clusters.services.url(f"thidua_{s}") for s in BACKENDS} | {"portal": clusters.portal.url("thidua_portal")}
        config = SystemConfig(
            var_dir=tmp_path / "var",
            nats_port=free_port(),
            http_ports={s: free_port() for s in SERVICES},
            database_urls=urls,
            demo_password=PASSWORD,
            extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
        )
        system = System(config).start()
        try:
            yield system, clusters
        finally:
            system.processes["awards"].send_signal(signal.SIGCONT)  # should the test stop while awards is stopped
            system.stop()
    finally:
        clusters.services.remove()
        clusters.portal.remove()


def database_outage(
    system: System, databases: Databases, seen: Observations, client: PortalClient, console: httpx.Client
) -> None:
    """kill -9 both database servers with awards backlogged; bring the portal's back after 5 s and the services'
    after 10 s, watching what everyone answers meanwhile; then wait for every service to say it is ready."""
    seen.awards_backlog = undelivered(system.user_nats_url("admin"))[subjects.AWARDS_FROM_REVIEW.durable]
    seen.killed_at = time.monotonic()
    try:
        databases.services.kill_9()
        databases.portal.kill_9()
        seen.phase = "both"
    finally:
        system.processes["awards"].send_signal(signal.SIGCONT)  # its backlog meets the outage
    while time.monotonic() - seen.killed_at < OUTAGE_SECONDS:
        if seen.phase == "both" and time.monotonic() - seen.killed_at >= PORTAL_OUTAGE_SECONDS:
            databases.portal.start()
            seen.portal_restarted_at = time.monotonic()
            seen.phase = "services"
        watch(system, seen, client, console)
        if seen.phase == "services" and not seen.portal_ready_at and seen.readiness["portal"][-1][1] == 200:
            seen.portal_ready_at = time.monotonic()
        time.sleep(0.3)
    databases.services.start()
    seen.restarted_at = time.monotonic()
    seen.phase = "after"
    while not all(readyz(system, s)[0] == 200 for s in SERVICES):
        assert time.monotonic() - seen.restarted_at < 60, "the services did not become ready again by themselves"
        time.sleep(0.2)
    seen.ready_at = time.monotonic()


def watch(system: System, seen: Observations, client: PortalClient, console: httpx.Client) -> None:
    """One round of asking everyone: each process's /readyz, two API calls, a console page."""
    for service in SERVICES:
        status, checks = readyz(system, service)
        seen.readiness[service].append((seen.phase, status, str(checks.get("reason", ""))))
    for path in ("/api/v1/me", "/api/v1/nominations"):
        try:
            client.get("cdcs.dst", path)
        except ApiError:
            pass  # recorded with its status and headers
        except httpx.TransportError:
            pass  # recorded as dropped
    page = console.get("/ho-so")
    seen.console.append(
        (seen.phase, page.status_code, page.headers.get("content-type", ""), page.headers.get("retry-after"), page.text)
    )


def test_a_database_crash_mid_flow_is_waited_out_with_no_dead_letter_and_honest_503s(
    outage_system: tuple[System, Databases],
) -> None:
    system, databases = outage_system
    seen = Observations()
    client = RecordingClient(system.portal_url, seen)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi"):
        client.login(user, PASSWORD)
    console = console_session(system.portal_url, "cdcs.dst")
    ids = []
    for i in range(COUNT):
        award = "cong_nhan_gioi_thu_do" if i % CITY_SHARE else "giay_khen_ldld_huyen"
        body = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": award,
            "period": "2026",
            "nominee": {"kind": "individual", "name": f"Người lao động số {i:03d}"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm, tích cực trong phong trào thi đua.",
        }
        ids.append(client.submit("cdcs.dst", body)["id"])

    failures: list[BaseException] = []

    def run_outage() -> None:
        try:
            database_outage(system, databases, seen, client, console)
        except BaseException as exc:
            failures.append(exc)

    outage = threading.Thread(target=run_outage)

    def faults_midway(decided: int) -> None:
        if decided == BACKLOG_FROM:
            system.processes["awards"].send_signal(signal.SIGSTOP)
        if decided == KILL_AFTER:
            outage.start()

    city = threading.Thread(target=approve_everything, args=(client, "ld.hanoi", "HN", COUNT // CITY_SHARE, lambda _n: None))
    city.start()
    approve_everything(client, "ld.sontay", "HN-SONTAY", COUNT, faults_midway)
    city.join()
    outage.join()
    if failures:
        raise failures[0]

    pending = set(ids)
    deadline = time.monotonic() + 90
    while pending:
        assert time.monotonic() < deadline, f"{len(pending)} nominations never granted"
        granted_now = persist(lambda: list(client.every("cdcs.dst", "/api/v1/nominations", status="granted")))
        pending -= {n["id"] for n in granted_now}
        time.sleep(0.2)
    granted_at = time.monotonic()
    admin = system.user_nats_url("admin")
    while any(undelivered(admin).values()) or any(outboxes_pending(system).values()):
        assert time.monotonic() < deadline, (
            f"not drained: {undelivered(system.user_nats_url('admin'))}, outboxes {outboxes_pending(system)}"
        )
        time.sleep(0.2)
    drained_at = time.monotonic()

    # Nothing lost, nothing doubled, nothing dead-lettered, nobody had to step in.
    assert dead_letter_count(system.user_nats_url("admin")) == 0
    for issuer, user in (("HN-SONTAY", "ld.sontay"), ("HN", "ld.hanoi")):
        numbers = [d["number"] for d in client.every(user, "/api/v1/decisions", issuer=issuer)]
        assert sorted(numbers) == list(range(1, COUNT // CITY_SHARE + 1)), issuer
    nominations = [client.nomination("cdcs.dst", nomination_id) for nomination_id in ids]
    assert Counter(n["status"] for n in nominations) == {"granted": COUNT}
    assert len({n["decision"]["decision_id"] for n in nominations}) == COUNT
    for n in nominations:
        levels = 2 if n["award_code"] == "cong_nhan_gioi_thu_do" else 1
        steps = Counter(s["step"] for s in n["timeline"])
        assert steps["submitted"] == steps["approved"] == steps["granted"] == 1, (n["id"], steps)
        assert steps["queued"] == steps["claimed"] == levels, (n["id"], steps)
        assert steps["forwarded"] == levels - 1, (n["id"], steps)
        assert steps["council_voted"] >= levels, (n["id"], steps)  # a vote retried after a lost reply is a second vote
    for service in SERVICES:
        assert readyz(system, service)[0] == 200, service

    # While the databases were down: honest answers only.
    errors = seen.errors()
    assert seen.dropped == []
    assert [a for a in errors if a.status >= 500 and a.status != 503] == []
    assert {a.status for a in errors} <= {409, 503}  # a 409 only for a retried command whose first reply was lost
    for answer in (a for a in errors if a.status == 503):
        assert answer.content_type.startswith(PROBLEM), answer
        assert answer.retry_after is not None, answer
        assert int(answer.retry_after) > 0, answer
        assert answer.code == "service_unavailable", answer
        assert answer.title, answer
        assert "thử lại" in answer.title, answer  # Vietnamese, and says what to do
    portal_503 = [a for a in errors if a.phase == "both" and a.title == httpfaults.TITLE]
    services_503 = [a for a in errors if a.phase == "services" and a.title == rpc.DEPENDENCY_UNAVAILABLE]
    assert len(portal_503) >= 5, "the portal never answered for its own database"
    assert len(services_503) >= 5, "no service answered 503 for its database through the portal"
    phases = {phase for phase, *_ in seen.console}
    assert phases == {"both", "services"}, phases
    for phase, status, content_type, retry_after, text in seen.console:
        assert status == 503, text[:300]
        assert content_type.startswith("text/html")
        assert retry_after is not None
        assert (httpfaults.PAGE_HEADING if phase == "both" else rpc.DEPENDENCY_UNAVAILABLE) in text, (phase, text[:500])
    for service in SERVICES:
        down = [(phase, reason) for phase, status, reason in seen.readiness[service] if status == 503]
        expected = {"both"} if service == "portal" else {"both", "services"}
        assert expected <= {phase for phase, _ in down}, (service, down)
        assert all("database" in reason for _, reason in down), (service, down)
    assert seen.portal_ready_at, "the portal did not become ready again once its database was back"
    assert seen.awards_backlog > 0  # approvals were waiting for awards when the database died
    assert transient_retries(system, "awards") > 0  # … and awards waited the outage out instead of dead-lettering them

    report = {
        "portal_outage_s": round(seen.portal_restarted_at - seen.killed_at, 1),
        "services_outage_s": round(seen.restarted_at - seen.killed_at, 1),
        "portal_ready_after_restart_s": round(seen.portal_ready_at - seen.portal_restarted_at, 1),
        "services_ready_after_restart_s": round(seen.ready_at - seen.restarted_at, 1),
        "all_granted_after_restart_s": round(granted_at - seen.restarted_at, 1),
        "drained_after_restart_s": round(drained_at - seen.restarted_at, 1),
        "statuses_by_phase": {
            phase: dict(Counter(a.status for a in seen.answers if a.phase == phase))
            for phase in ("before", "both", "services", "after")
        },
        "api_503": {"portal_own": len(portal_503), "services_rpc": len(services_503)},
        "console_503_pages": len(seen.console),
        "dropped_connections": len(seen.dropped),
        "awards_backlog_at_kill": seen.awards_backlog,
        "transient_retries": {s: transient_retries(system, s) for s in BACKENDS},
        "dead_letters": dead_letter_count(system.user_nats_url("admin")),
    }
    print("database outage:", report)
    client.close()
    console.close()
