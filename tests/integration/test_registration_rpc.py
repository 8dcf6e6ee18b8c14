"""Registration's RPC over a real broker: the portal's requests and the replies it gets, on both databases."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from nats.aio.client import Client as NatsClient

from services.registration import store
from shared.contracts import subjects
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import RpcRequest
from shared.platform.service import ServiceContext
from tests.integration.conftest import SUBMITTER, count_rows

SUBMIT = subjects.rpc_subject("registration", "submit")
OTHER_UNIT_SUBMITTER = Actor(
    user_id="u-vanquan",
    username="cdcs.vanquan",
    roles=(RoleGrant(role="submitter", unit_code="HN-HADONG-VANQUAN"),),
)


def draft(**overrides: Any) -> dict[str, Any]:
    return {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Nguyễn Văn An"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
        **overrides,
    }


async def call(nc: NatsClient, actor: Actor, params: dict[str, Any], subject: str = SUBMIT) -> dict[str, Any]:
    reply = await nc.request(subject, RpcRequest(actor=actor, params=params).model_dump_json().encode(), timeout=5)
    decoded: dict[str, Any] = json.loads(reply.data)
    return decoded


def field_names(reply: dict[str, Any]) -> set[str]:
    return {f["field"] for f in reply["error"]["fields"]}


@pytest.mark.asyncio
async def test_a_valid_submission_replies_ok_with_the_nomination_and_queues_its_event(
    registration: ServiceContext, nc: NatsClient
) -> None:
    reply = await call(nc, SUBMITTER, draft())

    assert reply["ok"] is True
    assert reply["error"] is None
    nomination = reply["data"]
    assert nomination["status"] == "submitted"
    assert nomination["unit_code"] == "HN-SONTAY-DST"
    assert [u["code"] for u in nomination["unit_path"]] == ["HN-SONTAY-DST", "HN-SONTAY", "HN", "TLD"]
    assert [s["step"] for s in nomination["timeline"]] == ["submitted"]
    assert await count_rows(registration.engine, store.outbox) == 1

    fetched = await call(nc, SUBMITTER, {"id": nomination["id"]}, subject=subjects.rpc_subject("registration", "get"))
    assert fetched["data"]["id"] == nomination["id"]


@pytest.mark.asyncio
async def test_submitting_the_same_nominee_award_and_period_again_replies_409_duplicate_nomination(
    registration: ServiceContext, nc: NatsClient
) -> None:
    first = await call(nc, SUBMITTER, draft())
    again = await call(nc, SUBMITTER, draft(nominee={"kind": "individual", "name": "  nguyễn văn  an "}))

    assert first["ok"] is True
    assert again["ok"] is False
    assert again["error"]["code"] == "duplicate_nomination"
    assert again["error"]["status"] == 409
    assert await count_rows(registration.engine, store.nominations) == 1
    assert await count_rows(registration.engine, store.outbox) == 1


@pytest.mark.asyncio
async def test_concurrent_duplicate_submissions_yield_one_nomination_and_409_for_the_rest(
    registration: ServiceContext, nc: NatsClient
) -> None:
    replies = await asyncio.gather(*(call(nc, SUBMITTER, draft()) for _ in range(6)))

    assert sorted(r["ok"] for r in replies) == [False] * 5 + [True]
    assert {(r["error"]["code"], r["error"]["status"]) for r in replies if not r["ok"]} == {("duplicate_nomination", 409)}
    assert await count_rows(registration.engine, store.nominations) == 1
    assert await count_rows(registration.engine, store.outbox) == 1


@pytest.mark.asyncio
async def test_a_submitter_of_another_unit_is_refused_with_403_not_unit_submitter(
    registration: ServiceContext, nc: NatsClient
) -> None:
    reply = await call(nc, OTHER_UNIT_SUBMITTER, draft())

    assert reply["ok"] is False
    assert reply["error"]["code"] == "not_unit_submitter"
    assert reply["error"]["status"] == 403
    assert await count_rows(registration.engine, store.nominations) == 0


@pytest.mark.asyncio
async def test_invalid_input_replies_422_naming_every_offending_field(registration: ServiceContext, nc: NatsClient) -> None:
    # Intake rules: a year-shaped period, at least 20 characters of achievements, a kind the award accepts.
    rules = await call(
        nc,
        SUBMITTER,
        draft(
            award_code="cong_nhan_gioi_thu_do",  # individuals only
            period="năm nay",
            achievements="Tốt",
            nominee={"kind": "collective", "name": "Tổ bảo dưỡng"},
        ),
    )
    # Shape rules, checked before anything else.
    shape = await call(nc, SUBMITTER, draft(nominee={"kind": "robot", "name": "R2"}, extra="x"))

    assert rules["ok"] is False
    assert (rules["error"]["code"], rules["error"]["status"]) == ("validation_failed", 422)
    assert field_names(rules) == {"period", "achievements", "nominee.kind"}
    assert all(f["message"] for f in rules["error"]["fields"])
    assert (shape["error"]["code"], shape["error"]["status"]) == ("validation_failed", 422)
    assert field_names(shape) == {"nominee.kind", "extra"}
    assert await count_rows(registration.engine, store.nominations) == 0


@pytest.mark.asyncio
async def test_a_request_that_is_not_an_rpc_request_replies_bad_request(registration: ServiceContext, nc: NatsClient) -> None:
    garbage = json.loads((await nc.request(SUBMIT, b"{not json", timeout=5)).data)
    no_actor = json.loads((await nc.request(SUBMIT, json.dumps({"params": draft()}).encode(), timeout=5)).data)

    assert garbage["ok"] is False
    assert garbage["error"]["code"] == "bad_request"
    assert garbage["error"]["status"] == 400
    assert no_actor["error"]["code"] == "bad_request"
    assert "actor" in field_names(no_actor)
    assert await count_rows(registration.engine, store.nominations) == 0
