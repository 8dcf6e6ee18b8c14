"""Fault injection, one scenario after another on one running system: the outage is waited out, nothing is lost.

One system for the module, as `make run` starts it (its own nats-server, every service its own OS process), the
three services on a private PostgreSQL cluster this module creates with initdb (the portal on SQLite: its own
database outage is the compound case's, test_database_outage.py). Each scenario submits its own batch of
nominations (half of them going on to the city), approves them through the HTTP API with a council vote at each
level, and a few approvals in injects its fault, mid-flow:
- kill -9 of the services' PostgreSQL (postmaster and backends) for 5 s, then for 30 s;
- kill -9 of nats-server, restarted on the same port and store after 3 s;
- SIGSTOP of registration, of review, of awards for 20 s, then SIGCONT;
- two replicas of review and of awards, one of each killed and never restarted (last: the system stays so).
Nobody runs an operator command. After each, for its own batch: every nomination granted, exactly one decision
each, complete timelines with no step doubled, decision numbers gapless (every issuer's, so far), every durable
drained, every outbox empty; and for the whole system zero dead letters; every error the API gave a 503
problem+json with Retry-After (or a 409 telling a retried command, same Idempotency-Key, that it had landed);
no connection dropped. Each scenario's measured row goes to the fault table (tests/e2e/faulttable.py). kill -9 of
each service, restarted at once, is crashcheck.py's (100 nominations in flight, on SQLite and on PostgreSQL).
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.faultcheck import (
    BACKENDS,
    DATABASES,
    SIGNERS,
    Observations,
    RecordingClient,
    approve_everything,
    backlog_of,
    batch_outcome,
    dead_letter_count,
    honest_errors,
    readyz,
    running,
    submit_batch,
    system_on,
    wait_drained,
    wait_granted,
    wait_ready,
)
from tests.e2e.faulttable import FaultRow, FaultTable
from tests.e2e.pgcluster import PostgresCluster, server_binaries
from thidua.client import ApiError, PortalClient
from thidua.natsserver import free_port
from thidua.system import System

pytestmark = pytest.mark.e2e

PASSWORD = "faults-e2e-password"
USERS = ("cdcs.dst", "ld.sontay", "ld.hanoi", *SIGNERS.values())
BATCH = 12
CITY_SHARE = 2  # every second nomination goes on to the city level
FAULT_AFTER = 3  # district approvals before the fault
STOP_SECONDS = 20.0
PHASES = ("before", "fault", "after")


@dataclass
class Rig:
    system: System
    database: PostgresCluster  # the services' databases
    table: FaultTable


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    binaries = server_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed under /usr/lib/postgresql")
    cluster = PostgresCluster(binaries)
    try:
        cluster.init().start()
        cluster.create_databases(*(f"thidua_{s}" for s in DATABASES))
        tmp = tmp_path_factory.mktemp("faults")
        urls = {s: cluster.url(f"thidua_{s}") for s in DATABASES} | {"portal": f"sqlite+aiosqlite:///{tmp / 'portal.sqlite'}"}
        system = system_on(tmp / "var", urls, PASSWORD)
        try:
            yield Rig(system, cluster, FaultTable.of("faults"))
        finally:
            for process in system.processes.values():  # should a scenario stop while a service is stopped
                if process.poll() is None:
                    process.send_signal(signal.SIGCONT)
            system.stop()
    finally:
        cluster.remove()


# A fault: injected when called, mid-flow; returns when it is over and the system is ready again, with the moment
# (time.monotonic()) the fault ended: the database or the bus restarted, the service continued or restarted.
Fault = Callable[[Rig, Observations], float]


def watch_readiness(rig: Rig, seen: Observations, seconds: float, *, stopped: str | None = None) -> None:
    """Wait `seconds`, asking every live service meanwhile (but a `stopped` one) whether it is ready, and why not."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        for name in running(rig.system):
            if name == stopped:
                continue
            if name not in seen.readiness:
                seen.readiness[name] = []
            try:
                status, checks = readyz(rig.system, name, timeout=3.0)  # its NATS ping may take 2 s
            except httpx.HTTPError:  # a stopped process does not answer
                continue
            seen.readiness[name].append((seen.phase, status, str(checks.get("reason", ""))))
        time.sleep(0.3)


