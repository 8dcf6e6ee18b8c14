"""Eligibility over the real broker: a failed check refuses the submission with its reasons; a warning travels
with the dossier through the outbox and the stream to review, where the approver's task shows it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient

from services.registration import routes as registration_routes
from services.registration import store as registration_store
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from services.review import routes as review_routes
from services.review import store as review_store
from services.review.routes import operations as review_rpc
from shared.contracts import subjects
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW, REVIEW_FROM_REGISTRATION
from shared.platform.messaging import make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.integration.conftest import APPROVER_SONTAY, SUBMITTER, count_rows, draft, eventually, running_broker
from tests.integration.test_registration_rpc import call, field_names

SUBMIT = subjects.rpc_subject("registration", "submit")
# Judged from registration's own records at submission (pledges, clusters, campaigns); review re-judges declared facts only.
SUBMISSION_ONLY = ("pledge", "cluster_lead", "campaign_window", "campaign_quota", "campaign_unit_quota")


@pytest_asyncio.fixture
async def registration_ctx(service_context: Callable[..., Any], clean_nats: str) -> AsyncIterator[ServiceContext]:
    ctx: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(ctx), reference.load_units())
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS, REVIEW_FROM_REGISTRATION))
    async with running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, ctx)):
        yield ctx


@pytest.mark.asyncio
async def test_a_confirmed_rule_refuses_the_submission_with_422_and_its_reason_on_the_field(
    registration_ctx: ServiceContext, nc: NatsClient
) -> None:
    body = draft() | {"award_code": "giai_thuong_nguyen_van_linh"}
    body["nominee"] |= {"title_history": [{"year": 2019, "title": "giai_thuong_nguyen_van_linh"}]}

    reply = await call(nc, SUBMITTER, body, subject=SUBMIT)

    assert reply["ok"] is False
    assert (reply["error"]["code"], reply["error"]["status"]) == ("not_eligible", 422)
    assert field_names(reply) == {"nominee.title_history"}
    [message] = [f["message"] for f in reply["error"]["fields"]]
    assert message.startswith("Mỗi người chỉ được tặng một lần: đã được tặng năm 2019 (Nguồn: Quy chế 2106/QĐ-TLĐ 2017")
    assert await count_rows(registration_ctx.engine, registration_store.nominations) == 0
    assert await count_rows(registration_ctx.engine, registration_store.outbox) == 0


@pytest.mark.asyncio
async def test_a_declared_exclusion_from_an_unconfirmed_source_is_accepted_with_every_reason_as_a_warning_on_its_field(
    registration_ctx: ServiceContext, nc: NatsClient
) -> None:
    body = draft()
    body["nominee"] |= {"absence_working_days": 45, "months_employed": 8, "pledge_registered": True}

    reply = await call(nc, SUBMITTER, body, subject=SUBMIT)

    assert reply["ok"] is True, reply
    warned = {c["field"]: c for c in reply["data"]["eligibility"] if c["status"] == "warning"}
    assert warned["nominee.months_employed"]["message"] == "Công tác 8 tháng, cần từ 10 tháng"
    assert warned["nominee.months_employed"]["source"].startswith("Hướng dẫn thi đua CĐCS 2021")
    assert warned["nominee.absence_working_days"]["source"].endswith("(chưa xác nhận)")
    assert not [c for c in reply["data"]["eligibility"] if c["status"] == "fail"]
    assert await count_rows(registration_ctx.engine, registration_store.nominations) == 1


@pytest.mark.asyncio
async def test_the_same_achievement_for_a_second_award_is_refused_and_the_approver_of_the_first_sees_its_warnings(
    registration_ctx: ServiceContext, service_context: Callable[..., Any], clean_nats: str, nc: NatsClient, tmp_path: Path
) -> None:
    first = await call(nc, SUBMITTER, draft(), subject=SUBMIT)
    assert first["ok"] is True
    report = first["data"]["eligibility"]
    assert {c["rule"] for c in report} >= {"one_achievement", "comprehensive_vs_topical", "min_months_employed"}
    assert {c["status"] for c in report if c["rule"] == "min_months_employed"} == {"warning"}
    assert set(first["data"]["nominee"]) == {"kind", "name"} | {k for k, v in first["data"]["nominee"].items() if v is None}

    again = await call(nc, SUBMITTER, draft() | {"award_code": "cdcs_vung_manh"}, subject=SUBMIT)
    assert again["ok"] is False  # a collective-only award: refused at intake, before eligibility
    second = await call(nc, SUBMITTER, draft() | {"award_code": "bang_khen_ldld_tp"}, subject=SUBMIT)
    assert second["ok"] is False
    assert second["error"]["code"] == "not_eligible"
    assert field_names(second) == {"achievements"}

    # The first one's snapshot goes through the outbox and the stream to review, warnings included.
    review_ctx: ServiceContext = await service_context("review", url=f"sqlite+aiosqlite:///{tmp_path / 'review.sqlite'}")
    publisher = make_broker(clean_nats, "registration")
    await publisher.start()
    try:

        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(publisher, subject, payload, headers)

        await OutboxRelay(registration_ctx.engine, registration_store.outbox, publish, registration_ctx.clock).publish_batch()
        async with running_broker(clean_nats, "review", lambda router, broker: review_routes.wire(router, broker, review_ctx)):
            await eventually(lambda: count_rows(review_ctx.engine, review_store.tasks), lambda n: n == 1)
    finally:
        await publisher.stop()

    queue = await review_rpc(review_ctx)["list_queue"](APPROVER_SONTAY, {"unit_code": "HN-SONTAY"})
    task = await review_rpc(review_ctx)["get_task"](APPROVER_SONTAY, {"task_id": queue["items"][0]["id"]})
    carried = task["nomination"]["eligibility"]
    assert carried == report
    assert any(c["status"] == "warning" and c["message"] == "Chưa khai báo số tháng công tác" for c in carried)
    recheck = task["eligibility_recheck"]
    assert [c["rule"] for c in recheck] == [
        c["rule"] for c in report if c["rule"] not in ("one_achievement", "comprehensive_vs_topical", *SUBMISSION_ONLY)
    ]
