"""Reminders and escalation by authority fired by review's persisted timers, and what an alerted superior does
(urge, new due date, receive directly), on SQLite and PostgreSQL, as a fixed clock moves."""

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
from shared.contracts.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from shared.contracts.events import SYSTEM_ACTOR, Actor, NominationSubmitted, TaskEscalated, TaskSnapshot, UnitApproversChanged
from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
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
async def test_an_overdue_task_stays_at_its_unit_while_district_city_national_are_alerted_in_turn(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY", SONTAY)
    await roster(ctx, "HN", HANOI)
    task = await submit(ctx)
    assert vn_date(task["due_at"]) == date(2026, 3, 16)

    clock.at = datetime(2026, 3, 16, 16, 0, tzinfo=UTC)  # 23:00 on the due date: not late yet
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["alerted_codes"] == ""

    clock.at = datetime(2026, 3, 16, 17, 0, 1, tzinfo=UTC)  # 00:00:01 on 17/3 in Hà Nội
    await loop.run_once()
    alerted = await task_of(ctx, task["nomination_id"])
    assert (alerted["unit_code"], alerted["queue_unit_code"], alerted["escalations"], alerted["state"]) == (
        "HN-SONTAY",
        "HN-SONTAY",
        1,
        "open",
    )
    assert (alerted["alerted_codes"], vn_date(alerted["due_at"])) == ("|HN|", date(2026, 3, 16))  # the due date stays

    below = await review_rpc(ctx)["list_queue"](HANOI, {"unit_code": "HN", "state": "escalated_in"})
    assert [(t["id"], t["is_escalated"], t["unit_name"], t["alerted_to"]) for t in below["items"]] == [
        (task["id"], True, alerted["unit"]["name"], "LĐLĐ TP Hà Nội")
    ]
    assert below["counts"]["escalated_in"] == 1
    assert (await review_rpc(ctx)["list_queue"](HANOI, {"unit_code": "HN"}))["total"] == 0  # not in the city's queue …
    district = await review_rpc(ctx)["list_queue"](SONTAY, {"unit_code": "HN-SONTAY"})
    assert [t["id"] for t in district["items"]] == [task["id"]]  # … still in the district's, which decides it
    assert district["counts"]["escalated_out"] == 1
    city_view = await review_rpc(ctx)["get_task"](HANOI, {"task_id": task["id"]})
    assert (city_view["can_act"], city_view["superior_actions"]) == (False, ["urge", "set_due_date", "receive_directly"])
    with pytest.raises(Forbidden):
        await review_rpc(ctx)["claim"](HANOI, {"task_id": task["id"]})
    assert (await review_rpc(ctx)["claim"](SONTAY, {"task_id": task["id"]}))["claimant_id"] == SONTAY.user_id
    assert [n["kind"] for n in (await review_rpc(ctx)["notifications"](HANOI, {}))["items"]] == ["escalated_in"]
    assert "overdue" in [n["kind"] for n in (await review_rpc(ctx)["notifications"](SONTAY, {}))["items"]]
    await roster(ctx, "HN-SONTAY", at=clock.now())  # the district loses its approvers: the city keeps its time to act
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["alerted_codes"] == "|HN|"

    clock.at = datetime(2026, 3, 24, 17, 0, 1, tzinfo=UTC)  # the city let it lapse (five working days): Tổng LĐLĐ too
    await loop.run_once()
    top = await task_of(ctx, task["nomination_id"])
    assert (top["queue_unit_code"], top["alerted_codes"], top["escalations"], top["state"]) == (
        "HN-SONTAY",
        "|HN|TLD|",
        2,
        "claimed",
    )
    national = await review_rpc(ctx)["list_queue"](TLD, {"unit_code": "TLD", "state": "escalated_in"})
    assert [t["id"] for t in national["items"]] == [task["id"]]
    tld_view = await review_rpc(ctx)["get_task"](TLD, {"task_id": task["id"]})
    assert tld_view["superior_actions"] == ["urge", "set_due_date"]  # not its direct superior: no receiving directly
    assert [u["code"] for u in tld_view["escalation_chain"]] == ["HN-SONTAY", "HN", "TLD"]

    clock.at += timedelta(days=30)  # nothing above Tổng LĐLĐ
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["escalations"] == 2
    assert await count_rows(ctx.engine, store.timers, store.timers.c.outcome == "at_top") == 1

    escalated = await outbox_events(ctx, ".task_escalated")
    assert [(e["from_unit"]["code"], e["to_unit"]["code"], e["reason"]) for e in escalated] == [
        ("HN-SONTAY", "HN", "overdue"),
        ("HN", "TLD", "overdue"),
    ]
    assert [e["task"]["queue_unit"]["code"] for e in escalated] == ["HN-SONTAY", "HN-SONTAY"]
    moves = tld_view["moves"]
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


async def overdue_pair(service_context: Any, **award: str) -> tuple[ServiceContext, FixedClock, TimerLoop, list[dict[str, Any]]]:
    """Two district tasks overdue since 17/3, the city alerted."""
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY", SONTAY)
    await roster(ctx, "HN", HANOI)
    tasks = [await submit(ctx, **award), await submit(ctx, **award)]
    clock.at = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)
    await loop.run_once()
    return ctx, clock, loop, tasks


