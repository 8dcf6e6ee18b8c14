"""How long the approver's queue page ("Hộp việc") takes with 100,000 (or 1,000,000) tasks in one unit.

Run: .venv/bin/python bench/queue_page.py [tasks] [repetitions] [--postgres [ADMIN_URL]] [--explain]

Starts the embedded system (SQLite, as `make run`; with --postgres review's database is a fresh PostgreSQL
database this run creates and drops), writes the tasks straight into review's database (a benchmark shortcut:
going through NATS would take minutes and measure something else; PostgreSQL is seeded with COPY), signs in as
ld.sontay and times the page. Baselines from the same run: the portal's /healthz (HTTP and framework only), the
JSON API for the same queue page (query without rendering), and the page's SQL run directly on the database.
--explain prints the plan (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL) of every statement
review's store runs for the default page (bench/profiles/queue_page.md keeps a run's findings).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from services.review.store.sql_tasks import SqlTasks
from shared.contracts.operations.review import QueueQuery
from shared.platform.db import make_engine
from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from shared.rules.text import normalize_name
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

UNIT = {
    "code": "HN-SONTAY",
    "name": "Liên đoàn Lao động thị xã Sơn Tây",
    "short_name": "LĐLĐ thị xã Sơn Tây",
    "level": "district",
    "decision_suffix": "QĐ-LĐLĐ",
}
ORIGINS = [("HN-SONTAY-DST", "Công đoàn Công ty CP tập đoàn DST"), ("HN-SONTAY-THPTSONTAY", "Công đoàn Trường THPT Sơn Tây")]
AWARDS = [
    ("giay_khen_ldld_huyen", "Giấy khen của Liên đoàn Lao động cấp huyện"),
    ("cong_nhan_gioi_thu_do", "Công nhân giỏi Thủ đô"),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Quân", "Tâm", "Thắng", "Yến"]
STATES = ["open"] * 30 + ["claimed"] * 10 + ["forwarded"] * 40 + ["approved"] * 15 + ["returned"] * 5

DOCUMENTS_OPTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "attachments-documents-optional.toml"


COLUMNS = (
    "id", "nomination_id", "unit_code", "unit", "state", "round", "claimant_id", "claimant_name", "award_code",
    "award_name", "nominee_name", "nominee_search", "nominee_kind", "origin_unit_code", "origin_unit_name", "period",
    "opened_at", "due_at", "queue_unit_code", "queue_unit",
)  # fmt: skip
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def task_rows(count: int) -> list[tuple[Any, ...]]:
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {i}"
        state = rng.choice(STATES)
        opened = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        due = opened + timedelta(days=14) if rng.random() < 0.9 else None
        origin = rng.choice(ORIGINS)
        award = rng.choice(AWARDS)
        rows.append(
            (
                str(uuid.uuid4()), str(uuid.uuid4()), "HN-SONTAY", UNIT_JSON, state, 1,
                "u1" if state == "claimed" else None, "Phạm Quang Huy" if state == "claimed" else None,
                award[0], award[1], name, normalize_name(name), "individual", origin[0], origin[1], "2026",
                opened, due, "HN-SONTAY", UNIT_JSON,
            )
        )  # fmt: skip
    return rows


UNIT_JSON = json.dumps(UNIT)


def seed_sqlite(database: str, count: int) -> None:
    fmt = "%Y-%m-%d %H:%M:%S.%f"  # what UtcDateTime stores on SQLite: UTC without an offset
    rows = [(*r[:16], r[16].strftime(fmt), r[17].strftime(fmt) if r[17] else None, *r[18:]) for r in task_rows(count)]
    with sqlite3.connect(database) as conn:
        conn.executemany(f"INSERT INTO tasks ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", rows)
        conn.execute("ANALYZE")


async def seed_postgres(dsn: str, count: int) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("tasks", records=task_rows(count), columns=COLUMNS)
        await conn.execute("VACUUM ANALYZE tasks")
    finally:
        await conn.close()


def asyncpg_dsn(url: str, database: str | None = None) -> str:
    u = make_url(url).set(drivername="postgresql")
    return (u.set(database=database) if database else u).render_as_string(hide_password=False)


async def pg_admin(admin: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def store_statements(url: str, query: QueueQuery) -> list[tuple[str, Any]]:
    """The statements review's store runs for one queue page, with their parameters, as sent to the database."""
    engine = make_engine(url)
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN IMMEDIATE
            seen.append((statement, parameters))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        async with engine.connect() as conn:
            await SqlTasks(conn).queue_page(query, datetime.now(UTC), limit=query.limit + 1)
    finally:
        await engine.dispose()
    return seen


