"""The 2025 reorganisation of Thanh Xuân, on SQLite and PostgreSQL with a real nats-server: registration
applies the file and publishes one event; review, consuming it from the stream, moves open district tasks
to the ward union's queue with their due dates and history, releases claims, leaves the city's task
alone, and changes nothing when the event is replayed. Signed decisions keep the old issuer's name."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from nats.js import JetStreamContext

from services.awards import store as awards_store
from services.awards.usecases.context import AwardsContext
from services.registration import routes as registration_routes
from services.registration import store as reg_store
from services.registration.usecases import reactions as registration_reactions
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.review import routes as review_routes
from services.review import store as review_store
from services.review.routes import operations as review_rpc
from services.review.timers import TimerLoop
from services.review.usecases import intake, reorganisation
from services.review.usecases.context import ReviewContext
from shared.contracts import subjects
from shared.contracts.errors import Conflict
from shared.contracts.events import EVENT_TYPES, Actor, Event, NominationApproved, RoleGrant, UnitsReorganised
from shared.contracts.subjects import REVIEW_FROM_REGISTRATION
from shared.platform.clock import FixedClock
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.rules.reference import DATA_DIR, load_units
from tests.conftest import fresh_database
from tests.integration.conftest import approver, count_rows, eventually, running_broker, stream_count
from tests.integration.signing import issue

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ADMIN = Actor(user_id="u-admin", username="admin", full_name="Quản trị", roles=(RoleGrant(role="admin"),))
TXT_WARD_OFFICE = Actor(
    user_id="u-ubndtxt",
    username="cdcs.ubndtxt",
    full_name="Cán bộ CĐCS UBND phường Thanh Xuân Trung",
    roles=(RoleGrant(role="submitter", unit_code="HN-THANHXUAN-UBNDPHUONG"),),
)
THANHXUAN = approver("ld.thanhxuan", "Lê Thị Hồng", "HN-THANHXUAN")
WARD = approver("cd.phuongthanhxuan", "Cán bộ CĐ phường Thanh Xuân", "HN-P-THANHXUAN")
FILE = DATA_DIR / "reorganisations" / "2025-07-01-thanh-xuan.toml"


@pytest.fixture
def second_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Registration's own database beside review's (each service owns one)."""
    yield from fresh_database("sqlite" if database_url.startswith("sqlite") else "postgresql", tmp_path / "registration")


def the_file() -> dict[str, Any]:
    with FILE.open("rb") as f:
        raw = tomllib.load(f)
    loaded: dict[str, Any] = json.loads(json.dumps(raw, default=str))
    return loaded


async def outbox(ctx: ServiceContext, table: sa.Table, subject: str) -> list[Event]:
    async with ctx.engine.connect() as conn:
        rows = (await conn.execute(sa.select(table.c.subject, table.c.payload).order_by(table.c.id))).all()
    return [EVENT_TYPES[s].model_validate_json(p) for s, p in rows if s == subject]


async def submit(reg: ServiceContext, rev: ServiceContext, name: str, award_code: str) -> str:
    body = {
        "unit_code": "HN-THANHXUAN-UBNDPHUONG",
        "award_code": award_code,
        "period": "2026",
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học, có sáng kiến được công nhận.",
    }
    nomination = await registration_routes.operations(reg)["submit"](TXT_WARD_OFFICE, body)
    [submitted] = [
        e for e in await outbox(reg, reg_store.outbox, subjects.NOMINATION_SUBMITTED) if e.correlation_id == nomination["id"]
    ]
    await intake.on_submitted(ReviewContext.of(rev), submitted)  # type: ignore[arg-type]
    return str(nomination["id"])


async def task_of(rev: ServiceContext, nomination_id: str) -> dict[str, Any]:
    t = review_store.tasks
    async with rev.engine.connect() as conn:
        rows = (
            (await conn.execute(sa.select(t).where(t.c.nomination_id == nomination_id).order_by(t.c.opened_at))).mappings().all()
        )
    return dict(rows[-1])