@pytest.mark.asyncio
async def test_the_city_urges_the_district_on_the_tasks_timeline_and_in_its_approvers_bell(service_context: Any) -> None:
    ctx, _, _, (task, _) = await overdue_pair(service_context)
    with pytest.raises(Forbidden) as refused:
        await review_rpc(ctx)["urge"](SONTAY, {"task_id": task["id"], "message": "Tự đôn đốc mình"})
    assert refused.value.code == "not_alerted_superior"
    with pytest.raises(ValidationFailed) as empty:
        await review_rpc(ctx)["urge"](HANOI, {"task_id": task["id"], "message": "  ok "})
    assert empty.value.fields[0].field == "message"

    chosen = {"items": [{"kind": "urged", "delivery": "email_now"}]}  # bell-only notes leave no event for the notifier
    await review_rpc(ctx)["set_notification_preferences"](SONTAY, chosen)
    view = await review_rpc(ctx)["urge"](HANOI, {"task_id": task["id"], "message": "Đề nghị quận xét ngay trong tuần"})
    assert [(m["kind"], m["from_unit"]["code"], m["to_unit"]["code"], m["comment"]) for m in view["moves"]][-1] == (
        "urged",
        "HN",
        "HN-SONTAY",
        "Đề nghị quận xét ngay trong tuần",
    )
    urged = [n for n in (await review_rpc(ctx)["notifications"](SONTAY, {}))["items"] if n["kind"] == "urged"]
    assert len(urged) == 1
    assert "Đề nghị quận xét ngay trong tuần" in urged[0]["text"]
    issued = await outbox_events(ctx, ".notification_issued")
    assert [(e["kind"], e["user_id"], e["delivery"]) for e in issued if e["kind"] == "urged"] == [
        ("urged", SONTAY.user_id, "email_now")
    ]  # the notifier mails it
    assert (await task_of(ctx, task["nomination_id"]))["queue_unit_code"] == "HN-SONTAY"


@pytest.mark.asyncio
async def test_a_new_due_date_from_the_city_restarts_the_timers_and_a_lapse_alerts_again(service_context: Any) -> None:
    ctx, clock, loop, (_, task) = await overdue_pair(service_context)
    with pytest.raises(ValidationFailed) as too_late:
        await review_rpc(ctx)["set_due_date"](HANOI, {"task_id": task["id"], "due_on": "2026-05-01", "reason": "Gia hạn dài"})
    assert (too_late.value.code, too_late.value.fields[0].field) == ("due_too_late", "due_on")
    with pytest.raises(ValidationFailed) as no_reason:
        await review_rpc(ctx)["set_due_date"](HANOI, {"task_id": task["id"], "due_on": "2026-03-20", "reason": "x"})
    assert no_reason.value.fields[0].field == "reason"

    view = await review_rpc(ctx)["set_due_date"](
        HANOI, {"task_id": task["id"], "due_on": "2026-03-20", "reason": "Quận đang chờ biên bản Hội đồng"}
    )
    assert (view["queue_unit_code"], vn_date(view["due_at"]), view["is_escalated"]) == ("HN-SONTAY", date(2026, 3, 20), False)
    assert view["superior_actions"] == []  # no longer overdue: the city only reads it
    [event] = await outbox_events(ctx, ".task_sent_back")
    assert (event["from_unit"]["code"], event["to_unit"]["code"], event["comment"]) == (
        "HN",
        "HN-SONTAY",
        "Quận đang chờ biên bản Hội đồng",
    )
    assert (await review_rpc(ctx)["list_queue"](HANOI, {"unit_code": "HN", "state": "escalated_in"}))["total"] == 1

    clock.at = datetime(2026, 3, 20, 16, 0, tzinfo=UTC)  # the new due date's last hour
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["alerted_codes"] == ""
    clock.at = datetime(2026, 3, 20, 17, 0, 1, tzinfo=UTC)
    await loop.run_once()
    again = await task_of(ctx, task["nomination_id"])
    assert (again["alerted_codes"], again["escalations"]) == ("|HN|", 2)
    clock.at = datetime(2026, 3, 25, 2, 0, tzinfo=UTC)  # past the first alert's lapse (24/3)
    await loop.run_once()
    assert (await task_of(ctx, task["nomination_id"]))["escalations"] == 2  # that old timer did nothing …
    assert await count_rows(ctx.engine, store.timers, store.timers.c.outcome == "superseded") >= 1  # … and says why