def database_down(seconds: float) -> Fault:
    def fault(rig: Rig, seen: Observations) -> float:
        rig.database.kill_9()
        seen.phase = "fault"
        watch_readiness(rig, seen, seconds)
        rig.database.start()
        seen.phase = "after"
        recovered = time.monotonic()
        wait_ready(rig.system, running(rig.system))
        return recovered

    return fault


def nats_down(seconds: float) -> Fault:
    def fault(rig: Rig, seen: Observations) -> float:
        assert rig.system.nats is not None
        rig.system.nats.kill()
        seen.phase = "fault"
        watch_readiness(rig, seen, seconds)
        rig.system.nats.start()  # the same port and JetStream store
        seen.phase = "after"
        recovered = time.monotonic()
        wait_ready(rig.system, running(rig.system))
        return recovered

    return fault


def stopped(service: str, seconds: float) -> Fault:
    def fault(rig: Rig, seen: Observations) -> float:
        process = rig.system.processes[service]
        process.send_signal(signal.SIGSTOP)
        seen.phase = "fault"
        try:
            watch_readiness(rig, seen, seconds, stopped=service)
            seen.backlog = backlog_of(rig.system.user_nats_url("admin"), service)
        finally:
            process.send_signal(signal.SIGCONT)
        seen.phase = "after"
        recovered = time.monotonic()
        wait_ready(rig.system, running(rig.system))
        return recovered

    return fault


def one_replica_killed(rig: Rig, seen: Observations) -> float:
    """kill -9 of the first instance of review and of awards; the second of each carries on alone."""
    for service in ("review", "awards"):
        rig.system.kill(service)
    seen.phase = "after"
    return time.monotonic()


def probe_the_api(client: PortalClient, seen: Observations, until: threading.Event) -> None:
    """What a user sees meanwhile: their profile and the nominations list, every half second (answers recorded)."""
    while not until.is_set():
        for path in ("/api/v1/me", "/api/v1/nominations"):
            with contextlib.suppress(ApiError, httpx.TransportError):  # recorded with its status, or as dropped
                client.get("cdcs.dst", path, limit=5 if path.endswith("nominations") else None)
        until.wait(0.5)


