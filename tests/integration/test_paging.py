"""Walking registration's nominations by cursor over a real broker, on both databases: every nomination that existed
when the walk began is seen exactly once, also when others are submitted while the walk goes on; a page never
exceeds its maximum; a cursor that was tampered with, or made for other filters, is refused naming it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient

from services.awards.domain.register import Decision
from services.awards.store.sql import SqlUnitOfWork
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.decisions import list_decisions
from services.registration.store.records import PledgeRow
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.registration.usecases.emulation import list_pledges
from services.review.routes import operations as review_rpc
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts import subjects
from shared.contracts.commands import PledgeTarget
from shared.contracts.events import Actor, NominationSubmitted, RoleGrant
from shared.contracts.operations import RpcRequest
from shared.contracts.operations.awards import DecisionQuery
from shared.contracts.operations.registration import PledgeQuery
from shared.contracts.paging import NOMINATIONS_PAGE_MAX, CursorInvalid
from shared.contracts.values import UnitRef
from shared.platform.clock import FixedClock
from shared.platform.rpc import encode_reply
from shared.platform.service import ServiceContext
from shared.rules import reference
from tests.integration.conftest import SUBMITTER, snapshot
from tests.integration.portal_app import RunningPortal, running_portal

SUBMIT = subjects.rpc_subject("registration", "submit")
LIST = subjects.rpc_subject("registration", "list")
PAGE = 4


async def call(nc: NatsClient, actor: Actor, params: dict[str, Any], subject: str = LIST) -> dict[str, Any]:
    reply = await nc.request(subject, RpcRequest(actor=actor, params=params).model_dump_json().encode(), timeout=10)
    decoded: dict[str, Any] = json.loads(reply.data)
    return decoded


async def submit(nc: NatsClient, name: str) -> str:
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }
    reply = await call(nc, SUBMITTER, body, SUBMIT)
    assert reply["ok"], reply
    return str(reply["data"]["id"])


async def submit_many(registration: ServiceContext, nc: NatsClient, names: list[str]) -> list[str]:
    """Some at the same instant (ties the order breaks by id), some a second apart."""
    clock = registration.clock
    assert isinstance(clock, FixedClock)
    ids = []
    for n, name in enumerate(names):
        if n % 3 == 0:
            clock.advance(timedelta(seconds=1))
        ids.append(await submit(nc, name))
    return ids


@pytest.mark.asyncio
async def test_a_walk_by_cursor_sees_every_nomination_once_while_others_are_submitted(
    registration: ServiceContext, nc: NatsClient
) -> None:
    existing = await submit_many(registration, nc, [f"Nguyễn Văn Người {n:02d}" for n in range(15)])
    seen: list[str] = []
    order: list[tuple[str, str]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
        reply = await call(nc, SUBMITTER, params)
        assert reply["ok"], reply
        page = reply["data"]
        assert len(page["items"]) <= PAGE
        seen += [n["id"] for n in page["items"]]
        order += [(n["created_at"], n["id"]) for n in page["items"]]
        pages += 1
        # Submitted during the walk, at the same instant as the page just read and a second later.
        await submit(nc, f"Trần Thị Mới Trang {pages}a")
        registration.clock.advance(timedelta(seconds=1))  # type: ignore[attr-defined]
        await submit(nc, f"Trần Thị Mới Trang {pages}b")
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert pages < 20, "the walk never ends"

    assert len(seen) == len(set(seen)), "a nomination was seen twice"
    assert set(existing) <= set(seen), "a nomination that existed was skipped"
    assert order == sorted(order, reverse=True)  # newest first, ties: the greater id first
    assert pages == -(-len(seen) // PAGE)  # full pages until the last: no empty page at the end


@pytest.mark.asyncio
async def test_the_last_page_has_no_next_cursor_and_total_counts_the_whole_list(
    registration: ServiceContext, nc: NatsClient
) -> None:
    await submit_many(registration, nc, [f"Lê Văn Đủ {n}" for n in range(PAGE)])
    first = (await call(nc, SUBMITTER, {"limit": PAGE}))["data"]
    assert len(first["items"]) == PAGE
    assert first["next_cursor"] is None  # exactly one page: no empty page to fetch after it
    assert first["total"] == PAGE
    shorter = (await call(nc, SUBMITTER, {"limit": PAGE - 1}))["data"]
    after = (await call(nc, SUBMITTER, {"limit": PAGE - 1, "cursor": shorter["next_cursor"]}))["data"]
    assert after["total"] == PAGE
    assert [n["id"] for n in shorter["items"] + after["items"]] == [n["id"] for n in first["items"]]


@pytest.mark.asyncio
async def test_a_tampered_cursor_or_one_made_for_other_filters_is_refused_naming_it(
    registration: ServiceContext, nc: NatsClient
) -> None:
    await submit_many(registration, nc, ["Phạm Văn Một", "Phạm Văn Hai"])
    cursor = (await call(nc, SUBMITTER, {"limit": 1}))["data"]["next_cursor"]
    assert cursor
    for bad in (cursor[:-2] + ("AA" if cursor[-2:] != "AA" else "BB"), "xyz", cursor + "A"):
        reply = await call(nc, SUBMITTER, {"limit": 1, "cursor": bad})
        assert reply["ok"] is False
        assert (reply["error"]["code"], reply["error"]["status"]) == ("cursor_invalid", 422)
        assert [f["field"] for f in reply["error"]["fields"]] == ["cursor"]
    other_filter = await call(nc, SUBMITTER, {"limit": 1, "cursor": cursor, "status": "submitted"})
    assert other_filter["error"]["code"] == "cursor_invalid"
    with_offset = await call(nc, SUBMITTER, {"limit": 1, "cursor": cursor, "offset": 1})
    assert with_offset["error"]["code"] == "offset_with_cursor"


@pytest.mark.asyncio
async def test_the_service_refuses_a_page_over_its_maximum(registration: ServiceContext, nc: NatsClient) -> None:
    reply = await call(nc, SUBMITTER, {"limit": NOMINATIONS_PAGE_MAX + 1})
    assert reply["ok"] is False
    assert reply["error"]["status"] == 422
    assert [f["field"] for f in reply["error"]["fields"]] == ["limit"]
    assert str(NOMINATIONS_PAGE_MAX) in reply["error"]["fields"][0]["message"]


# A unit's queue, walked by cursor (oldest due first, then opened, then id), on review's own store


async def open_task(ctx: Any, occurred_at: datetime) -> str:
    nomination_id = str(uuid.uuid4())
    event = NominationSubmitted(occurred_at=occurred_at, nomination=snapshot(nomination_id))
    await intake.on_submitted(ReviewContext.of(ctx), event)
    return nomination_id


@pytest.mark.asyncio
async def test_a_queue_walked_by_cursor_shows_every_task_once_while_tasks_arrive(service_context: Any) -> None:
    ctx = await service_context("review")
    start = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    # Several a day (the same due date; some opened at the same instant), over two weeks.
    existing = [await open_task(ctx, start + timedelta(days=n // 3, hours=n % 3 // 2)) for n in range(14)]
    approver = Actor(user_id="u", username="ld.sontay", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),))
    list_queue = review_rpc(ctx)["list_queue"]
    seen: list[str] = []
    order: list[tuple[str, str, str]] = []
    cursor = None
    while True:
        page = await list_queue(approver, {"unit_code": "HN-SONTAY", "state": "all", "limit": 3, "cursor": cursor})
        assert page["total"] >= len(existing)
        seen += [t["nomination_id"] for t in page["items"]]
        order += [(t["due_at"], t["opened_at"], t["id"]) for t in page["items"]]
        await open_task(ctx, start)  # due with the first ones: behind the cursor (or among its ties)
        await open_task(ctx, start + timedelta(days=30))  # due after every one: at the end of the walk
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(seen) < 100, "the walk never ends"
    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    assert order == sorted(order)


@pytest.mark.asyncio
async def test_a_queue_cursor_for_another_unit_or_state_is_refused(service_context: Any) -> None:
    ctx = await service_context("review")
    for n in range(3):
        await open_task(ctx, datetime(2026, 1, 5, 2, n, tzinfo=UTC))
    approver = Actor(user_id="u", username="ld.sontay", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),))
    list_queue = review_rpc(ctx)["list_queue"]
    cursor = (await list_queue(approver, {"unit_code": "HN-SONTAY", "limit": 1}))["next_cursor"]
    with pytest.raises(CursorInvalid):
        await list_queue(approver, {"unit_code": "HN-SONTAY", "state": "open", "limit": 1, "cursor": cursor})
    with pytest.raises(CursorInvalid):
        await list_queue(approver, {"unit_code": "HN-SONTAY", "limit": 1, "cursor": cursor[::-1]})


# The register of decisions, walked by cursor (issuer, newest year, kind, highest number first), on awards' store

OPS = Actor(user_id="u-ops", username="ops", roles=(RoleGrant(role="ops"),))


async def issue(ctx: Any, issuer_code: str, year: int, kind: str, number: int) -> str:
    decision = Decision(
        id=str(uuid.uuid4()),
        kind=kind,  # type: ignore[arg-type]
        issuer_code=issuer_code,
        issuer=UnitRef(code=issuer_code, name=f"Đơn vị {issuer_code}", short_name=issuer_code, level="district"),
        year=year,
        number=number,
        number_text=f"{number}/QĐ-{issuer_code}",
        issued_at=datetime(year, 6, 1, tzinfo=UTC),
        signed_by="Nguyễn Văn Ký",
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen",
        catalog_version="union-2025-01-01",
        readers=(issuer_code,),
        batch_id=None,
        decided_by="",
        document=None,
    )
    async with SqlUnitOfWork(ctx.engine) as uow:
        await uow.store.add_decision(decision)
        await uow.commit()
    return decision.id


@pytest.mark.asyncio
async def test_the_register_walked_by_cursor_shows_every_document_once_while_others_are_issued(service_context: Any) -> None:
    ctx = await service_context("awards")
    existing = [
        await issue(ctx, issuer, year, kind, number)
        for issuer in ("HN", "HN-SONTAY")
        for year in (2025, 2026)
        for kind in ("decision", "proposal")
        for number in (1, 2)
    ]
    awards = AwardsContext.of(ctx)
    seen: list[str] = []
    order: list[tuple[str, int, str, int]] = []
    cursor = None
    extra = 100
    while True:
        page = await list_decisions(awards, OPS, DecisionQuery(limit=3, cursor=cursor))
        seen += [d.id for d in page.items]
        order += [(d.issuer_code, -d.year, d.kind, -d.number) for d in page.items]
        extra += 1
        await issue(ctx, "HN", 2026, "decision", extra)  # numbered after every one: ahead of the walk
        await issue(ctx, "TLD", 2026, "decision", extra)  # a later issuer: at the end of the walk
        cursor = page.next_cursor
        if cursor is None:
            break
        assert len(seen) < 200, "the walk never ends"
    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    assert order == sorted(order)


# Through the portal: the JSON API's pages, cursors and refusals, as a client sees them


@pytest_asyncio.fixture
async def portal(registration: ServiceContext, clean_nats: str, tmp_path: Path) -> AsyncIterator[RunningPortal]:
    async with running_portal(clean_nats, f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", tmp_path) as running:
        yield running


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_api_walks_nominations_by_next_cursor_and_refuses_a_bad_cursor_or_a_page_too_large(
    portal: RunningPortal, nc: NatsClient
) -> None:
    async with portal.client() as http:
        headers = {"Authorization": f"Bearer {await portal.token(http, 'cdcs.dst')}"}
        for n in range(7):
            await submit(nc, f"Đỗ Văn Khách {n}")
        seen: list[str] = []
        params: dict[str, Any] = {"limit": 3}
        while True:
            response = await http.get("/api/v1/nominations", params=params, headers=headers)
            assert response.status_code == 200, response.text
            page = response.json()
            assert page["total"] == 7
            seen += [n["id"] for n in page["items"]]
            if page["next_cursor"] is None:
                break
            params["cursor"] = page["next_cursor"]
        assert len(seen) == len(set(seen)) == 7

        tampered = await http.get("/api/v1/nominations", params={"cursor": params["cursor"][:-3] + "xyz"}, headers=headers)
        assert tampered.status_code == 422
        assert tampered.headers["content-type"].startswith("application/problem+json")
        assert tampered.json()["code"] == "cursor_invalid"
        assert [f["field"] for f in tampered.json()["fields"]] == ["cursor"]

        too_many = await http.get("/api/v1/nominations", params={"limit": 500}, headers=headers)
        assert too_many.status_code == 422
        assert too_many.json()["code"] == "limit_too_large"
        assert f"tối đa {NOMINATIONS_PAGE_MAX} mục" in too_many.json()["title"]


# Pledges, walked by cursor (newest year first, then unit), on registration's own store


async def pledge(ctx: RegistrationContext, unit_code: str, year: int) -> str:
    row = PledgeRow(
        id=str(uuid.uuid4()),
        unit_code=unit_code,
        path=(unit_code, "HN-SONTAY", "HN", "TLD"),
        superior_code="HN-SONTAY",
        superior_name="LĐLĐ thị xã Sơn Tây",
        year=year,
        status="submitted",
        targets=(PledgeTarget(award_code="lao_dong_gioi", count=3),),
        note="",
        late=False,
        deadline=date(year, 3, 31),
        registered_by="Người đăng ký",
        registered_at=datetime(year, 1, 10, tzinfo=UTC),
        decided_by=None,
        decided_at=None,
        reason=None,
    )
    async with ctx.uow.transaction() as store:
        await store.add_pledge(row)
    return row.id


@pytest.mark.asyncio
async def test_pledges_walked_by_cursor_show_every_pledge_once_while_others_are_registered(service_context: Any) -> None:
    ctx = await service_context("registration")
    app = RegistrationContext.of(ctx)
    await registration_units.load_units(app, reference.load_units())
    codes = sorted(u.code for u in reference.load_units())
    existing = [await pledge(app, code, year) for year in (2025, 2026) for code in codes[::2]]
    later = iter(codes[1::2])
    seen: list[str] = []
    order: list[tuple[int, str]] = []
    cursor = None
    while True:
        page = await list_pledges(app, OPS, PledgeQuery(limit=3, cursor=cursor))
        seen += [p.id for p in page.items]
        order += [(-p.year, p.unit_code) for p in page.items]
        unit_code = next(later, None)
        if unit_code is not None:  # between units already listed and those still to come
            await pledge(app, unit_code, 2026)
        cursor = page.next_cursor
        if cursor is None:
            break
        assert len(seen) < 100, "the walk never ends"
    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    assert order == sorted(order)


@pytest.mark.asyncio
async def test_a_reply_travels_as_the_compact_utf8_bytes_the_size_guard_measures(
    registration: ServiceContext, nc: NatsClient
) -> None:
    await submit(nc, "Nguyễn Thị Hường")
    raw = (await nc.request(LIST, RpcRequest(actor=SUBMITTER, params={}).model_dump_json().encode(), timeout=10)).data
    assert "Nguyễn Thị Hường".encode() in raw  # not \\u-escaped: 3 bytes a Vietnamese letter at most, not 6
    assert raw == encode_reply(json.loads(raw))
