"""Reminders and escalation fired by review's persisted timers, on SQLite and PostgreSQL, as a fixed clock moves."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from services.review import store
from services.review.routes import operations as review_rpc
from services.review.timers import TimerLoop
from services.review.usecases import intake, rosters
from services.review.usecases.context import ReviewContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor, NominationSubmitted, UnitApproversChanged
from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import FixedClock
from shared.platform.service import ServiceContext
from tests.integration.conftest import approver, count_rows, snapshot

OPENED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội; the district task is due 16/3
SONTAY = approver("ld.sontay", "Phạm Quang Huy", "HN-SONTAY")
SONTAY2 = approver("ld.sontay2", "Ngô Văn Nam", "HN-SONTAY")
HANOI = approver("ld.hanoi", "Đỗ Mạnh Cường", "HN")
TLD = approver("tld", "Vũ Thị Thu", "TLD")


async def review_at(service_context: Any, at: datetime = OPENED) -> tuple[ServiceContext, FixedClock, TimerLoop]:
    clock = FixedClock(at)
    ctx = await service_context("review", clock=clock)
    return ctx, clock, TimerLoop(ctx, instance="test")


async def submit(ctx: ServiceContext, *, award_code: str = "bang_khen_tld", awarding_level: str = "national") -> dict[str, Any]:
    nomination_id = str(uuid.uuid4())
    nom = snapshot(nomination_id, award_code=award_code, awarding_level=awarding_level)
    await intake.on_submitted(ReviewContext.of(ctx), NominationSubmitted(occurred_at=ctx.clock.now(), nomination=nom))
    return await task_of(ctx, nomination_id)


async def task_of(ctx: ServiceContext, nomination_id: str) -> dict[str, Any]:
    async with ctx.engine.connect() as conn:
        rows = (
            (
                await conn.execute(
                    sa.select(store.tasks).where(store.tasks.c.nomination_id == nomination_id).order_by(store.tasks.c.opened_at)
                )
            )
            .mappings()
            .all()
        )
    return dict(rows[-1])


async def roster(ctx: ServiceContext, unit_code: str, *approvers: Actor, at: datetime = OPENED - timedelta(days=1)) -> None:
    event = UnitApproversChanged(
        occurred_at=at,
        unit_code=unit_code,
        approvers=[{"user_id": a.user_id, "full_name": a.full_name} for a in approvers],
    )
    await rosters.on_approvers_changed(ReviewContext.of(ctx), event)


async def outbox_events(ctx: ServiceContext, subject_suffix: str) -> list[dict[str, Any]]:
    async with ctx.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(store.outbox.c.payload)
                .where(store.outbox.c.subject.endswith(subject_suffix))
                .order_by(store.outbox.c.id)
            )
        ).all()
    return [json.loads(r.payload) for r in rows]


def vn_date(iso: str | datetime) -> date:
    at = datetime.fromisoformat(iso) if isinstance(iso, str) else iso
    return at.astimezone(VIETNAM_TZ).date()


@pytest.mark.asyncio
async def test_an_overdue_task_escalates_district_city_national_as_the_clock_moves(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    task = await submit(ctx)
    assert vn_date(task["due_at"]) == date(2026, 3, 16)

    clock.at = datetime(2026, 3, 16, 16, 0, tzinfo=UTC)  # 23:00 on the due date: not late yet
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["queue_unit_code"] == "HN-SONTAY"

    clock.at = datetime(2026, 3, 16, 17, 0, 1, tzinfo=UTC)  # 00:00:01 on 17/3 in Hà Nội
    await loop.run_once()
    moved = await task_of(ctx, task["nomination_id"])
    assert (moved["unit_code"], moved["queue_unit_code"], moved["escalations"], moved["state"]) == ("HN-SONTAY", "HN", 1, "open")
    assert vn_date(moved["due_at"]) == date(2026, 3, 24)  # five working days from Tuesday 17/3

    city_queue = await review_rpc(ctx)["list_queue"](HANOI, {"unit_code": "HN", "state": "escalated_in"})
    assert [(t["id"], t["is_escalated"], t["unit_name"]) for t in city_queue["items"]] == [
        (task["id"], True, moved["unit"]["name"])
    ]
    assert city_queue["counts"]["escalated_in"] == 1
    district_queue = await review_rpc(ctx)["list_queue"](SONTAY, {"unit_code": "HN-SONTAY"})
    assert district_queue["total"] == 0  # no longer in the district's own queue …
    away = await review_rpc(ctx)["list_queue"](SONTAY, {"unit_code": "HN-SONTAY", "state": "escalated_out"})
    assert [t["id"] for t in away["items"]] == [task["id"]]  # … but the district still sees it, read-only
    view = await review_rpc(ctx)["get_task"](SONTAY, {"task_id": task["id"]})
    assert (view["can_act"], view["queue_unit_code"]) == (False, "HN")
    with pytest.raises(Forbidden):
        await review_rpc(ctx)["claim"](SONTAY, {"task_id": task["id"]})

    clock.at = datetime(2026, 3, 24, 17, 0, 1, tzinfo=UTC)  # the city is late too
    await loop.run_once()
    top = await task_of(ctx, task["nomination_id"])
    assert (top["queue_unit_code"], top["escalations"]) == ("TLD", 2)
    assert (await review_rpc(ctx)["get_task"](HANOI, {"task_id": task["id"]}))["can_act"] is False  # the city sees, read-only
    assert (await review_rpc(ctx)["get_task"](TLD, {"task_id": task["id"]}))["can_act"] is True

    clock.at += timedelta(days=30)  # nothing above Tổng LĐLĐ: it stays there, overdue
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["queue_unit_code"] == "TLD"
    national = await review_rpc(ctx)["list_queue"](TLD, {"unit_code": "TLD", "state": "overdue"})
    assert national["total"] == 1

    escalated = await outbox_events(ctx, ".task_escalated")
    assert [(e["from_unit"]["code"], e["to_unit"]["code"], e["reason"]) for e in escalated] == [
        ("HN-SONTAY", "HN", "overdue"),
        ("HN", "TLD", "overdue"),
    ]
    moves = (await review_rpc(ctx)["get_task"](TLD, {"task_id": task["id"]}))["moves"]
    assert [(m["kind"], m["from_unit"]["code"], m["to_unit"]["code"]) for m in moves] == [
        ("escalated", "HN-SONTAY", "HN"),
        ("escalated", "HN", "TLD"),
    ]


@pytest.mark.asyncio
async def test_reminders_go_to_the_unit_approvers_then_only_to_the_claimant(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY", SONTAY, SONTAY2)
    task = await submit(ctx)
    due = task["due_at"]

    clock.at = OPENED + (due - OPENED) * 0.79
    await loop.run_once()
    assert await outbox_events(ctx, ".task_reminder") == []

    clock.at = OPENED + (due - OPENED) * 0.8 + timedelta(seconds=1)
    await loop.run_once()
    [before] = await outbox_events(ctx, ".task_reminder")
    assert before["kind"] == "before_due"
    assert sorted(r["user_id"] for r in before["recipients"]) == ["u-sontay", "u-sontay2"]
    bell = await review_rpc(ctx)["notifications"](SONTAY2, {})
    assert bell["unread"] == 1
    assert "Sắp đến hạn xử lý (16/03/2026)" in bell["items"][0]["text"]

    await review_rpc(ctx)["claim"](SONTAY, {"task_id": task["id"]})
    clock.at = datetime(2026, 3, 16, 1, 0, 1, tzinfo=UTC)  # 08:00:01 on the due date
    await loop.run_once()
    due_day = (await outbox_events(ctx, ".task_reminder"))[-1]
    assert (due_day["kind"], [r["user_id"] for r in due_day["recipients"]]) == ("due_day", ["u-sontay"])
    assert (await review_rpc(ctx)["notifications"](SONTAY, {}))["unread"] == 2
    assert (await review_rpc(ctx)["notifications"](SONTAY2, {}))["unread"] == 1
    await review_rpc(ctx)["mark_notifications_read"](SONTAY, {})
    assert (await review_rpc(ctx)["notifications"](SONTAY, {}))["unread"] == 0


@pytest.mark.asyncio
async def test_the_city_takes_over_and_decides_or_sends_back_with_a_new_due_date(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN", HANOI)
    taken, sent = await submit(ctx), await submit(ctx)
    clock.at = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    await loop.run_once()
    assert (await review_rpc(ctx)["notifications"](HANOI, {}))["unread"] == 2  # "Quá hạn – chuyển lên" ×2

    # take over: the city decides in the district's place; approving forwards to the city's own level
    await review_rpc(ctx)["claim"](HANOI, {"task_id": taken["id"]})
    decided = await review_rpc(ctx)["decide"](
        HANOI, {"task_id": taken["id"], "action": "approve", "comment": "Cấp trên xử lý thay"}
    )
    assert decided["state"] == "forwarded"
    city_task = await task_of(ctx, taken["nomination_id"])
    assert (city_task["unit_code"], city_task["queue_unit_code"]) == ("HN", "HN")

    # send back: the district gets it again with the date the city chose
    back = await review_rpc(ctx)["send_back"](
        HANOI, {"task_id": sent["id"], "due_on": "2026-03-20", "comment": "Đề nghị quận xử lý ngay"}
    )
    assert (back["queue_unit_code"], vn_date(back["due_at"])) == ("HN-SONTAY", date(2026, 3, 20))
    assert (await review_rpc(ctx)["get_task"](SONTAY, {"task_id": sent["id"]}))["can_act"] is True
    [event] = await outbox_events(ctx, ".task_sent_back")
    assert (event["from_unit"]["code"], event["to_unit"]["code"], event["comment"]) == (
        "HN",
        "HN-SONTAY",
        "Đề nghị quận xử lý ngay",
    )

    # the old due date's timers do nothing; the new one escalates again when it passes
    clock.at = datetime(2026, 3, 20, 16, 0, tzinfo=UTC)
    await loop.run_once()
    assert (await task_of(ctx, sent["nomination_id"]))["queue_unit_code"] == "HN-SONTAY"
    clock.at = datetime(2026, 3, 20, 17, 0, 1, tzinfo=UTC)
    await loop.run_once()
    again = await task_of(ctx, sent["nomination_id"])
    assert (again["queue_unit_code"], again["escalations"]) == ("HN", 2)
    clock.at = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)  # past the first escalation's due date (24/3)
    await loop.run_once()
    assert (await task_of(ctx, sent["nomination_id"]))["escalations"] == 2  # that old timer did nothing …
    assert await count_rows(ctx.engine, store.timers, store.timers.c.outcome == "superseded") >= 1  # … and says why


@pytest.mark.asyncio
async def test_a_unit_without_an_active_approver_escalates_at_once(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY")  # the portal announced nobody
    task = await submit(ctx)
    await loop.run_once()
    moved = await task_of(ctx, task["nomination_id"])
    assert (moved["queue_unit_code"], moved["escalations"]) == ("HN", 1)
    [event] = await outbox_events(ctx, ".task_escalated")
    assert event["reason"] == "no_approver"

    # a unit that loses its last approver sends its open tasks up at once too
    await roster(ctx, "HN-THANHXUAN", SONTAY)
    nom = snapshot(str(uuid.uuid4()), unit_code="HN-THANHXUAN-VANQUAN", award_code="bang_khen_tld", awarding_level="national")
    await intake.on_submitted(ReviewContext.of(ctx), NominationSubmitted(occurred_at=clock.now(), nomination=nom))
    await loop.run_once()
    assert (await task_of(ctx, nom.id))["queue_unit_code"] == "HN-THANHXUAN"
    await roster(ctx, "HN-THANHXUAN", at=clock.now())
    await loop.run_once()
    assert (await task_of(ctx, nom.id))["queue_unit_code"] == "HN"


@pytest.mark.asyncio
async def test_two_timer_loops_on_one_database_escalate_each_task_exactly_once(service_context: Any) -> None:
    ctx, clock, _ = await review_at(service_context)
    for _ in range(60):
        await submit(ctx)
    clock.at = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    other = await service_context("review", clock=clock, url=str(ctx.engine.url.render_as_string(hide_password=False)))
    loops = [TimerLoop(ctx, instance="a", batch_size=7), TimerLoop(other, instance="b", batch_size=7)]

    async def drain(loop: TimerLoop) -> None:
        while await loop.run_once():
            pass

    await asyncio.gather(*(drain(loop) for loop in loops))
    assert await count_rows(ctx.engine, store.task_moves) == 60
    assert len(await outbox_events(ctx, ".task_escalated")) == 60
    async with ctx.engine.connect() as conn:
        by_instance: dict[str, int] = dict(
            (
                await conn.execute(
                    sa.select(store.timers.c.fired_by, sa.func.count())
                    .where(store.timers.c.kind == "escalate", store.timers.c.outcome.like("escalated%"))
                    .group_by(store.timers.c.fired_by)
                )
            ).all()
        )
    assert sum(by_instance.values()) == 60