@pytest.mark.asyncio
async def test_the_city_receives_a_forward_step_directly_and_opens_its_own_task_at_its_own_level(service_context: Any) -> None:
    ctx, _, _, (task, _) = await overdue_pair(service_context, award_code="bang_khen_ldld_tp", awarding_level="city")
    view = await review_rpc(ctx)["receive_directly"](HANOI, {"task_id": task["id"], "comment": ""})
    assert (view["state"], view["state_label"], view["comment"]) == (
        "taken_up",
        "Cấp trên nhận trực tiếp do quá hạn",
        "Cấp trên nhận trực tiếp do quá hạn",
    )
    city = await task_of(ctx, task["nomination_id"])
    assert (city["unit_code"], city["queue_unit_code"], city["state"], city["alerted_codes"]) == ("HN", "HN", "open", "")
    [forwarded] = await outbox_events(ctx, ".nomination_forwarded")
    assert (forwarded["from_unit"]["code"], forwarded["to_unit"]["code"]) == ("HN-SONTAY", "HN")
    # the city decides its own level's step, in its own name
    await review_rpc(ctx)["claim"](HANOI, {"task_id": city["id"]})
    with pytest.raises(Forbidden):
        await review_rpc(ctx)["claim"](SONTAY, {"task_id": city["id"]})
    with pytest.raises(InvalidTransition):
        await review_rpc(ctx)["receive_directly"](HANOI, {"task_id": task["id"]})


@pytest.mark.asyncio
async def test_the_city_may_not_receive_a_dossier_the_district_decides_itself(service_context: Any) -> None:
    ctx, _, _, (task, _) = await overdue_pair(service_context, award_code="giay_khen_ldld_huyen", awarding_level="district")
    assert (await review_rpc(ctx)["get_task"](HANOI, {"task_id": task["id"]}))["superior_actions"] == ["urge", "set_due_date"]
    with pytest.raises(Conflict) as refused:
        await review_rpc(ctx)["receive_directly"](HANOI, {"task_id": task["id"]})
    assert refused.value.code == "final_decision_is_lower_units"
    assert refused.value.status == 409
    still = await task_of(ctx, task["nomination_id"])
    assert (still["state"], still["queue_unit_code"]) == ("open", "HN-SONTAY")


@pytest.mark.asyncio
async def test_a_unit_without_an_active_approver_escalates_at_once(service_context: Any) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY")  # the portal announced nobody
    task = await submit(ctx)
    await loop.run_once()
    alerted = await task_of(ctx, task["nomination_id"])
    assert (alerted["queue_unit_code"], alerted["alerted_codes"], alerted["escalations"]) == ("HN-SONTAY", "|HN|", 1)
    [event] = await outbox_events(ctx, ".task_escalated")
    assert event["reason"] == "no_approver"

    # a unit that loses its last approver sends its open tasks up at once too
    await roster(ctx, "HN-THANHXUAN", SONTAY)
    nom = snapshot(str(uuid.uuid4()), unit_code="HN-THANHXUAN-UBNDPHUONG", award_code="bang_khen_tld", awarding_level="national")
    await intake.on_submitted(ReviewContext.of(ctx), NominationSubmitted(occurred_at=clock.now(), nomination=nom))
    await loop.run_once()
    assert (await task_of(ctx, nom.id))["alerted_codes"] == ""
    await roster(ctx, "HN-THANHXUAN", at=clock.now())
    await loop.run_once()
    assert (await task_of(ctx, nom.id))["alerted_codes"] == "|HN|"


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


