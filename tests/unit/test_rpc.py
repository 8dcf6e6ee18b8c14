"""One request shape, one reply shape: `answer` turns every expected failure into an error reply."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from shared.contracts.commands import NominationDraft
from shared.contracts.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import Operation
from shared.platform.rpc import answer, implement

ACTOR = Actor(
    user_id="u-1",
    username="an.nguyen",
    full_name="Nguyễn Văn An",
    roles=(RoleGrant(role="submitter", unit_code="HN-SONTAY-DST"),),
)
DRAFT = {
    "unit_code": "HN-SONTAY-DST",
    "award_code": "giay_khen_ldld_huyen",
    "period": "2025",
    "nominee": {"kind": "individual", "name": "Đặng Thị Bình"},
    "achievements": "Hoàn thành xuất sắc nhiệm vụ năm 2025.",
}


def request(params: dict[str, Any] | None = None, actor: Actor = ACTOR) -> bytes:
    return json.dumps({"actor": actor.model_dump(mode="json"), "params": params or {}}).encode()


class Recorder:
    """An operation that remembers its calls and returns or raises what it is given."""

    def __init__(self, result: Any = None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error
        self.calls: list[tuple[Actor, dict[str, Any]]] = []

    async def __call__(self, actor: Actor, params: dict[str, Any]) -> Any:
        self.calls.append((actor, params))
        if self.error is not None:
            raise self.error
        return self.result


async def validating_draft(actor: Actor, params: dict[str, Any]) -> Any:
    return NominationDraft.model_validate(params).model_dump()


@pytest.mark.asyncio
async def test_a_successful_operation_replies_ok_with_its_data() -> None:
    operation = Recorder(result={"id": "n-1", "status": "submitted"})
    reply = await answer(request({"id": "n-1"}), operation)
    assert reply == {"ok": True, "data": {"id": "n-1", "status": "submitted"}, "error": None}


@pytest.mark.asyncio
async def test_the_operation_gets_the_decoded_actor_and_params() -> None:
    operation = Recorder(result=None)
    await answer(request({"id": "n-1", "page": 2}), operation)
    assert operation.calls == [(ACTOR, {"id": "n-1", "page": 2})]
    assert operation.calls[0][0].has_role("submitter", "HN-SONTAY-DST")


@pytest.mark.asyncio
async def test_params_default_to_empty_when_left_out() -> None:
    operation = Recorder(result=[])
    await answer(json.dumps({"actor": ACTOR.model_dump(mode="json")}).encode(), operation)
    assert operation.calls == [(ACTOR, {})]


@pytest.mark.asyncio
async def test_a_domain_error_becomes_an_error_reply_with_its_code_status_title_and_fields() -> None:
    error = Conflict("Hồ sơ đã được Trần Thị Duyệt nhận xử lý", code="task_already_claimed")
    reply = await answer(request(), Recorder(error=error))
    assert reply == {
        "ok": False,
        "data": None,
        "error": {
            "code": "task_already_claimed",
            "title": "Hồ sơ đã được Trần Thị Duyệt nhận xử lý",
            "status": 409,
            "fields": [],
        },
    }


@pytest.mark.asyncio
async def test_a_domain_error_with_fields_keeps_them_in_the_reply() -> None:
    error = ValidationFailed("Hồ sơ chưa hợp lệ", fields=[FieldError(field="period", message="Kỳ xét phải là năm, ví dụ 2025")])
    reply = await answer(request(), Recorder(error=error))
    assert reply["error"] == {
        "code": "validation_failed",
        "title": "Hồ sơ chưa hợp lệ",
        "status": 422,
        "fields": [{"field": "period", "message": "Kỳ xét phải là năm, ví dụ 2025"}],
    }


@pytest.mark.asyncio
async def test_a_domain_error_without_a_title_replies_with_its_class_title() -> None:
    reply = await answer(request(), Recorder(error=NotFound()))
    assert reply["error"]["code"] == "not_found"
    assert reply["error"]["status"] == 404
    assert reply["error"]["title"] == "Không tìm thấy"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "raw",
    [b"not json", b"", b"[]", b'{"params": {}}', b'{"actor": {"user_id": "u-1"}}', b'{"actor": null}', b"\xff\xfe"],
    ids=["not-json", "empty", "array", "missing-actor", "actor-without-username", "null-actor", "not-utf8"],
)
async def test_a_malformed_request_is_a_bad_request_and_never_reaches_the_operation(raw: bytes) -> None:
    operation = Recorder(result="should not run")
    reply = await answer(raw, operation)
    assert reply["ok"] is False
    assert reply["data"] is None
    assert reply["error"]["code"] == "bad_request"
    assert reply["error"]["status"] == 400
    assert operation.calls == []


@pytest.mark.asyncio
async def test_a_bad_request_names_the_missing_actor() -> None:
    reply = await answer(b'{"params": {}}', Recorder())
    assert {"field": "actor", "message": "Trường này là bắt buộc"} in reply["error"]["fields"]


@pytest.mark.asyncio
async def test_a_pydantic_error_in_the_operation_is_a_422_naming_the_missing_field_in_vietnamese() -> None:
    params = {k: v for k, v in DRAFT.items() if k != "period"}
    reply = await answer(request(params), validating_draft)
    assert reply["ok"] is False
    assert reply["error"]["status"] == 422
    assert reply["error"]["code"] == "validation_failed"
    assert reply["error"]["fields"] == [{"field": "period", "message": "Trường này là bắt buộc"}]


@pytest.mark.asyncio
async def test_a_pydantic_error_in_a_nested_field_names_the_dotted_path() -> None:
    params = {**DRAFT, "nominee": {"kind": "individual", "name": "A"}, "surprise": 1}
    reply = await answer(request(params), validating_draft)
    assert reply["error"]["status"] == 422
    assert sorted(reply["error"]["fields"], key=lambda f: f["field"]) == [
        {"field": "nominee.name", "message": "Quá ngắn (tối thiểu 2 ký tự)"},
        {"field": "surprise", "message": "Trường không được phép"},
    ]


@pytest.mark.asyncio
async def test_a_pydantic_error_for_a_wrong_choice_lists_the_allowed_values() -> None:
    params = {**DRAFT, "nominee": {"kind": "robot", "name": "Máy tiện"}}
    reply = await answer(request(params), validating_draft)
    (field,) = reply["error"]["fields"]
    assert field["field"] == "nominee.kind"
    assert "individual" in field["message"]
    assert "collective" in field["message"]


@pytest.mark.asyncio
async def test_a_valid_draft_passes_through_the_operation() -> None:
    reply = await answer(request(DRAFT), validating_draft)
    assert reply["ok"] is True
    assert reply["data"]["period"] == "2025"
    assert reply["data"]["nominee"]["name"] == "Đặng Thị Bình"


@pytest.mark.asyncio
async def test_an_unexpected_exception_is_an_internal_error_reply_that_does_not_leak_its_text() -> None:
    reply = await answer(request(), Recorder(error=RuntimeError("secret connection string")))
    assert reply["ok"] is False
    assert reply["error"]["code"] == "internal_error"
    assert reply["error"]["status"] == 500
    assert "secret" not in json.dumps(reply)


class _Echo(BaseModel):
    name: str = Field(min_length=3)


ECHO = Operation(service="test", name="echo", request=_Echo, reply=_Echo)


async def _echo(actor: Actor, request: _Echo) -> _Echo:
    return request


def _ops_only(actor: Actor) -> None:
    if not actor.sees_everything():
        raise Forbidden("Chỉ cán bộ vận hành", code="ops_only")


@pytest.mark.asyncio
async def test_a_typed_operation_validates_its_request_and_dumps_its_reply() -> None:
    _, run = implement(ECHO, _echo)
    assert json.loads(json.dumps(await answer(request({"name": "Bình"}), run)))["data"] == {"name": "Bình"}
    refused = await answer(request({"name": "B"}), run)
    assert (refused["error"]["status"], refused["error"]["fields"][0]["field"]) == (422, "name")


@pytest.mark.asyncio
async def test_a_caller_without_the_right_is_refused_before_its_request_is_read() -> None:
    _, run = implement(ECHO, _echo, caller_check=_ops_only)
    refused = await answer(request({"name": "B"}), run)  # invalid too: the caller learns nothing of the shape
    assert (refused["error"]["status"], refused["error"]["code"]) == (403, "ops_only")
    ops = Actor(user_id="u-ops", username="ops", roles=(RoleGrant(role="ops"),))
    assert (await answer(request({"name": "Bình"}, ops), run))["data"] == {"name": "Bình"}


@pytest.mark.asyncio
async def test_a_reply_too_large_for_the_bus_is_a_422_asking_for_less_not_a_timeout() -> None:
    """NATS drops a message over max_payload (1 MB): the caller would wait 10 s and say "unavailable" (issue 15)."""

    async def huge(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": ["x" * 1000] * params["count"]}

    reply = await answer(request({"count": 2000}), huge, subject="thidua.rpc.registration.list")
    assert (reply["ok"], reply["error"]["code"], reply["error"]["status"]) == (False, "reply_too_large", 422)
    assert "tham số limit" in reply["error"]["title"]
    fits = request({"count": 900})
    assert (await answer(fits, huge, subject="thidua.rpc.registration.list"))["ok"] is True


@pytest.mark.asyncio
async def test_a_reply_too_large_for_the_bus_is_kept_by_spill_and_the_caller_told_where() -> None:
    async def huge(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        return {"items": ["Nguyễn Thị Hường " * 60] * params["count"]}

    kept: list[bytes] = []

    async def spill(data: bytes) -> dict[str, Any]:
        kept.append(data)
        return {"ok": True, "spilled": {"bucket": "b", "name": "n", "bytes": len(data)}}

    reply = await answer(request({"count": 2000}), huge, subject="thidua.rpc.awards.get_decision", spill=spill)
    assert reply == {"ok": True, "spilled": {"bucket": "b", "name": "n", "bytes": len(kept[0])}}
    assert json.loads(kept[0])["data"]["items"][0].startswith("Nguyễn Thị Hường")  # the whole reply, as it would travel
    small = await answer(request({"count": 2}), huge, subject="thidua.rpc.awards.get_decision", spill=spill)
    assert small["data"]["items"]
    assert len(kept) == 1  # a reply that fits travels as itself

    async def broken(data: bytes) -> dict[str, Any]:
        raise ConnectionError("object store unavailable")

    unavailable = await answer(request({"count": 2000}), huge, subject="thidua.rpc.awards.get_decision", spill=broken)
    assert (unavailable["ok"], unavailable["error"]["status"]) == (False, 503)  # a dependency down, not the caller's fault