async def explain(url: str, query: QueueQuery) -> None:
    postgres = not url.startswith("sqlite")
    statements = await store_statements(url, query)
    print(f"\nPlans for the page {query.model_dump(exclude_defaults=True)} ({'PostgreSQL' if postgres else 'SQLite'}):")
    for statement, parameters in statements:
        print("\n--", " ".join(statement.split())[:400])
        if postgres:
            conn = await asyncpg.connect(asyncpg_dsn(url))
            try:
                lines = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", *parameters)
                print("\n".join(r[0] for r in lines))
            finally:
                await conn.close()
        else:
            database = make_url(url).database
            with sqlite3.connect(str(database)) as conn:
                for plan in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters):
                    print("  ", plan[-1])


def timed(call: Callable[[], object], repetitions: int) -> list[float]:
    """Milliseconds per call; empty when the call fails (the row then says so instead of the bench stopping)."""
    try:
        call()  # warm up
    except AssertionError as failure:
        print(f"failed: {failure}")
        return []
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, times: list[float]) -> str:
    if not times:
        return f"{label:<62} {'failed':>8}"
    ordered = sorted(times)
    p95, p99 = ordered[int(0.95 * (len(times) - 1))], ordered[int(0.99 * (len(times) - 1))]
    return f"{label:<62} {statistics.median(times):>8.1f} {p95:>8.1f} {p99:>8.1f}"


