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

import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.contracts import subjects
from shared.platform import httpfaults, rpc
from shared.platform.settings import SERVICES
from tests.e2e.faultcheck import (
    BACKENDS,
    DATABASES,
    PROBLEM,
    SIGNERS,
    UNAVAILABLE_CODES,
    Observations,
    RecordingClient,
    approve_everything,
    batch_outcome,
    dead_letter_count,
    readyz,
    submit_batch,
    system_on,
    transient_retries,
    undelivered,
    wait_drained,
    wait_granted,
)
from tests.e2e.faulttable import FaultRow, FaultTable
from tests.e2e.pgcluster import PostgresCluster, server_binaries
from thidua.client import ApiError, PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "outage-e2e-password"
COUNT = 24
CITY_SHARE = 2  # every second nomination goes on to the city level
PORTAL_OUTAGE_SECONDS = 5.0
OUTAGE_SECONDS = 10.0  # the services' databases
BACKLOG_FROM = COUNT // 6  # awards stops pulling (SIGSTOP) here, so that approvals wait for it when the database dies
KILL_AFTER = COUNT // 3  # district approvals before the database dies (and awards goes on, into the outage)


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
        clusters.services.create_databases(*(f"thidua_{s}" for s in DATABASES))
        clusters.portal.create_databases("thidua_portal")
        urls = {s: clusters.services.url(f"thidua_{s}") for s in DATABASES} | {"portal": clusters.portal.url("thidua_portal")}
        system = system_on(tmp_path / "var", urls, PASSWORD)
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
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi", *SIGNERS.values()):
        client.login(user, PASSWORD)
    console = console_session(system.portal_url, "cdcs.dst")
    ids = submit_batch(client, "đứt CSDL", COUNT, CITY_SHARE)

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

    deadline = time.monotonic() + 90
    wait_granted(client, ids, deadline)
    granted_at = time.monotonic()
    wait_drained(system, deadline)
    drained_at = time.monotonic()

    # Nothing lost, nothing doubled, nothing dead-lettered, nobody had to step in.
    outcome = batch_outcome(client, ids)
    dead_letters = dead_letter_count(system.user_nats_url("admin"))
    FaultTable.of("database_outage").add(
        FaultRow(
            scenario="awards backlogged (SIGSTOP), then kill -9 of both PostgreSQL (portal 5 s, services 10 s)",
            nominations=COUNT,
            lost=len(outcome.lost),
            duplicated=len(outcome.duplicated),
            dead_letters=dead_letters,
            server_errors=seen.server_errors(),
            dropped=len(seen.dropped),
            recovery_to_drained_s=drained_at - seen.restarted_at,
        )
    )
    assert dead_letters == 0
    assert outcome.lost == {}
    assert outcome.duplicated == {}
    for issuer in ("HN-SONTAY", "HN"):
        assert outcome.numbers[issuer] == list(range(1, COUNT // CITY_SHARE + 1)), issuer
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
        # service_unavailable for the most part; result_not_read for a command that committed just before its
        # database went, whose reply could not be read back (a reload shows the result: "tải lại", not "thử lại")
        assert answer.code in UNAVAILABLE_CODES, answer
        assert answer.title, answer
        assert "thử lại" in answer.title or "tải lại" in answer.title, answer  # Vietnamese, and says what to do
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