@pytest.mark.asyncio
async def test_a_task_escalated_under_the_old_rule_goes_back_to_its_unit_with_its_superiors_alerted_and_its_history(
    database_url: str, service_context: Any
) -> None:
    """Migration 0008: a task an ancestor held (district → city → Tổng LĐLĐ, claimed there) returns to the district's
    queue, unclaimed, the city and Tổng LĐLĐ recorded as alerted; its earlier moves stay and one more says why."""
    await asyncio.to_thread(upgrade, "review", database_url, "0007_bell")
    nom = snapshot(str(uuid.uuid4()), award_code="bang_khen_tld", awarding_level="national")
    path = {u.code: u.model_dump() for u in nom.unit_path}
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                store.nominations.insert().values(
                    id=nom.id, snapshot=nom.model_dump(mode="json"), status="in_review", updated_at=OPENED
                )
            )
            await conn.execute(
                store.tasks.insert().values(
                    id="old-escalated",
                    nomination_id=nom.id,
                    unit_code="HN-SONTAY",
                    unit=path["HN-SONTAY"],
                    state="claimed",
                    round=1,
                    claimant_id=TLD.user_id,
                    claimant_name=TLD.full_name,
                    claimed_at=OPENED + timedelta(days=20),
                    award_code=nom.award_code,
                    award_name=nom.award_name,
                    nominee_name=nom.nominee.name,
                    nominee_search="nguyen van an",
                    nominee_kind="individual",
                    origin_unit_code=nom.unit.code,
                    origin_unit_name=nom.unit.name,
                    period=nom.period,
                    opened_at=OPENED,
                    due_at=OPENED + timedelta(days=25),
                    queue_unit_code="TLD",
                    queue_unit=path["TLD"],
                    escalations=2,
                    generation=2,
                    escalated_at=OPENED + timedelta(days=18),
                )
            )
            for low, high in (("HN-SONTAY", "HN"), ("HN", "TLD")):
                await conn.execute(
                    store.task_moves.insert().values(
                        task_id="old-escalated",
                        kind="escalated",
                        at=OPENED + timedelta(days=15),
                        from_unit=path[low],
                        to_unit=path[high],
                        reason="overdue",
                        actor_id="system",
                        actor_name="Hệ thống",
                    )
                )
        await asyncio.to_thread(upgrade, "review", database_url)
    finally:
        await engine.dispose()

    ctx, _, _ = await review_at(service_context, OPENED + timedelta(days=30))
    home = await task_of(ctx, nom.id)
    assert (home["queue_unit_code"], home["state"], home["claimant_id"], home["alerted_codes"]) == (
        "HN-SONTAY",
        "open",
        None,
        "|HN|TLD|",
    )
    district = await review_rpc(ctx)["list_queue"](SONTAY, {"unit_code": "HN-SONTAY"})
    assert [t["id"] for t in district["items"]] == ["old-escalated"]
    for superior, code in ((HANOI, "HN"), (TLD, "TLD")):
        below = await review_rpc(ctx)["list_queue"](superior, {"unit_code": code, "state": "escalated_in"})
        assert [t["id"] for t in below["items"]] == ["old-escalated"]
    view = await review_rpc(ctx)["get_task"](HANOI, {"task_id": "old-escalated"})
    assert [(m["kind"], m["from_unit"]["code"], m["to_unit"]["code"]) for m in view["moves"]] == [
        ("escalated", "HN-SONTAY", "HN"),
        ("escalated", "HN", "TLD"),
        ("returned_home", "TLD", "HN-SONTAY"),
    ]
    assert view["superior_actions"] == ["urge", "set_due_date", "receive_directly"]
    assert (await review_rpc(ctx)["claim"](SONTAY, {"task_id": "old-escalated"}))["claimant_id"] == SONTAY.user_id


@pytest.mark.asyncio
async def test_the_timer_loop_wakes_at_the_next_timers_moment_rather_than_a_poll_later(service_context: Any) -> None:
    ctx, clock, _ = await review_at(service_context)
    await submit(ctx)
    loop = TimerLoop(ctx, instance="a", poll_interval=60)
    await loop.run_once()
    assert loop._pause() == 60  # the first reminder is days away: the poll interval comes first
    async with ctx.engine.connect() as conn:
        pending = store.timers.c.fired_at.is_(None)
        first = await conn.scalar(sa.select(store.timers.c.fire_at).where(pending).order_by(store.timers.c.fire_at).limit(1))
    assert isinstance(first, datetime)
    clock.at = first - timedelta(seconds=2.5)
    await loop.run_once()
    assert loop._pause() == pytest.approx(2.5)
    clock.at = first
    assert await loop.run_once() == 1  # the reminder fires at its moment; the next timer is days away again
    assert loop._pause() == 60


