"""The approver's queue tools through the portal's JSON API over a real broker, on SQLite and PostgreSQL (review's and
the portal's databases alike): sorting (and a sort key review does not know refused naming the field), "Việc của
tôi" decided by review after a claim, saved filters kept per user (another user can neither see nor delete them), and
the queue and the nominations list as workbooks read back with openpyxl."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from openpyxl import load_workbook

from services.registration import routes as registration_routes
from services.registration.store.records import NominationSearch
from services.registration.store.sql import SqlStore
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.review import routes as review_routes
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts.events import NominationSubmitted
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, REVIEW_FROM_REGISTRATION
from shared.platform.clock import FixedClock
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.conftest import fresh_database
from tests.integration.conftest import SUBMITTER, draft, running_broker, snapshot
from tests.integration.portal_app import RunningPortal, running_portal
from tests.integration.test_queue_at_scale import plan

NAMES = ["Trần Thị Bình", "Lê Văn Cường", "Nguyễn Văn An", "Đặng Thu Hà", "Phạm Minh Đức"]
BY_NAME = ["Đặng Thu Hà", "Lê Văn Cường", "Nguyễn Văn An", "Phạm Minh Đức", "Trần Thị Bình"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Stack:
    registration: ServiceContext
    review: ServiceContext
    portal: RunningPortal


@pytest.fixture
def portal_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The portal's own database, on the backend the test runs on."""
    yield from fresh_database("sqlite" if database_url.startswith("sqlite") else "postgresql", tmp_path / "portal")


@pytest_asyncio.fixture
async def stack(
    service_context: Callable[..., Any], clean_nats: str, tmp_path: Path, portal_database: str
) -> AsyncIterator[Stack]:
    reg: ServiceContext = await service_context("registration", url=f"sqlite+aiosqlite:///{tmp_path / 'registration.sqlite'}")
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    rev: ServiceContext = await service_context("review")
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REVIEW_FROM_REGISTRATION))
    (tmp_path / "portal").mkdir(exist_ok=True)
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
        running_broker(clean_nats, "review", lambda router, broker: review_routes.wire(router, broker, rev)),
        running_portal(clean_nats, portal_database, tmp_path / "portal") as portal,
    ):
        yield Stack(reg, rev, portal)


async def open_tasks(review: ServiceContext, names: list[str]) -> None:
    """Registration's event for each nominee reaches review: a task each in Sơn Tây's queue."""
    for name in names:
        nom = snapshot(str(uuid.uuid4()), name=name)
        await intake.on_submitted(ReviewContext.of(review), NominationSubmitted(occurred_at=review.clock.now(), nomination=nom))


async def signed_in(portal: RunningPortal, http: httpx.AsyncClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await portal.token(http, username)}"}