def scenario(rig: Rig, label: str, title: str, fault: Fault) -> Observations:
    """One batch through the flow with `fault` injected mid-way, then every check; the measured row goes to the table
    whatever the checks find."""
    system = rig.system
    seen = Observations()
    client = RecordingClient(system.portal_url, seen)
    for user in USERS:
        client.login(user, PASSWORD)
    ids = submit_batch(client, label, BATCH, CITY_SHARE)
    dead_letters_before = dead_letter_count(system.user_nats_url("admin"))

    failures: list[BaseException] = []
    recovered: list[float] = []
    fault_over = threading.Event()

    def inject() -> None:
        try:
            recovered.append(fault(rig, seen))
        except BaseException as exc:
            failures.append(exc)
        finally:
            fault_over.set()

    def catching(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:
                failures.append(exc)

        return run

    injector = threading.Thread(target=inject)
    prober = threading.Thread(target=probe_the_api, args=(client, seen, fault_over))

    def midway(decided: int) -> None:
        if decided == FAULT_AFTER:
            seen.killed_at = time.monotonic()
            injector.start()
            prober.start()

    city = threading.Thread(
        target=catching(lambda: approve_everything(client, "ld.hanoi", "HN", BATCH // CITY_SHARE, lambda _n: None))
    )
    city.start()
    try:
        approve_everything(client, "ld.sontay", "HN-SONTAY", BATCH, midway)
    finally:
        city.join()
        for thread in (injector, prober):
            if thread.ident is not None:
                thread.join()
    if failures:
        raise failures[0]

    deadline = time.monotonic() + 120
    unfinished: AssertionError | None = None
    drained_at: float | None = None
    try:
        wait_granted(client, ids, deadline)
        wait_drained(system, deadline)
        drained_at = time.monotonic()
    except AssertionError as exc:
        unfinished = exc
    outcome = batch_outcome(client, ids)
    dead_letters = dead_letter_count(system.user_nats_url("admin"))
    print(  # shown with -s, or with the failure
        label,
        {
            "statuses_by_phase": {p: dict(Counter(a.status for a in seen.answers if a.phase == p)) for p in PHASES},
            "not_ready": {n: Counter(r[2] for r in seen.readiness[n] if r[1] != 200) for n in seen.readiness},
            "backlog_at_recovery": seen.backlog,
            "recovery_to_drained_s": None if drained_at is None else round(drained_at - recovered[0], 1),
        },
    )
    rig.table.add(
        FaultRow(
            scenario=title,
            nominations=BATCH,
            lost=len(outcome.lost),
            duplicated=len(outcome.duplicated),
            dead_letters=dead_letters - dead_letters_before,
            server_errors=seen.server_errors(),
            dropped=len(seen.dropped),
            recovery_to_drained_s=None if drained_at is None else drained_at - recovered[0],
        )
    )
    client.close()

    assert dead_letters == 0, "dead letters: an outage or a crash was treated as poison"
    assert outcome.lost == {}
    assert outcome.duplicated == {}
    for issuer, numbers in outcome.numbers.items():
        assert numbers == list(range(1, len(numbers) + 1)), f"{issuer}'s decision numbers have a gap or a repeat"
    if unfinished is not None:
        raise unfinished
    assert seen.dropped == []
    assert honest_errors(seen) == []
    for name in running(system):
        assert readyz(system, name)[0] == 200, name
    return seen


def never_said_not_ready(seen: Observations, dependency: str) -> dict[str, list[tuple[str, int, str]]]:
    """The services that never said, while the dependency was down, that they were not ready because of it."""
    silent = {}
    for service in BACKENDS:
        down = [r for r in seen.readiness[service] if r[0] == "fault" and r[1] == 503 and r[2].startswith(dependency)]
        if not down:
            silent[service] = seen.readiness[service]
    return silent


def test_kill_9_of_the_services_database_for_5_s_mid_flow_is_waited_out(rig: Rig) -> None:
    seen = scenario(rig, "pg5", "kill -9 of the services' PostgreSQL for 5 s", database_down(5.0))
    assert never_said_not_ready(seen, "database") == {}


def test_kill_9_of_the_services_database_for_30_s_mid_flow_is_waited_out(rig: Rig) -> None:
    seen = scenario(rig, "pg30", "kill -9 of the services' PostgreSQL for 30 s", database_down(30.0))
    assert never_said_not_ready(seen, "database") == {}
    assert any(a.status == 503 for a in seen.answers if a.phase == "fault"), "the API never said it was unavailable"


def test_kill_9_of_nats_server_restarted_after_3_s_loses_nothing(rig: Rig) -> None:
    seen = scenario(rig, "nats", "kill -9 of nats-server, restarted after 3 s", nats_down(3.0))
    assert never_said_not_ready(seen, "nats") == {}


@pytest.mark.parametrize("service", BACKENDS)
def test_sigstop_of_a_service_for_20_s_then_sigcont_loses_nothing(rig: Rig, service: str) -> None:
    seen = scenario(rig, f"stop-{service}", f"SIGSTOP of {service} for 20 s, then SIGCONT", stopped(service, STOP_SECONDS))
    if service == "review":  # it answers the approvals: they waited for it
        assert any(a.status == 503 for a in seen.answers if a.phase == "fault"), "no approval waited for review"
    else:  # events it had to take while stopped
        assert seen.backlog > 0, f"nothing waited for {service} while it was stopped"


def test_two_replicas_of_review_and_awards_with_one_of_each_killed_lose_nothing(rig: Rig) -> None:
    for service in ("review", "awards"):
        rig.system.spawn(service, replica=f"{service}-2", http_port=free_port())
    rig.system.wait_ready(("review-2", "awards-2"))
    scenario(rig, "replicas", "two replicas of review and of awards, one of each kill -9 (not restarted)", one_replica_killed)
    assert running(rig.system) == [
        name for name in rig.system.processes if name not in ("review", "awards", "mailsink")
    ]  # the killed originals are gone, their replicas serve