@pytest.mark.asyncio
async def test_a_batch_escalates_only_the_tasks_still_open_when_it_fires_each_as_one_escalation_alone_would(
    service_context: Any,
) -> None:
    ctx, clock, loop = await review_at(service_context)
    await roster(ctx, "HN-SONTAY", SONTAY)
    await roster(ctx, "HN", HANOI)
    for person, kind in ((SONTAY, "overdue"), (HANOI, "escalated_in")):  # emailed: each note leaves its event
        await review_rpc(ctx)["set_notification_preferences"](person, {"items": [{"kind": kind, "delivery": "email_now"}]})
    tasks = [await submit(ctx) for _ in range(6)]
    returned, claimed = tasks[0], tasks[1]
    for task in (returned, claimed):
        await review_rpc(ctx)["claim"](SONTAY, {"task_id": task["id"]})
    clock.at = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)  # every task overdue; the district returns one before the pass
    await review_rpc(ctx)["decide"](SONTAY, {"task_id": returned["id"], "action": "return", "comment": "Thiếu minh chứng"})
    await loop.run_once()

    escalated = await outbox_events(ctx, ".task_escalated")
    assert sorted(e["task"]["task_id"] for e in escalated) == sorted(t["id"] for t in tasks[1:])
    for event in escalated:
        row = await task_of(ctx, event["task"]["nomination_id"])
        checked = TaskEscalated.model_validate(event)  # what consumers read: the stored payload validates
        assert checked.task == TaskSnapshot.model_validate(
            {
                "task_id": row["id"],
                "nomination_id": row["nomination_id"],
                "unit": row["unit"],
                "state": row["state"],
                "round": row["round"],
                "claimant_id": row["claimant_id"],
                "claimant_name": row["claimant_name"],
                "due_at": row["due_at"],
                "queue_unit": row["queue_unit"],
                "escalations": 1,
                "alerted": row["alerted"],
            }
        )
        assert (checked.from_unit.code, checked.to_unit.code, checked.reason, checked.was_due_at) == (
            "HN-SONTAY",
            "HN",
            "overdue",
            row["due_at"],
        )
        assert (checked.occurred_at, checked.actor, checked.correlation_id) == (clock.now(), SYSTEM_ACTOR, row["nomination_id"])
    assert [e["task"]["claimant_id"] for e in escalated if e["task"]["task_id"] == claimed["id"]] == [SONTAY.user_id]
    assert len({e["event_id"] for e in escalated}) == 5

    async with ctx.engine.connect() as conn:
        outcomes = dict(
            (
                await conn.execute(
                    sa.select(store.timers.c.task_id, store.timers.c.outcome).where(
                        store.timers.c.kind == "escalate", store.timers.c.fired_at.is_not(None)
                    )
                )
            ).all()
        )
        moves = (await conn.execute(sa.select(store.task_moves))).mappings().all()
        pending = (
            await conn.execute(
                sa.select(store.timers.c.task_id, store.timers.c.generation, store.timers.c.fire_at).where(
                    store.timers.c.kind == "escalate", store.timers.c.fired_at.is_(None)
                )
            )
        ).all()
    assert outcomes == {returned["id"]: "task_closed"} | {t["id"]: "escalated:overdue" for t in tasks[1:]}
    assert sorted((m["task_id"], m["kind"], m["from_unit"]["code"], m["to_unit"]["code"]) for m in moves) == sorted(
        (t["id"], "escalated", "HN-SONTAY", "HN") for t in tasks[1:]
    )
    assert all(m["at"] == clock.now() and m["was_due_at"] == m["new_due_at"] == tasks[1]["due_at"] for m in moves)
    assert sorted(task_id for task_id, _, _ in pending) == sorted(t["id"] for t in tasks[1:])  # the lapse's timer each
    assert {(generation, vn_date(at)) for _, generation, at in pending} == {(tasks[1]["generation"] + 1, date(2026, 3, 24))}

    bell = {u.user_id: (await review_rpc(ctx)["notifications"](u, {}))["items"] for u in (SONTAY, HANOI)}
    assert sorted(n["task_id"] for n in bell[HANOI.user_id] if n["kind"] == "escalated_in") == sorted(t["id"] for t in tasks[1:])
    assert sorted(n["task_id"] for n in bell[SONTAY.user_id] if n["kind"] == "overdue") == sorted(t["id"] for t in tasks[1:])
    issued = await outbox_events(ctx, ".notification_issued")
    assert sorted((e["kind"], e["task_id"]) for e in issued if e["kind"] in ("overdue", "escalated_in")) == sorted(
        (kind, t["id"]) for kind in ("overdue", "escalated_in") for t in tasks[1:]
    )
    async with ctx.engine.connect() as conn:  # each event names its own note (the batch's notes written at once)
        n = store.notifications
        notes = {row.id: (row.user_id, row.kind, row.task_id) for row in await conn.execute(sa.select(n))}
    emailed = {i: note for i, note in notes.items() if note[1] in ("overdue", "escalated_in")}
    assert {e["note_id"]: (e["user_id"], e["kind"], e["task_id"]) for e in issued} == emailed