async def moves_of(rev: ServiceContext, task_id: str) -> list[tuple[str, str, str]]:
    m = review_store.task_moves
    async with rev.engine.connect() as conn:
        rows = (await conn.execute(sa.select(m).where(m.c.task_id == task_id).order_by(m.c.id))).mappings().all()
    return [(r["kind"], r["from_unit"]["code"], r["to_unit"]["code"]) for r in rows]


@pytest.mark.asyncio
async def test_open_tasks_of_thanh_xuan_follow_their_cdcs_to_the_ward_union(
    service_context: Callable[..., Any], second_database: str, clean_nats: str, js: JetStreamContext
) -> None:
    clock = FixedClock(NOW)
    reg = await service_context("registration", clock=clock, url=second_database)
    rev = await service_context("review", clock=clock)
    await registration_units.load_units(RegistrationContext.of(reg), load_units())

    waiting = await submit(reg, rev, "Nguyễn Văn Chờ", "giay_khen_ldld_huyen")
    claimed = await submit(reg, rev, "Trần Thị Nhận", "giay_khen_ldld_huyen")
    at_city = await submit(reg, rev, "Lê Văn Thành", "cong_nhan_gioi_thu_do")
    claimed_task = await task_of(rev, claimed)
    await review_rpc(rev)["claim"](THANHXUAN, {"task_id": claimed_task["id"]})
    city_district_task = await task_of(rev, at_city)
    await review_rpc(rev)["claim"](THANHXUAN, {"task_id": city_district_task["id"]})
    vote = {"task_id": city_district_task["id"], "votes_for": 9}
    meeting = {"held_on": "2026-03-02", "members": 9, "present": 9, "votes": [vote]}
    await review_rpc(rev)["record_council"](THANHXUAN, meeting)  # the district's council passes it (2025 catalogue)
    await review_rpc(rev)["decide"](THANHXUAN, {"task_id": city_district_task["id"], "action": "approve", "comment": "Đồng ý"})
    before = {nid: await task_of(rev, nid) for nid in (waiting, claimed, at_city)}
    assert before[at_city]["queue_unit_code"] == "HN"

    checked = await registration_routes.operations(reg)["reorganise"](ADMIN, {"reorganisation": the_file()})
    assert checked["applied"] is False
    assert await outbox(reg, reg_store.outbox, subjects.UNITS_REORGANISED) == []
    result = await registration_routes.operations(reg)["reorganise"](ADMIN, {"reorganisation": the_file(), "apply": True})
    summary = result["summary"]
    assert [u["code"] for u in summary["closed"]] == ["HN-THANHXUAN"]
    assert {u["code"] for u in summary["created"]} == {"HN-P-THANHXUAN", "HN-P-KHUONGDINH", "HN-P-PHUONGLIET"}
    assert summary["cdcs_moved"] == 2
    assert summary["nominations_repathed"] == 3
    assert summary["nominations_per_new_superior"] == {"HN-P-THANHXUAN": 3}
    with pytest.raises(Conflict):
        await registration_routes.operations(reg)["reorganise"](ADMIN, {"reorganisation": the_file(), "apply": True})
    [event] = await outbox(reg, reg_store.outbox, subjects.UNITS_REORGANISED)  # ONE event for the whole file
    assert isinstance(event, UnitsReorganised)

    nomination = await registration_routes.operations(reg)["get"](ADMIN, {"id": waiting})
    assert [u["code"] for u in nomination["unit_path"]] == ["HN-THANHXUAN-UBNDPHUONG", "HN-P-THANHXUAN", "HN", "TLD"]
    [step] = [s for s in nomination["timeline"] if s["step"] == "reorganised"]
    assert step["label"] == "Chuyển đơn vị cấp trên (sắp xếp tổ chức)"
    assert "LĐLĐ quận Thanh Xuân" in step["comment"]
    assert "CĐ phường Thanh Xuân" in step["comment"]
    again = await registration_routes.operations(reg)["submit"](TXT_WARD_OFFICE, _draft("Người Mới"))
    assert again["unit_path"][1]["code"] == "HN-P-THANHXUAN"

    # Review follows through the stream, never reading registration's tables.
    await ensure_topology(clean_nats, (REVIEW_FROM_REGISTRATION,))
    async with running_broker(clean_nats, "review", lambda router, broker: review_routes.wire(router, broker, rev)):
        await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(event.event_id)})
        await eventually(lambda: count_rows(rev.engine, review_store.reorganisations), lambda n: n == 1)
        moved_rows = await count_rows(rev.engine, review_store.task_moves)
        await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": "replayed"})
        await eventually(
            lambda: js.consumer_info("REGISTRATION", REVIEW_FROM_REGISTRATION.durable),
            lambda i: i.num_pending == 0 and i.num_ack_pending == 0,
        )
    assert await count_rows(rev.engine, review_store.task_moves) == moved_rows == 2  # the replay changed nothing
    assert await stream_count(js, subjects.DEADLETTER_STREAM.name) == 0

    after = {nid: await task_of(rev, nid) for nid in (waiting, claimed, at_city)}
    for nid in (waiting, claimed):
        task = after[nid]
        assert (task["unit_code"], task["queue_unit_code"], task["state"]) == ("HN-P-THANHXUAN", "HN-P-THANHXUAN", "open")
        assert task["due_at"] == before[nid]["due_at"]  # no new deadline
        assert task["generation"] == before[nid]["generation"]  # its timers stay valid
        assert await moves_of(rev, task["id"]) == [("reorganised", "HN-THANHXUAN", "HN-P-THANHXUAN")]
    assert after[claimed]["claimant_id"] is None  # the old district's approver no longer holds it
    assert after[at_city] == before[at_city]  # the city's task does not move
    result_view = await review_rpc(rev)["reorganisation"](ADMIN, {"id": "2025-07-01-thanh-xuan"})
    assert result_view["summary"]["tasks_moved_per_new_unit"] == {
        "HN-P-THANHXUAN": {"name": "Công đoàn phường Thanh Xuân", "tasks": 2}
    }
    assert result_view["summary"]["claims_released"] == 1

    queue = await review_rpc(rev)["list_queue"](WARD, {"unit_code": "HN-P-THANHXUAN"})
    assert {t["nomination_id"] for t in queue["items"]} == {waiting, claimed}
    view = await review_rpc(rev)["get_task"](WARD, {"task_id": after[waiting]["id"]})
    assert [m["kind"] for m in view["moves"]] == ["reorganised"]
    assert view["can_act"] is True
    figures = await review_rpc(rev)["ops_queues"](ADMIN, {})  # a unit no reference file knows, named from its tasks
    assert {(u["unit_code"], u["unit_name"], u["level"]) for u in figures["slowest"]} >= {
        ("HN-P-THANHXUAN", "Công đoàn phường Thanh Xuân", "district")
    }

    # The moves reach the nomination's timeline.
    flow = (subjects.TASK_OPENED, subjects.TASK_CLAIMED, subjects.NOMINATION_FORWARDED, subjects.TASK_REORGANISED)
    async with rev.engine.connect() as conn:
        rows = (await conn.execute(sa.select(review_store.outbox).order_by(review_store.outbox.c.id))).mappings().all()
    for row in rows:
        if row["subject"] in flow:
            await registration_reactions.on_review_event(
                RegistrationContext.of(reg), EVENT_TYPES[row["subject"]].model_validate_json(row["payload"])
            )
    nomination = await registration_routes.operations(reg)["get"](ADMIN, {"id": claimed})
    [rehomed] = [s for s in nomination["timeline"] if s["step"] == "rehomed"]
    assert "CĐ phường Thanh Xuân" in rehomed["comment"]
    assert "Lê Thị Hồng" in rehomed["comment"]  # whose claim was released
    assert nomination["current_unit_code"] == "HN-P-THANHXUAN"

    # No escalation storm for a ward union whose roster review has never heard of; at the due date the
    # pending escalation fires for the new holder: the task stays there and the city is alerted.
    loop = TimerLoop(rev, instance="test")
    await loop.run_once()
    assert (await task_of(rev, waiting))["queue_unit_code"] == "HN-P-THANHXUAN"
    clock.at = after[waiting]["due_at"] + timedelta(seconds=1)
    await loop.run_once()
    escalated = await task_of(rev, waiting)
    assert (escalated["unit_code"], escalated["queue_unit_code"], escalated["alerted_codes"]) == (
        "HN-P-THANHXUAN",
        "HN-P-THANHXUAN",
        "|HN|",
    )