async def queue(http: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    """Every page of Sơn Tây's queue, two tasks a page, following next_cursor."""
    items: list[dict[str, Any]] = []
    query: dict[str, Any] = {"limit": 2, **params}
    while True:
        response = await http.get("/api/v1/queues/HN-SONTAY/tasks", params=query, headers=headers)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        if response.json()["next_cursor"] is None:
            return items
        query["cursor"] = response.json()["next_cursor"]


@pytest.mark.asyncio
async def test_the_api_sorts_the_queue_across_cursor_pages_and_refuses_an_unknown_sort_naming_it(stack: Stack) -> None:
    await open_tasks(stack.review, NAMES)
    async with stack.portal.client() as http:
        headers = await signed_in(stack.portal, http, "ld.sontay")
        assert [t["nominee_name"] for t in await queue(http, headers, sort="nominee")] == BY_NAME
        assert [t["nominee_name"] for t in await queue(http, headers, sort="-nominee")] == BY_NAME[::-1]
        assert len(await queue(http, headers, sort="-received")) == len(NAMES)

        refused = await http.get("/api/v1/queues/HN-SONTAY/tasks", params={"sort": "nominee_search"}, headers=headers)
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert [f["field"] for f in refused.json()["fields"]] == ["sort"]


@pytest.mark.asyncio
async def test_my_tasks_are_the_ones_i_claimed_as_review_records_them(stack: Stack) -> None:
    await open_tasks(stack.review, NAMES[:3])
    async with stack.portal.client() as http:
        huy = await signed_in(stack.portal, http, "ld.sontay")
        nam = await signed_in(stack.portal, http, "ld.sontay2")
        assert await queue(http, huy, mine="true") == []
        tasks = await queue(http, huy)
        claimed = await http.post(f"/api/v1/tasks/{tasks[0]['id']}/claim", headers=huy)
        assert claimed.status_code == 200, claimed.text
        await http.post(f"/api/v1/tasks/{tasks[1]['id']}/claim", headers=nam)

        assert [t["id"] for t in await queue(http, huy, mine="true")] == [tasks[0]["id"]]
        assert [t["id"] for t in await queue(http, nam, mine="true")] == [tasks[1]["id"]]


@pytest.mark.asyncio
async def test_saved_filters_belong_to_their_user_who_alone_sees_and_deletes_them(stack: Stack) -> None:
    async with stack.portal.client() as http:
        huy = await signed_in(stack.portal, http, "ld.sontay")
        nam = await signed_in(stack.portal, http, "ld.sontay2")
        body: dict[str, Any] = {
            "name": "Quá hạn – Công nhân giỏi",
            "filter": {"unit_code": "HN-SONTAY", "state": "overdue", "award_code": "cong_nhan_gioi", "sort": "-due"},
        }
        created = await http.post("/api/v1/me/queue-filters", json=body, headers=huy)
        assert created.status_code == 201, created.text
        saved = created.json()
        assert saved["filter"]["sort"] == "-due"
        assert saved["filter"]["mine"] is False

        again = await http.post(
            "/api/v1/me/queue-filters", json={**body, "filter": {**body["filter"], "mine": True}}, headers=huy
        )
        assert again.json()["id"] == saved["id"]  # the same name replaces
        mine = (await http.get("/api/v1/me/queue-filters", headers=huy)).json()
        assert [(f["name"], f["filter"]["mine"]) for f in mine] == [("Quá hạn – Công nhân giỏi", True)]

        assert (await http.get("/api/v1/me/queue-filters", headers=nam)).json() == []
        theirs = await http.delete(f"/api/v1/me/queue-filters/{saved['id']}", headers=nam)
        assert theirs.status_code == 404
        assert len((await http.get("/api/v1/me/queue-filters", headers=huy)).json()) == 1

        bad = await http.post(
            "/api/v1/me/queue-filters", json={"name": "x", "filter": {"unit_code": "HN-SONTAY", "sort": "bogus"}}, headers=huy
        )
        assert bad.status_code == 422
        assert any("sort" in f["field"] for f in bad.json()["fields"]), bad.json()

        assert (await http.delete(f"/api/v1/me/queue-filters/{saved['id']}", headers=huy)).status_code == 204
        assert (await http.get("/api/v1/me/queue-filters", headers=huy)).json() == []


def sheet_rows(data: bytes) -> tuple[list[tuple[Any, ...]], int]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert sheet.freeze_panes == f"A{header + 2}"
    return rows, header


@pytest.mark.asyncio
async def test_the_queue_exports_every_row_in_the_chosen_order_with_its_filters(stack: Stack) -> None:
    await open_tasks(stack.review, NAMES)
    async with stack.portal.client() as http:
        headers = await signed_in(stack.portal, http, "ld.sontay")
        response = await http.get("/api/v1/queues/HN-SONTAY/tasks.xlsx", params={"sort": "-nominee"}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        assert "filename*=UTF-8''H%E1%BB%99p%20vi%E1%BB%87c%20HN-SONTAY" in response.headers["content-disposition"]
        rows, header = sheet_rows(response.content)
        assert rows[0][0] == "HỘP VIỆC — LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY"
        assert "Sắp xếp: Đối tượng (giảm dần)" in [r[0] for r in rows[:header]]
        assert rows[header][:4] == ("STT", "Đối tượng", "Cá nhân / tập thể", "Hình thức khen thưởng")
        assert [r[1] for r in rows[header + 1 :]] == BY_NAME[::-1]
        assert rows[header + 1][6].date() == date(2026, 3, 2)  # received: a date, shown dd/mm/yyyy

        refused = await http.get("/api/v1/queues/HN-SONTAY/tasks.xlsx", params={"sort": "1; DROP"}, headers=headers)
        assert refused.status_code == 422
        stranger = await signed_in(stack.portal, http, "ld.thanhxuan")
        assert (await http.get("/api/v1/queues/HN-SONTAY/tasks.xlsx", headers=stranger)).status_code == 403


@pytest.mark.asyncio
async def test_the_nominations_list_sorts_by_submission_both_ways_and_exports_what_the_user_may_see(stack: Stack) -> None:
    submit = registration_routes.operations(stack.registration)["submit"]
    clock = stack.registration.clock
    assert isinstance(clock, FixedClock)
    for name in NAMES[:3]:
        clock.advance(timedelta(minutes=1))
        await submit(SUBMITTER, draft(name))
    async with stack.portal.client() as http:
        headers = await signed_in(stack.portal, http, "cdcs.dst")
        for sort, expected in (("created", NAMES[:3]), ("-created", NAMES[2::-1])):
            seen: list[str] = []
            params: dict[str, Any] = {"limit": 2, "sort": sort}
            while True:
                page = (await http.get("/api/v1/nominations", params=params, headers=headers)).json()
                seen += [n["nominee"]["name"] for n in page["items"]]
                if page["next_cursor"] is None:
                    break
                params["cursor"] = page["next_cursor"]
            assert seen == expected, sort
        refused = await http.get("/api/v1/nominations", params={"sort": "nominee"}, headers=headers)
        assert refused.status_code == 422
        assert [f["field"] for f in refused.json()["fields"]] == ["sort"]

        response = await http.get("/api/v1/nominations.xlsx", params={"period": "2026", "sort": "created"}, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == XLSX
        rows, header = sheet_rows(response.content)
        assert rows[header][1] == "Người/tập thể được đề nghị"
        assert [r[1] for r in rows[header + 1 :]] == NAMES[:3]
        assert "Kỳ: 2026" in str(rows[1][0])


# SQLite only: on an empty table PostgreSQL's planner rightly prefers a bitmap scan and a sort of nothing (for the
# default order too); the queue's plan checks (test_queue_at_scale) seed thousands of rows for that reason.
@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("oldest_first", [False, True])
async def test_the_nominations_page_is_read_off_the_submission_index_in_either_order(
    service_context: Callable[..., Any], oldest_first: bool
) -> None:
    ctx: ServiceContext = await service_context("registration")
    seen: list[tuple[str, Any]] = []
    async with ctx.engine.connect() as conn:

        def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            seen.append((statement, parameters))

        sa.event.listen(conn.sync_connection.engine, "before_cursor_execute", record)  # type: ignore[union-attr]
        try:
            after = (datetime(2026, 3, 2, tzinfo=UTC), "m")
            await SqlStore(conn).search_nominations(NominationSearch(limit=51, after=after, oldest_first=oldest_first))
        finally:
            sa.event.remove(conn.sync_connection.engine, "before_cursor_execute", record)  # type: ignore[union-attr]
        page_plan = "\n".join(await plan(conn, *seen[-1]))
    assert "ix_nominations_created_id" in page_plan, page_plan
    assert "TEMP B-TREE FOR ORDER BY" not in page_plan, page_plan
    assert "Sort Key" not in page_plan, page_plan
