"""Every review task carries its due date from the working-day calendar and the level's deadline."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from services.review import store
from services.review.routes import operations as review_rpc
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts.events import Actor, NominationSubmitted, RoleGrant
from shared.contracts.values import VIETNAM_TZ
from tests.integration.conftest import snapshot


async def open_task(ctx: Any, occurred_at: datetime) -> Any:
    nomination_id = str(uuid.uuid4())
    await intake.on_submitted(
        ReviewContext.of(ctx), NominationSubmitted(occurred_at=occurred_at, nomination=snapshot(nomination_id))
    )
    async with ctx.engine.connect() as conn:
        return (await conn.execute(sa.select(store.tasks).where(store.tasks.c.nomination_id == nomination_id))).mappings().one()


@pytest.mark.asyncio
async def test_a_district_task_is_due_ten_working_days_after_it_opens(service_context: Any) -> None:
    ctx = await service_context("review")
    task = await open_task(ctx, datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Monday 09:00 in Hà Nội
    assert task["due_at"].astimezone(VIETNAM_TZ).date() == date(2026, 3, 16)


@pytest.mark.asyncio
async def test_the_tet_week_moves_the_due_date(service_context: Any) -> None:
    ctx = await service_context("review")
    task = await open_task(ctx, datetime(2026, 2, 13, 3, 0, tzinfo=UTC))
    assert task["due_at"].astimezone(VIETNAM_TZ).date() == date(2026, 3, 6)


@pytest.mark.asyncio
async def test_the_queue_shows_due_dates_and_counts_overdue_tasks(service_context: Any) -> None:
    ctx = await service_context("review")
    await open_task(ctx, datetime(2026, 1, 5, 2, 0, tzinfo=UTC))  # due 16/1 (Saturday 10/1 worked), long past on 2/3/2026
    await open_task(ctx, datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    approver = Actor(user_id="u", username="ld.sontay", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),))
    page = await review_rpc(ctx)["list_queue"](approver, {"unit_code": "HN-SONTAY"})
    assert page["counts"] == {"open": 2, "claimed": 0, "overdue": 1, "escalated_in": 0, "escalated_out": 0}
    assert [t["due_at"][:10] for t in page["items"]] == ["2026-01-16", "2026-03-16"]  # oldest due first
    overdue = await review_rpc(ctx)["list_queue"](approver, {"unit_code": "HN-SONTAY", "state": "overdue"})
    assert overdue["total"] == 1
    before = await review_rpc(ctx)["list_queue"](approver, {"unit_code": "HN-SONTAY", "due_before": "2026-02-01"})
    assert before["total"] == 1
