"""The whole system as `make run` starts it: nats-server, one database per service, four OS processes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.platform.settings import ATTACHMENT_RULES_ENV, COUNCIL_RULES_ENV, SERVICES
from tests import scheduling
from tests.conftest import COUNCILS_CONFIRMED, DOCUMENTS_OPTIONAL, fresh_database
from thidua.client import ApiError, PortalClient
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

PASSWORD = "e2e-" + uuid.uuid4().hex[:8]


def start_system(
    tmp_path: Path, backend: str, extra_env: dict[str, str] | None = None, *, password: str = PASSWORD
) -> Iterator[System]:
    databases = {}
    cleanups = []
    for service in SERVICES:
        gen = fresh_database(backend, tmp_path / service)
        databases[service] = next(gen)
        cleanups.append(gen)
    config = SystemConfig(
        var_dir=tmp_path / "var",
        nats_port=free_port(),
        http_ports={s: free_port() for s in SERVICES},
        database_urls=databases,
        demo_password=password,
        extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL), COUNCIL_RULES_ENV: str(COUNCILS_CONFIRMED)} | (extra_env or {}),
    )
    system = System(config).start()
    try:
        yield system
    finally:
        system.stop()
        for gen in cleanups:
            for _ in gen:
                pass


class SharedSystems:
    """One running system per database for the API tests that only add data of their own (their own nominees,
    campaigns, keys) and never stop, kill or re-clock anything: started on first use in this test process, stopped
    when the process moves on to the tests that need no system (tests/scheduling.py) or at its end. Such a test
    asserts on what it made (its own decision, the next number), never on totals or on being first. Tests that break
    something start a system of their own (`start_system`)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.running: dict[str, tuple[System, Iterator[System]]] = {}
        self.started = 0

    def get(self, backend: str) -> System:
        if backend not in self.running:
            self.started += 1
            root = self.base / f"{backend}-{self.started}"
            for s in SERVICES:
                (root / s).mkdir(parents=True)
            started = start_system(root, backend)
            self.running[backend] = (next(started), started)
            scheduling.release_after_system_tests(self.stop)
        return self.running[backend][0]

    def stop(self) -> None:
        running, self.running = self.running, {}
        for _, started in running.values():
            for _ in started:  # runs start_system's cleanup: the system stops, its databases are dropped
                pass


@pytest.fixture(scope="session")
def shared_systems(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedSystems]:
    systems = SharedSystems(tmp_path_factory.mktemp("shared-systems"))
    yield systems
    systems.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def system(request: pytest.FixtureRequest, shared_systems: SharedSystems) -> System:
    return shared_systems.get(request.param)


@pytest.fixture
def client(system: System) -> Iterator[PortalClient]:
    c = PortalClient(system.portal_url)
    approvers = ("ld.sontay", "ld.sontay2", "ld.thanhxuan", "ld.hadong", "ld.hanoi", "tld")
    signers = ("ky.sontay", "ky.thanhxuan", "ky.hadong", "ky.hanoi", "ky.tld")
    for user in ("cdcs.dst", "cdcs.vanquan", *approvers, *signers, "ops", "admin"):
        c.sign_in_when_needed(user, PASSWORD)
    yield c
    c.close()


def through_outages(call: Callable[[], Any], *, timeout: float, pause: float = 0.1, dropped_too: bool = False) -> Any:
    """Retry what the API says is unavailable (503), and with `dropped_too` a connection closed without an answer; a
    retried command answered 409 had landed the first time (its reply was lost with the service or the database)."""
    deadline = time.monotonic() + timeout
    retried = False
    while True:
        try:
            return call()
        except ApiError as exc:
            if exc.status == 503 and time.monotonic() < deadline:
                retried = True
                time.sleep(pause)
                continue
            if retried and exc.status == 409:
                return None
            raise
        except httpx.TransportError:
            if not dropped_too:
                raise
            retried = True
            time.sleep(pause)