def _draft(name: str) -> dict[str, Any]:
    return {
        "unit_code": "HN-THANHXUAN-UBNDPHUONG",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học, có sáng kiến được công nhận.",
    }


@pytest.mark.asyncio
async def test_a_decision_signed_by_the_closed_district_keeps_its_old_name(
    service_context: Callable[..., Any], second_database: str
) -> None:
    reg = await service_context("registration", url=second_database)
    aw = await service_context("awards")
    await registration_units.load_units(RegistrationContext.of(reg), load_units())
    issuer = next(u for u in load_units() if u.code == "HN-THANHXUAN").ref()
    await registration_routes.operations(reg)["submit"](TXT_WARD_OFFICE, _draft("Phạm Thị Khen"))
    [submitted] = await outbox(reg, reg_store.outbox, subjects.NOMINATION_SUBMITTED)
    approved = NominationApproved(occurred_at=NOW, nomination=submitted.nomination, issuer=issuer)  # type: ignore[attr-defined]
    await issue(AwardsContext.of(aw), approved)  # drafted and signed by the district's chair

    await registration_routes.operations(reg)["reorganise"](ADMIN, {"reorganisation": the_file(), "apply": True})

    async with aw.engine.connect() as conn:
        row = (await conn.execute(sa.select(awards_store.decisions))).mappings().one()
    assert row["issuer"]["name"] == "Liên đoàn Lao động quận Thanh Xuân"
    units = {u["code"]: u for u in await registration_routes.operations(reg)["list_units"](ADMIN, {})}
    assert units["HN-THANHXUAN"]["valid_to"] == "2025-07-01"  # the unit is closed, its decisions are not rewritten


