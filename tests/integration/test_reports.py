"""Reports of the registry on a real nats-server and database: the grassroots register recorded through awards'
RPC (the unit path asked of a running registration), pipeline decisions with their sector, and the counts by
award, level, sector, nominee kind and unit, scoped to the asking unit's subtree."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient

from services.awards import routes as awards_routes
from services.awards import store as awards_store
from services.awards.usecases.context import AwardsContext
from services.registration import routes as registration_routes
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.events import Actor, NominationApproved, RoleGrant
from shared.contracts.operations import RpcRequest
from shared.contracts.subjects import AWARDS_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, rpc_subject
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.integration.conftest import APPROVER_SONTAY, OPS, SUBMITTER, count_rows, path_of, running_broker, snapshot
from tests.integration.signing import issue

ADMIN = Actor(user_id="u-admin", username="admin", roles=(RoleGrant(role="admin"),))
SONTAY = Actor(user_id="u-sontay", username="ld.sontay", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),))
THPT = Actor(user_id="u-thpt", username="cdcs.thpt", roles=(RoleGrant(role="submitter", unit_code="HN-SONTAY-THPTSONTAY"),))
VANQUAN = Actor(user_id="u-vq", username="cdcs.vanquan", roles=(RoleGrant(role="submitter", unit_code="HN-HADONG-VANQUAN"),))


@pytest_asyncio.fixture
async def services(service_context: Callable[..., Any], clean_nats: str, tmp_path: Path) -> AsyncIterator[ServiceContext]:
    """Registration (on its own SQLite file) and awards (on the backend under test), both wired on real brokers."""
    reg: ServiceContext = await service_context("registration", url=f"sqlite+aiosqlite:///{tmp_path}/registration.db")
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    ctx: ServiceContext = await service_context("awards")
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, AWARDS_FROM_REVIEW))
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
        running_broker(clean_nats, "awards", lambda router, broker: awards_routes.wire(router, broker, ctx)),
    ):
        yield ctx


async def call(nc: NatsClient, operation: str, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    request = RpcRequest(actor=actor, params=params).model_dump_json().encode()
    reply = await nc.request(rpc_subject("awards", operation), request, timeout=10)
    decoded: dict[str, Any] = json.loads(reply.data)
    return decoded


def innovations(n: int, *, on: str = "2025-12-20", start: int = 0, kind: str = "individual") -> list[dict[str, Any]]:
    return [
        {
            "award_code": "sang_kien_co_so",
            "nominee_kind": kind,
            "nominee_name": f"Tác giả {start + i}",
            "decided_on": on,
            "decision_number": "12/QĐ-CĐCS",
            "title": f"Giải pháp {start + i}",
        }
        for i in range(n)
    ]


@pytest.mark.asyncio
async def test_a_cdcs_records_its_own_innovations_and_the_district_counts_them_by_sector(
    services: ServiceContext, nc: NatsClient
) -> None:
    school = await call(nc, "record_grassroots", THPT, {"unit_code": "HN-SONTAY-THPTSONTAY", "entries": innovations(446)})
    firm = await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": innovations(1301)})
    assert school["data"] == {"recorded": 446, "already_recorded": 0, "rows": 446}
    assert firm["ok"] is True

    reply = await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "year": 2025})

    assert reply["ok"] is True, reply
    report = reply["data"]
    [award] = report["by_award"]
    assert award["headline"] == "1.747 sáng kiến cấp cơ sở (trường học 446, doanh nghiệp 1.301)"
    assert award["level"] == "grassroots"
    assert award["prize_vnd"] == 0
    assert report["by_level"][0]["label"] == "cấp cơ sở"
    assert {u["code"]: u["count"] for u in report["by_unit"]} == {"HN-SONTAY-DST": 1301, "HN-SONTAY-THPTSONTAY": 446}
    assert (await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "year": 2024}))["data"]["total"]["count"] == 0


@pytest.mark.asyncio
async def test_sending_the_same_rows_again_records_nothing_twice(services: ServiceContext, nc: NatsClient) -> None:
    rows = innovations(30)
    await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": rows})
    more = rows + innovations(5, start=30)
    again = await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": more})

    assert again["data"] == {"recorded": 5, "already_recorded": 30, "rows": 35}
    assert await count_rows(services.engine, awards_store.registry) == 35
    assert await count_rows(services.engine, awards_store.registry_scopes) == 35 * 4  # CĐCS, Sơn Tây, HN, TLĐ


@pytest.mark.asyncio
async def test_a_batch_with_bad_rows_is_refused_whole_with_each_row_named_in_vietnamese(
    services: ServiceContext, nc: NatsClient
) -> None:
    rows = innovations(3)
    rows[1]["award_code"] = "giay_khen_ldld_huyen"  # decided by the district, not by the CĐCS
    rows[2]["decided_on"] = "2027-01-05"  # after today (the fixed clock: 02/03/2026)

    reply = await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": rows})

    assert reply["ok"] is False
    assert reply["error"]["code"] == "grassroots_rows_invalid"
    fields = {f["field"]: f["message"] for f in reply["error"]["fields"]}
    assert "không do công đoàn cơ sở tự quyết định" in fields["entries.1.award_code"]
    assert "05/01/2027 ở sau hôm nay" in fields["entries.2.decided_on"]
    assert await count_rows(services.engine, awards_store.registry) == 0


@pytest.mark.asyncio
async def test_only_the_cdcs_own_officers_record_and_only_at_a_cdcs(services: ServiceContext, nc: NatsClient) -> None:
    other = await call(nc, "record_grassroots", VANQUAN, {"unit_code": "HN-SONTAY-DST", "entries": innovations(1)})
    district = await call(nc, "record_grassroots", ADMIN, {"unit_code": "HN-SONTAY", "entries": innovations(1)})

    assert other["error"]["code"] == "not_unit_officer"
    assert district["error"]["code"] == "not_grassroots_unit"
    assert district["error"]["fields"][0]["field"] == "unit_code"


@pytest.mark.asyncio
async def test_a_unit_sees_its_own_subtree_and_operations_see_every_unit(services: ServiceContext, nc: NatsClient) -> None:
    await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": innovations(7)})
    await call(nc, "record_grassroots", VANQUAN, {"unit_code": "HN-HADONG-VANQUAN", "entries": innovations(4)})

    assert (await call(nc, "report", SONTAY, {}))["data"]["total"]["count"] == 7  # its own unit by default
    everything = (await call(nc, "report", OPS, {}))["data"]
    assert everything["unit_code"] == "TLD"
    assert everything["total"]["count"] == 11
    assert {u["code"] for u in everything["by_unit"]} == {"HN"}
    # Sơn Tây asking about the city sees only what lies in its own subtree, and is told so.
    city = (await call(nc, "report", SONTAY, {"unit_code": "HN"}))["data"]
    assert (city["total"]["count"], city["narrowed_to_own_units"]) == (7, True)
    # Nothing of Hà Đông under Sơn Tây: refused rather than shown empty.
    refused = await call(nc, "report", SONTAY, {"unit_code": "HN-HADONG-VANQUAN"})
    assert refused["error"]["code"] == "not_your_unit"


@pytest.mark.asyncio
async def test_pipeline_decisions_carry_the_sector_and_count_with_the_register(services: ServiceContext, nc: NatsClient) -> None:
    nom = snapshot(str(uuid.uuid4()), unit_code="HN-SONTAY-DST").model_copy(update={"unit_sector": "enterprise"})
    collective = snapshot(str(uuid.uuid4()), unit_code="HN-SONTAY-THPTSONTAY", kind="collective", name="Tổ Toán")
    at = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    issuer = path_of("HN-SONTAY")[0]
    for n in (nom, collective.model_copy(update={"unit_sector": "school"})):
        await issue(
            AwardsContext.of(services), NominationApproved(occurred_at=at, actor=APPROVER_SONTAY, nomination=n, issuer=issuer)
        )
    await call(nc, "record_grassroots", SUBMITTER, {"unit_code": "HN-SONTAY-DST", "entries": innovations(2, on="2026-01-15")})

    window = {"unit_code": "HN-SONTAY", "date_from": "2026-01-01", "date_to": "2026-02-28"}
    report = (await call(nc, "report", SONTAY, window))["data"]

    by_award = {a["award_code"]: a for a in report["by_award"]}
    district = by_award["giay_khen_ldld_huyen"]
    assert (district["count"], district["individual"], district["collective"]) == (2, 1, 1)
    assert district["sector_text"] == "trường học 1, doanh nghiệp 1"
    assert district["prize_vnd"] == 710_000 + 1_410_000  # 0,3 and 0,6 × 2.340.000, rounded up to 10.000 đ
    assert [lv["level"] for lv in report["by_level"]] == ["grassroots", "district"]
    assert report["total"]["count"] == 4
    assert report["total"]["prize_vnd"] == 2_120_000
    only_school = (await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "year": 2026, "sector": "school"}))["data"]
    assert only_school["total"]["count"] == 1


@pytest.mark.asyncio
async def test_a_school_year_decision_is_reported_by_its_period(services: ServiceContext, nc: NatsClient) -> None:
    """A school's Giấy khen for năm học 2025-2026 and a calendar-year one: grouped by kỳ xét, filtered by either."""
    at = datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    issuer = path_of("HN-SONTAY")[0]
    school_year = snapshot(
        str(uuid.uuid4()), unit_code="HN-SONTAY-THPTSONTAY", award_code="giay_khen_ldld_huyen_nam_hoc", name="Lê Thị Hạnh"
    ).model_copy(update={"period": "2025-2026", "catalog_version": "union-2025.1", "unit_sector": "school"})
    calendar = snapshot(str(uuid.uuid4()), unit_code="HN-SONTAY-DST").model_copy(update={"unit_sector": "enterprise"})
    for n in (school_year, calendar):
        await issue(
            AwardsContext.of(services), NominationApproved(occurred_at=at, actor=APPROVER_SONTAY, nomination=n, issuer=issuer)
        )

    report = (await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "year": 2026}))["data"]
    assert [(p["period"], p["label"], p["count"]) for p in report["by_period"]] == [
        ("2025-2026", "Năm học 2025-2026", 1),
        ("2026", "Năm 2026", 1),
    ]
    only = (await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "period": "2025-2026"}))["data"]
    assert only["total"]["count"] == 1
    assert only["by_award"][0]["award_code"] == "giay_khen_ldld_huyen_nam_hoc"
    assert only["total"]["sector_text"] == "trường học 1"
    none = (await call(nc, "report", SONTAY, {"unit_code": "HN-SONTAY", "period": "2024-2025"}))["data"]
    assert none["total"]["count"] == 0