def main(count: int, repetitions: int, pg_admin_url: str | None, plans: bool) -> Timings:
    pg_name = f"thidua_bench_queue_{uuid.uuid4().hex[:8]}"
    if pg_admin_url:
        asyncio.run(pg_admin(pg_admin_url, f'CREATE DATABASE "{pg_name}"'))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            review_url = (
                make_url(pg_admin_url).set(drivername="postgresql+asyncpg", database=pg_name).render_as_string(False)
                if pg_admin_url
                else None
            )
            return measure(Path(tmp), review_url, count, repetitions, plans)
    finally:
        if pg_admin_url:
            asyncio.run(pg_admin(pg_admin_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def seed(url: str, count: int) -> float:
    """`count` tasks of HN-SONTAY's queue written straight into review's database (`url`): the seconds it took."""
    started = time.perf_counter()
    if url.startswith("sqlite"):
        database = make_url(url).database
        assert database is not None
        seed_sqlite(database, count)
    else:
        asyncio.run(seed_postgres(asyncpg_dsn(url), count))
    return time.perf_counter() - started


Timings = list[tuple[str, list[float]]]


def page_times(system: System, repetitions: int) -> Timings:
    """Each page (and its baselines) `repetitions` times as ld.sontay: milliseconds per request, by label."""
    url = system.config.database_url("review")
    password = system.config.demo_password
    web = httpx.Client(base_url=system.portal_url, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/dang-nhap").text)
    assert token
    web.post("/dang-nhap", data={"username": "ld.sontay", "password": password, "csrf_token": token.group(1)})
    api = httpx.Client(base_url=system.portal_url, timeout=30)
    bearer = api.post("/api/v1/auth/login", json={"username": "ld.sontay", "password": password}).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {bearer}"

    def page(query: str) -> Callable[[], object]:
        def get() -> object:
            response = web.get(f"/hop-viec?unit=HN-SONTAY{query}")
            assert response.status_code == 200, response.status_code
            return response

        return get

    bare = BareSql(url)
    try:
        return [
            ("baseline: portal /healthz", timed(lambda: api.get("/healthz"), repetitions)),
            (BARE_PAGE, timed(bare.page, repetitions)),
            (
                "baseline: JSON API, same queue page (no rendering)",
                timed(lambda: api.get("/api/v1/queues/HN-SONTAY/tasks?limit=50"), repetitions),
            ),
            (PAGE_ONE, timed(page(""), repetitions)),
            (PAGE_1000, timed(page("&state=all&page=1000"), repetitions)),
            (SEARCH, timed(page("&q=nguyen+van"), repetitions)),
            (
                FILTERS,
                timed(page("&state=open&award_code=cong_nhan_gioi_thu_do&origin_unit_code=HN-SONTAY-DST"), repetitions),
            ),
            (OVERDUE, timed(page("&state=overdue"), repetitions)),
            ("Hộp việc sorted by nominee (header click)", timed(page("&sort=nominee"), repetitions)),
            ("Hộp việc sorted by received, newest first", timed(page("&sort=-received"), repetitions)),
            ("Hộp việc sorted by award, all states", timed(page("&state=all&sort=award"), repetitions)),
            ("Hộp việc due date reversed, page 100", timed(page("&sort=-due&page=100"), repetitions)),
            ("Hộp việc Việc của tôi (mine; the seeded claims are another user's)", timed(page("&mine=1"), repetitions)),
            (
                "Tải Excel: the queue, 5,000 rows (cap), sorted by nominee",
                timed(lambda: api.get("/api/v1/queues/HN-SONTAY/tasks.xlsx?sort=nominee"), max(3, repetitions // 10)),
            ),
        ]
    finally:
        bare.close()
        web.close()
        api.close()


def table(count: int, backend: str, repetitions: int, results: Timings) -> str:
    lines = [f"{count:,} tasks in HN-SONTAY ({backend}), {repetitions} requests each, milliseconds"]
    lines.append(f"{'measure':<62} {'median':>8} {'p95':>8} {'p99':>8}")
    lines += [row(label, times) for label, times in results]
    return "\n".join(lines)


def measure(tmp: Path, review_url: str | None, count: int, repetitions: int, plans: bool) -> Timings:
    config = SystemConfig(
        var_dir=tmp / "var",
        nats_port=free_port(),
        http_ports={s: free_port() for s in SERVICES},
        # The pipeline, not file handling, is measured: nominations go without their documents.
        extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
        database_urls={"review": review_url} if review_url else {},
    )
    system = System(config).start()
    url = config.database_url("review")
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    try:
        print(f"seeded {count:,} tasks in {seed(url, count):.1f} s ({backend})")
        if plans:
            for query in (
                QueueQuery(unit_code="HN-SONTAY", state="active", limit=50),
                QueueQuery(unit_code="HN-SONTAY", state="active", q="nguyen van", limit=50),
            ):
                asyncio.run(explain(url, query))
        results = page_times(system, repetitions)
    finally:
        system.stop()
    print("\n" + table(count, backend, repetitions, results))
    return results


PAGE_ONE = "Hộp việc page 1 (default: open and claimed)"
BARE_PAGE = "baseline: page 1 SQL straight on the database"
PAGE_1000 = "Hộp việc page 1000 of all states (deep offset)"
SEARCH = "Hộp việc search 'nguyen van' (no diacritics)"
FILTERS = "Hộp việc filters: open, award, CĐCS"
OVERDUE = "Hộp việc quá hạn (overdue)"
# The queue the page shows: the tasks its unit holds (queue_unit_code, the index's column), oldest due first.
PAGE_SQL = (
    "SELECT * FROM tasks WHERE queue_unit_code='HN-SONTAY' AND state IN ('open','claimed')"
    " ORDER BY due_at IS NULL, due_at, opened_at, id LIMIT 50"
)


class BareSql:
    """The page's own query on one connection, no ORM, no service: the floor the page stands on."""

    def __init__(self, url: str) -> None:
        self.postgres = not url.startswith("sqlite")
        if self.postgres:
            self.loop = asyncio.new_event_loop()
            self.pg = self.loop.run_until_complete(asyncpg.connect(asyncpg_dsn(url)))
        else:
            self.sqlite = sqlite3.connect(str(make_url(url).database))

    def page(self) -> object:
        if self.postgres:
            return self.loop.run_until_complete(self.pg.fetch(PAGE_SQL))
        return self.sqlite.execute(PAGE_SQL).fetchall()

    def close(self) -> None:
        if self.postgres:
            self.loop.run_until_complete(self.pg.close())
            self.loop.close()
        else:
            self.sqlite.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("tasks", nargs="?", type=int, default=100_000)
    parser.add_argument("repetitions", nargs="?", type=int, default=30)
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_PG_ADMIN,
        help=f"a PostgreSQL server to create the database on ({DEFAULT_PG_ADMIN})",
    )
    parser.add_argument("--explain", action="store_true", help="print the plan of every statement the page runs")
    args = parser.parse_args()
    main(args.tasks, args.repetitions, args.postgres, args.explain)