@pytest.mark.asyncio
async def test_a_dossier_returned_by_the_closed_district_is_resubmitted_to_the_ward_union(
    service_context: Callable[..., Any], second_database: str
) -> None:
    clock = FixedClock(NOW)
    reg = await service_context("registration", clock=clock, url=second_database)
    rev = await service_context("review", clock=clock)
    await registration_units.load_units(RegistrationContext.of(reg), load_units())
    returned = await submit(reg, rev, "Phạm Văn Trả", "giay_khen_ldld_huyen")
    task = await task_of(rev, returned)
    await review_rpc(rev)["claim"](THANHXUAN, {"task_id": task["id"]})
    await review_rpc(rev)["decide"](THANHXUAN, {"task_id": task["id"], "action": "return", "comment": "Bổ sung biên bản họp"})
    for event in await outbox(rev, review_store.outbox, subjects.NOMINATION_RETURNED):
        await registration_reactions.on_review_event(RegistrationContext.of(reg), event)

    await registration_routes.operations(reg)["reorganise"](ADMIN, {"reorganisation": the_file(), "apply": True})
    [event] = await outbox(reg, reg_store.outbox, subjects.UNITS_REORGANISED)
    await reorganisation.on_units_reorganised(ReviewContext.of(rev), event)  # type: ignore[arg-type]

    await registration_routes.operations(reg)["resubmit"](TXT_WARD_OFFICE, {"id": returned, "comment": "Đã bổ sung biên bản"})
    [resubmitted] = await outbox(reg, reg_store.outbox, subjects.NOMINATION_RESUBMITTED)
    await intake.on_resubmitted(ReviewContext.of(rev), resubmitted)  # type: ignore[arg-type]
    reopened = await task_of(rev, returned)
    assert (reopened["unit_code"], reopened["queue_unit_code"], reopened["state"]) == ("HN-P-THANHXUAN", "HN-P-THANHXUAN", "open")
    assert reopened["round"] == 2
