"""Decoding events: anything that can never be handled as sent is a PoisonMessage with its reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.contracts import subjects
from shared.contracts.events import EVENT_TYPES, Actor, NominationWithdrawn, RoleGrant
from shared.platform.messaging import PoisonMessage, decode_event

WITHDRAWN = NominationWithdrawn(
    occurred_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    correlation_id="n-1",
    actor=Actor(
        user_id="u-1", username="an", full_name="Nguyễn Văn An", roles=(RoleGrant(role="submitter", unit_code="HN-SONTAY-DST"),)
    ),
    nomination_id="n-1",
    reason="Nộp nhầm kỳ xét",
)


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def withdrawn_payload(**changes: Any) -> dict[str, Any]:
    return {**WITHDRAWN.model_dump(mode="json"), **changes}


def test_a_valid_nomination_withdrawn_round_trips() -> None:
    decoded = decode_event(subjects.NOMINATION_WITHDRAWN, body(WITHDRAWN.model_dump(mode="json")))
    assert isinstance(decoded, NominationWithdrawn)
    assert decoded == WITHDRAWN
    assert decoded.actor.has_role("submitter", "HN-SONTAY-DST")


def test_every_event_type_is_registered_under_its_own_subject() -> None:
    assert all(subject == cls.SUBJECT for subject, cls in EVENT_TYPES.items())
    assert subjects.NOMINATION_WITHDRAWN in EVENT_TYPES


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b'{"a": 1', b"\xff\xfe\xfd"], ids=["broken", "empty", "truncated", "not-utf8"]
)
def test_malformed_json_is_poison(raw: bytes) -> None:
    with pytest.raises(PoisonMessage, match="malformed JSON"):
        decode_event(subjects.NOMINATION_WITHDRAWN, raw)


@pytest.mark.parametrize("payload", [[1, 2], "text", 42, None], ids=["array", "string", "number", "null"])
def test_json_that_is_not_an_object_is_poison(payload: Any) -> None:
    with pytest.raises(PoisonMessage, match="not a JSON object"):
        decode_event(subjects.NOMINATION_WITHDRAWN, body(payload))


@pytest.mark.parametrize("version", [2, 0, "1", None], ids=["future", "zero", "string", "null"])
def test_an_unknown_schema_version_is_poison_and_the_reason_names_it(version: Any) -> None:
    with pytest.raises(PoisonMessage, match="unsupported schema_version") as raised:
        decode_event(subjects.NOMINATION_WITHDRAWN, body(withdrawn_payload(schema_version=version)))
    assert repr(version) in str(raised.value)
    assert subjects.NOMINATION_WITHDRAWN in str(raised.value)


def test_a_missing_schema_version_is_poison() -> None:
    payload = WITHDRAWN.model_dump(mode="json")
    del payload["schema_version"]
    with pytest.raises(PoisonMessage, match="unsupported schema_version None"):
        decode_event(subjects.NOMINATION_WITHDRAWN, body(payload))


def test_a_payload_missing_a_required_field_is_poison_naming_the_event_type() -> None:
    payload = WITHDRAWN.model_dump(mode="json")
    del payload["nomination_id"]
    with pytest.raises(PoisonMessage, match=r"invalid NominationWithdrawn: 1 error\(s\): Field required"):
        decode_event(subjects.NOMINATION_WITHDRAWN, body(payload))


@pytest.mark.parametrize(
    "changes",
    [{"nomination_id": ["n-1"]}, {"occurred_at": "yesterday"}, {"event_id": "not-a-uuid"}, {"actor": {"user_id": "u-1"}}],
    ids=["list-id", "bad-date", "bad-uuid", "half-actor"],
)
def test_a_payload_of_the_wrong_shape_is_poison(changes: dict[str, Any]) -> None:
    with pytest.raises(PoisonMessage, match="invalid NominationWithdrawn"):
        decode_event(subjects.NOMINATION_WITHDRAWN, body(withdrawn_payload(**changes)))


def test_a_payload_for_another_event_on_this_subject_is_poison() -> None:
    # A TaskOpened-like body sent on the withdrawn subject lacks nomination_id.
    payload = {"schema_version": 1, "occurred_at": "2026-03-02T02:00:00Z", "task": {"task_id": "t-1"}}
    with pytest.raises(PoisonMessage, match="invalid NominationWithdrawn"):
        decode_event(subjects.NOMINATION_WITHDRAWN, body(payload))


@pytest.mark.parametrize(
    "subject", ["thidua.registration.nomination_lost", "thidua.deadletter.review", "", "thidua.rpc.review.claim"]
)
def test_an_unknown_subject_is_poison_and_the_reason_names_it(subject: str) -> None:
    with pytest.raises(PoisonMessage, match="unknown event subject") as raised:
        decode_event(subject, body(WITHDRAWN.model_dump(mode="json")))
    assert subject in str(raised.value)
