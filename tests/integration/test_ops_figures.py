"""Operations figures read from the services' own data, on SQLite and PostgreSQL: nominations per
stage (registration), queues per unit (review), the outbox backlog, and who may see them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from services.registration import routes as registration_routes
from services.registration import store as registration_store
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.review import opsview as review_ops
from services.review.routes import operations as review_rpc
from services.review.usecases import intake
from services.review.usecases.context import ReviewContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import NominationSubmitted
from shared.platform.clock import FixedClock
from shared.platform.observability import Sampler
from shared.rules import reference
from tests.integration.conftest import APPROVER_SONTAY, OPS, SUBMITTER, draft, snapshot

MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


def scrape(registry: CollectorRegistry) -> str:
    return generate_latest(registry).decode()


@pytest.mark.asyncio
async def test_nominations_per_stage_and_per_day_come_from_registration(service_context: Any) -> None:
    clock = FixedClock(MONDAY)
    ctx = await service_context("registration", clock=clock)
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        await registration_routes.operations(ctx)["submit"](SUBMITTER, draft(name))
    clock.advance(timedelta(days=2))
    await registration_routes.operations(ctx)["submit"](SUBMITTER, draft("Lê Văn Cường"))

    figures = await registration_routes.operations(ctx)["ops_pipeline"](OPS, {"days": 7})

    stages = {s["stage"]: s for s in figures["stages"]}
    assert [s["stage"] for s in figures["stages"]] == ["submitted", "district", "city", "national", "signing", "decided"]
    assert stages["submitted"]["count"] == 3
    assert stages["submitted"]["entered_24h"] == 1  # two came in two days ago
    by_day = {d["date"]: d for d in figures["per_day"]}
    assert len(by_day) == 7
    assert by_day["2026-03-02"]["submitted"] == 2
    assert by_day["2026-03-04"]["submitted"] == 1
    assert sum(d["district"] for d in figures["per_day"]) == 0
    with pytest.raises(Forbidden) as refused:  # the owning service checks, not only the portal
        await registration_routes.operations(ctx)["ops_pipeline"](APPROVER_SONTAY, {})
    assert refused.value.code == "ops_only"


@pytest.mark.asyncio
async def test_queues_per_unit_show_depth_oldest_task_and_overdue_as_metrics_and_for_the_ops_page(service_context: Any) -> None:
    clock = FixedClock(MONDAY)
    ctx = await service_context("review", clock=clock)
    for _ in range(2):
        await intake.on_submitted(
            ReviewContext.of(ctx), NominationSubmitted(occurred_at=MONDAY, nomination=snapshot(str(uuid.uuid4())))
        )
    clock.advance(timedelta(days=3))
    later = clock.now()
    await intake.on_submitted(
        ReviewContext.of(ctx),
        NominationSubmitted(occurred_at=later, nomination=snapshot(str(uuid.uuid4()), unit_code="HN-THANHXUAN-UBNDPHUONG")),
    )
    clock.advance(timedelta(days=13))  # the Sơn Tây tasks are past their ten working days; Thanh Xuân's are not

    registry = CollectorRegistry()
    sampler = Sampler("review", registry)
    review_ops.register_metrics(ctx, sampler)
    await sampler.refresh()
    text = scrape(registry)
    assert 'thidua_review_queue_depth_tasks{level="district",unit="HN-SONTAY"} 2.0' in text
    assert 'thidua_review_overdue_tasks{level="district",unit="HN-SONTAY"} 2.0' in text
    assert 'thidua_review_overdue_tasks{level="district",unit="HN-THANHXUAN"} 0.0' in text
    assert 'thidua_review_oldest_task_age_seconds{level="district",unit="HN-SONTAY"} 1.3824e+06' in text  # 16 days

    figures = await review_rpc(ctx)["ops_queues"](OPS, {"limit": 10})
    assert figures["total_tasks"] == 3
    assert figures["total_overdue"] == 2
    assert figures["by_level"] == {"district": {"depth": 3, "overdue": 2}}
    slowest = figures["slowest"]
    assert [u["unit_code"] for u in slowest] == ["HN-SONTAY", "HN-THANHXUAN"]
    assert slowest[0]["oldest_age_seconds"] == 16 * 86400
    assert slowest[0]["avg_decision_seconds"] is None
    with pytest.raises(Forbidden):
        await review_rpc(ctx)["ops_queues"](APPROVER_SONTAY, {})


@pytest.mark.asyncio
async def test_the_outbox_backlog_is_counted_with_the_age_of_its_oldest_row(service_context: Any) -> None:
    clock = FixedClock(MONDAY)
    ctx = await service_context("registration", clock=clock)
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    registry = CollectorRegistry()
    sampler = Sampler("registration", registry)
    sampler.watch_outbox(ctx.engine, registration_store.outbox, clock.now)
    await sampler.refresh()
    assert 'thidua_outbox_pending_rows{service="registration"} 0.0' in scrape(registry)

    await registration_routes.operations(ctx)["submit"](SUBMITTER, draft("Nguyễn Văn An"))  # no relay runs: the event waits
    clock.advance(timedelta(minutes=5))
    await sampler.refresh()
    text = scrape(registry)
    assert 'thidua_outbox_pending_rows{service="registration"} 1.0' in text
    assert 'thidua_outbox_oldest_pending_age_seconds{service="registration"} 300.0' in text
