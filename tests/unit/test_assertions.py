"""Callers proven, not claimed: what a service accepts as the actor of an RPC request (shared.platform.assertions)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import RpcRequest
from shared.contracts.subjects import rpc_subject
from shared.platform import assertions
from shared.platform.assertions import CallerRefused, Signer, Verifier, generate_keys, load_signer, load_verifier
from shared.platform.rpc import answer

APPROVER = Actor(
    user_id="u-1", username="ld.sontay", full_name="Nguyễn Văn A", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),)
)
ADMIN = Actor(user_id="u-0", username="admin", full_name="Quản trị", roles=(RoleGrant(role="admin"),))
DECIDE = rpc_subject("review", "decide")
PARAMS: dict[str, Any] = {"task_id": "t-1", "outcome": "approve", "comment": "Đồng ý"}


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    generate_keys(tmp_path / "keys")
    return tmp_path / "keys"


def refusal(verifier: Verifier, token: str | None, subject: str = DECIDE, params: dict[str, Any] = PARAMS) -> str:
    with pytest.raises(CallerRefused) as refused:
        verifier.verify(token, subject, params)
    return refused.value.reason


def test_the_portals_assertion_gives_the_actor_once(keys: Path) -> None:
    portal, verifier = load_signer(keys, "portal"), load_verifier(keys)
    token = portal.sign(APPROVER, DECIDE, PARAMS)
    # the same parameters in another key order are the same request
    assert verifier.verify(token, DECIDE, dict(reversed(PARAMS.items()))) == APPROVER
    assert refusal(verifier, token) == "replayed"


def test_a_request_without_or_with_a_forged_assertion_is_refused(keys: Path) -> None:
    verifier = load_verifier(keys)
    assert refusal(verifier, None) == "missing"
    assert refusal(verifier, "not-a-token").startswith("malformed")
    forger = Signer("portal", Ed25519PrivateKey.generate())  # claims to be the portal, with its own key
    assert refusal(verifier, forger.sign(ADMIN, DECIDE, PARAMS)).startswith("invalid")
    stranger = Signer("intruder", Ed25519PrivateKey.generate())
    assert refusal(verifier, stranger.sign(ADMIN, DECIDE, PARAMS)) == "unknown issuer 'intruder'"


def test_an_assertion_is_bound_to_its_operation_and_parameters(keys: Path) -> None:
    portal, verifier = load_signer(keys, "portal"), load_verifier(keys)
    token = portal.sign(APPROVER, DECIDE, PARAMS)
    assert refusal(verifier, token, subject=rpc_subject("awards", "revoke")).startswith("for another operation")
    assert refusal(verifier, portal.sign(APPROVER, DECIDE, PARAMS), params={**PARAMS, "outcome": "reject"}) == (
        "for other parameters"
    )


def test_an_assertion_expires_within_seconds(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    portal, verifier = load_signer(keys, "portal"), load_verifier(keys)
    token = portal.sign(APPROVER, DECIDE, PARAMS)
    later = time.time() + assertions.ASSERTION_TTL_SECONDS + assertions.CLOCK_LEEWAY_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert refusal(verifier, token) == "expired"


def test_a_service_or_the_operator_tools_assert_only_the_operations_their_nats_user_may_request(keys: Path) -> None:
    verifier = load_verifier(keys)
    awards = load_signer(keys, "awards")
    unit_paths = rpc_subject("registration", "unit_paths")
    assert verifier.verify(awards.sign(APPROVER, unit_paths, {"code": "HN"}), unit_paths, {"code": "HN"}) == APPROVER
    assert "may not call" in refusal(verifier, awards.sign(ADMIN, DECIDE, PARAMS))
    operator = load_signer(keys, "operator")
    assert "may not call" in refusal(verifier, operator.sign(ADMIN, DECIDE, PARAMS))


def test_keys_are_private_to_their_owner_and_a_service_without_keys_trusts_nobody(keys: Path, tmp_path: Path) -> None:
    assert (keys / "portal.key").stat().st_mode & 0o777 == 0o600
    assert keys.stat().st_mode & 0o777 == 0o700
    assert generate_keys(keys) == []  # kept across restarts
    with pytest.raises(FileNotFoundError):
        load_verifier(tmp_path / "empty")


@pytest.mark.asyncio
async def test_the_answering_service_runs_the_operation_as_the_asserted_actor_never_the_claimed_one(keys: Path) -> None:
    portal, verifier = load_signer(keys, "portal"), load_verifier(keys)
    seen: list[Actor] = []

    async def operation(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        seen.append(actor)
        return {"ok": True}

    # a made-up admin in `actor`, beside a real assertion of the approver: the approver acts
    token = portal.sign(APPROVER, DECIDE, PARAMS)
    request = RpcRequest(actor=ADMIN, params=PARAMS, assertion=token).model_dump_json().encode()
    assert (await answer(request, operation, subject=DECIDE, callers=verifier))["ok"] is True
    assert seen == [APPROVER]
    # no assertion: refused with a stable code, the operation never runs
    unsigned = RpcRequest(actor=ADMIN, params=PARAMS).model_dump_json().encode()
    reply = await answer(unsigned, operation, subject=DECIDE, callers=verifier)
    assert (reply["ok"], reply["error"]["code"], reply["error"]["status"]) == (False, "caller_not_proven", 401)
    assert len(seen) == 1
    assert json.dumps(reply, ensure_ascii=False).count("Yêu cầu không mang chứng thực") == 1
