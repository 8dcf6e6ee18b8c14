"""The approver's queue page ("Hộp việc") at scale, on SQLite and PostgreSQL: every statement it runs reads an index
(never the whole table), and its counts, capped at QUEUE_COUNT_CAP ("hơn 1.000"), stay right as tasks are claimed,
decided and escalated (issue 20; bench/queue_page.py measures it with 1,000,000 tasks)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.review import store
from services.review.routes import operations as review_rpc
from services.review.store import sql_tasks
from services.review.store.sql_tasks import SqlTasks
from shared.contracts.operations import review as review_contracts
from shared.contracts.operations.review import QueueQuery, queue_total_is_exact
from shared.platform.db import make_engine
from shared.platform.service import ServiceContext
from tests.conftest import fresh_database, migrated
from tests.integration.test_escalation import HANOI, OPENED, SONTAY, review_at, submit

UNIT = {"code": "HN-SONTAY", "name": "LĐLĐ thị xã Sơn Tây", "short_name": "LĐLĐ Sơn Tây", "level": "district"}
OTHER = {"code": "HN-BAVI", "name": "LĐLĐ huyện Ba Vì", "short_name": "LĐLĐ Ba Vì", "level": "district"}
STATES = ["open", "claimed", "forwarded", "approved", "returned"]


def task_row(n: int, holder: dict[str, str]) -> dict[str, Any]:
    opened = OPENED - timedelta(minutes=n)
    state = STATES[n % len(STATES)]
    return {
        "id": str(uuid.uuid4()),
        "nomination_id": str(uuid.uuid4()),
        "unit_code": holder["code"],
        "unit": holder,
        "state": state,
        "round": 1,
        "claimant_id": f"u{n % 20}" if state == "claimed" else None,  # twenty approvers share the claimed tasks
        "award_code": "giay_khen_ldld_huyen",
        "award_name": "Giấy khen",
        "nominee_name": f"Nguyễn Văn {n}",
        "nominee_search": f"nguyen van {n}",
        "nominee_kind": "individual",
        "origin_unit_code": "HN-SONTAY-DST",
        "origin_unit_name": "Công đoàn DST",
        "period": "2026",
        "opened_at": opened,
        "due_at": opened + timedelta(days=14) if n % 10 else None,
        "queue_unit_code": holder["code"],
        "queue_unit": holder,
        "alerted": [OTHER] if n % 97 == 0 else None,
        "alerted_codes": "|HN-BAVI|" if n % 97 == 0 else "",
    }


async def seeded(engine: AsyncEngine, count: int) -> None:
    """`count` tasks in Sơn Tây's queue and as many in Ba Vì's, then the planner's statistics."""
    rows = [task_row(n, UNIT) for n in range(count)] + [task_row(n, OTHER) for n in range(count)]
    async with engine.begin() as conn:
        await conn.execute(store.tasks.insert(), rows)
        await conn.execute(sa.text("ANALYZE"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded_queue(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A review database per backend with 3,000 tasks in each of two queues, seeded once for the tests below that only
    read the plans (EXPLAIN) of the queue page's statements and change nothing."""
    databases = fresh_database(request.param, tmp_path_factory.mktemp("queue"))
    url = migrated("review", next(databases))

    async def seed() -> None:
        engine = make_engine(url)
        try:
            await seeded(engine, 3000)
        finally:
            await engine.dispose()

    asyncio.run(seed())
    yield url
    for _ in databases:  # drops the PostgreSQL database
        pass


@asynccontextmanager
async def connected(url: str) -> AsyncIterator[AsyncConnection]:
    """A connection to the seeded queue, on an engine of the test's own event loop."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            yield conn
    finally:
        await engine.dispose()


async def statements_of_the_page(
    conn: AsyncConnection, query: QueueQuery, claimant_id: str | None = None
) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN IMMEDIATE
            seen.append((statement, parameters))

    sa.event.listen(conn.sync_connection.engine, "before_cursor_execute", record)  # type: ignore[union-attr]
    try:
        # a month on: most of the queue is overdue, as at a busy unit (the plans are chosen for the data)
        await SqlTasks(conn).queue_page(query, OPENED + timedelta(days=30), limit=query.limit + 1, claimant_id=claimant_id)
    finally:
        sa.event.remove(conn.sync_connection.engine, "before_cursor_execute", record)  # type: ignore[union-attr]
    return seen


async def plan(conn: AsyncConnection, statement: str, parameters: Any) -> list[str]:
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection
    if conn.dialect.name == "sqlite":
        cursor = await driver.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[-1]) for row in await cursor.fetchall()]
    # A small test table: the planner might read it whole because that is cheapest. Without sequential scans on
    # the table, a plan still reads it whole only when no index serves the query: what this test is about.
    await driver.execute("SET enable_seqscan = off")
    try:
        return [str(row[0]) for row in await driver.fetch(f"EXPLAIN {statement}", *parameters)]
    finally:
        await driver.execute("RESET enable_seqscan")


def reads_whole_table(lines: list[str]) -> bool:
    return any(line.strip() == "SCAN tasks" or "Seq Scan on tasks" in line for line in lines)


QUERIES = [
    QueueQuery(unit_code="HN-SONTAY"),
    QueueQuery(unit_code="HN-SONTAY", state="open", award_code="giay_khen_ldld_huyen"),
    QueueQuery(unit_code="HN-SONTAY", state="overdue"),
    QueueQuery(unit_code="HN-SONTAY", state="escalated_out"),
    QueueQuery(unit_code="HN-BAVI", state="escalated_in"),
    QueueQuery(unit_code="HN-SONTAY", state="all", offset=500),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.unit_code}-{q.state}-{q.offset}")
async def test_every_statement_of_the_queue_page_reads_an_index_not_the_whole_table(seeded_queue: str, query: QueueQuery) -> None:
    async with connected(seeded_queue) as conn:
        statements = await statements_of_the_page(conn, query)
        assert len(statements) == 2  # the counts in one round trip, then the page
        for statement, parameters in statements:
            lines = await plan(conn, statement, parameters)
            assert not reads_whole_table(lines), (statement, lines)
        page_plan = "\n".join(await plan(conn, *statements[-1]))
    if query.state in ("escalated_in", "escalated_out"):  # the few tasks with a superior alerted, then sorted
        assert "ix_tasks_alerted" in page_plan, page_plan
    else:  # the page in queue order read straight off the index: no sort of the queue
        assert "ix_tasks_queue_order" in page_plan, page_plan
        assert "TEMP B-TREE FOR ORDER BY" not in page_plan, page_plan
        assert "Sort Key" not in page_plan, page_plan


SORTS = ["received", "-received", "nominee", "-nominee", "award", "-award", "state", "-state", "-due"]
SORT_INDEXES = {
    "received": "ix_tasks_sort_received",
    "nominee": "ix_tasks_sort_nominee",
    "award": "ix_tasks_sort_award",
    "state": "ix_tasks_sort_state",
    "due": "ix_tasks_queue_order",
}


@pytest.mark.asyncio
@pytest.mark.parametrize("state", ["active", "overdue"])
@pytest.mark.parametrize("sort", SORTS)
async def test_every_sort_of_the_queue_reads_its_index_in_order_without_sorting_the_queue(
    seeded_queue: str, sort: str, state: str
) -> None:
    query = QueueQuery.model_validate({"unit_code": "HN-SONTAY", "state": state, "sort": sort})
    async with connected(seeded_queue) as conn:
        statements = await statements_of_the_page(conn, query)
        assert len(statements) == 2
        for statement, parameters in statements:
            lines = await plan(conn, statement, parameters)
            assert not reads_whole_table(lines), (statement, lines)
        page_plan = "\n".join(await plan(conn, *statements[-1]))
    assert SORT_INDEXES[sort.removeprefix("-")] in page_plan, page_plan
    assert "TEMP B-TREE FOR ORDER BY" not in page_plan, page_plan
    assert "Sort Key" not in page_plan, page_plan


@pytest.mark.asyncio
@pytest.mark.parametrize("sort", ["due", "-received", "nominee"])
async def test_my_tasks_are_found_through_the_claimant_index_not_by_reading_the_queue(seeded_queue: str, sort: str) -> None:
    """ "Việc của tôi": one approver's few tasks among thousands, read off ix_tasks_claimant and then sorted (a person
    holds a few dozen tasks, not a queue)."""
    query = QueueQuery.model_validate({"unit_code": "HN-SONTAY", "mine": True, "sort": sort})
    async with connected(seeded_queue) as conn:
        statements = await statements_of_the_page(conn, query, claimant_id="u7")
        for statement, parameters in statements:
            lines = await plan(conn, statement, parameters)
            assert not reads_whole_table(lines), (statement, lines)
            assert "ix_tasks_claimant" in "\n".join(lines), (statement, lines)


@contextmanager
def count_cap(cap: int) -> Iterator[None]:
    """A cap of a few tasks so a test can pass it (the store and queue_total_is_exact read their module's)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sql_tasks, "QUEUE_COUNT_CAP", cap)
        patch.setattr(review_contracts, "QUEUE_COUNT_CAP", cap)
        yield


async def counts(ctx: ServiceContext, unit_code: str = "HN-SONTAY", **filters: Any) -> dict[str, Any]:
    actor = SONTAY if unit_code == "HN-SONTAY" else HANOI
    page = await review_rpc(ctx)["list_queue"](actor, {"unit_code": unit_code, **filters})
    exact = queue_total_is_exact(page["total"], filters.get("offset", 0))
    return {"total": page["total"], "exact": exact, **page["counts"]}


@pytest.mark.asyncio
async def test_the_queue_counts_stay_right_through_claim_decide_and_escalation_and_stop_past_the_cap(
    service_context: Any,
) -> None:
    ctx, clock, loop = await review_at(service_context)
    tasks = [await submit(ctx) for _ in range(4)]
    zero = {"overdue": 0, "escalated_in": 0, "escalated_out": 0}
    assert await counts(ctx) == {"total": 4, "exact": True, "open": 4, "claimed": 0, **zero}

    await review_rpc(ctx)["claim"](SONTAY, {"task_id": tasks[0]["id"]})
    assert await counts(ctx) == {"total": 4, "exact": True, "open": 3, "claimed": 1, **zero}

    await review_rpc(ctx)["decide"](SONTAY, {"task_id": tasks[0]["id"], "action": "approve", "comment": "Đồng ý"})
    assert await counts(ctx) == {"total": 3, "exact": True, "open": 3, "claimed": 0, **zero}
    assert (await counts(ctx, state="done"))["total"] == 1

    with count_cap(2):  # three open: "more than two", the total too; past the offset, counting goes on from there
        assert await counts(ctx) == {"total": 3, "exact": False, "open": 3, "claimed": 0, **zero}
        past_two = await counts(ctx, state="all", offset=2)  # counted up to offset + cap + 1 = 5: all four, exactly
        assert (past_two["total"], past_two["exact"]) == (4, True)

    clock.at = datetime(2026, 3, 16, 17, 0, 1, tzinfo=UTC)  # the day after the due date in Hà Nội: the city is alerted
    await loop.run_once()
    late = {"overdue": 3, "escalated_in": 0, "escalated_out": 3}
    assert await counts(ctx) == {"total": 3, "exact": True, "open": 3, "claimed": 0, **late}
    city = await counts(ctx, "HN", state="escalated_in")
    # not in the city's own queue, where the one Sơn Tây approved waits
    assert (city["total"], city["escalated_in"], city["open"]) == (3, 3, 1)
    with count_cap(2):
        assert (await counts(ctx, "HN", state="escalated_in"))["escalated_in"] == 3  # cap + 1: "more than two"
