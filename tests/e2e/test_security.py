"""The attacks of issue 14 on the bus, tried against the embedded system as `make run` starts it.

Each attacker holds at most one user's NATS credentials (or none) and the code of the project. Every attempt
must be refused, and the system must show no trace of it: no decision, no stored event, no changed stream.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nats.js.api import RePublish, StreamConfig

from shared.contracts import subjects
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import RpcReply, RpcRequest
from shared.platform.assertions import Signer, load_signer
from tests.bussession import Session, bus_session
from tests.e2e.conftest import start_system
from thidua.client import PortalClient
from thidua.system import System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

MADE_UP_ADMIN = Actor(user_id="x", username="admin", full_name="Kẻ giả mạo", roles=(RoleGrant(role="admin"),))
LIST = subjects.rpc_subject("registration", "list")


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    yield from start_system(tmp_path_factory.mktemp("security"), "sqlite")


def as_user(system: System, user: str) -> AbstractAsyncContextManager[Session]:
    return bus_session(system.user_nats_url(user).split(","), user)


async def rpc(session: Session, subject: str, actor: Actor, params: dict[str, Any], assertion: str | None) -> RpcReply:
    body = RpcRequest(actor=actor, params=params, assertion=assertion).model_dump_json().encode()
    return RpcReply.model_validate_json((await session.nc.request(subject, body, timeout=10)).data)


def keys(system: System) -> Path:
    return system.config.var_dir / "secrets" / "keys"


def refusal_code(reply: RpcReply) -> str:
    assert not reply.ok
    assert reply.error is not None
    return reply.error.code


@pytest.mark.asyncio
async def test_an_anonymous_or_badly_authenticated_connection_is_refused(system: System) -> None:
    for url in (system.nats_url, system.nats_url.replace("nats://", "nats://portal:guess@")):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)


@pytest.mark.asyncio
async def test_a_made_up_actor_is_refused_even_with_the_portals_nats_credentials(system: System) -> None:
    """The portal's NATS password alone (no signing key) reads nothing and decides nothing."""
    async with as_user(system, "portal") as portal:
        unsigned = await rpc(portal, LIST, MADE_UP_ADMIN, {}, None)
        assert refusal_code(unsigned) == "caller_not_proven"
        forged = Signer("portal", Ed25519PrivateKey.generate()).sign(MADE_UP_ADMIN, LIST, {})
        assert refusal_code(await rpc(portal, LIST, MADE_UP_ADMIN, {}, forged)) == "caller_not_proven"
        decide = subjects.rpc_subject("review", "decide")
        params = {"task_id": str(uuid.uuid4()), "outcome": "approve"}
        assert refusal_code(await rpc(portal, decide, MADE_UP_ADMIN, params, None)) == "caller_not_proven"


@pytest.mark.asyncio
async def test_a_real_assertion_works_once_for_its_own_operation_and_parameters(system: System) -> None:
    """What a captured assertion is worth: nothing for another operation or other parameters, and no second use."""
    signer = load_signer(keys(system), "portal")
    async with as_user(system, "portal") as portal:
        token = signer.sign(MADE_UP_ADMIN, LIST, {})
        first = await rpc(portal, LIST, MADE_UP_ADMIN, {}, token)
        assert first.ok  # the portal's key is the portal: a holder of it is trusted (kept 0600 in var/secrets)
        assert refusal_code(await rpc(portal, LIST, MADE_UP_ADMIN, {}, token)) == "caller_not_proven"  # replayed
        other_op = subjects.rpc_subject("awards", "list_decisions")
        token = signer.sign(MADE_UP_ADMIN, LIST, {})
        assert refusal_code(await rpc(portal, other_op, MADE_UP_ADMIN, {}, token)) == "caller_not_proven"
        token = signer.sign(MADE_UP_ADMIN, LIST, {"limit": 1})
        assert refusal_code(await rpc(portal, LIST, MADE_UP_ADMIN, {"limit": 500}, token)) == "caller_not_proven"
    key_file = keys(system) / "portal.key"
    assert key_file.stat().st_mode & 0o077 == 0


@pytest.mark.asyncio
async def test_no_service_can_publish_an_approval_and_awards_issues_nothing(system: System) -> None:
    """The forged NominationApproved of the issue: refused for every user but review, nothing stored, no decision."""
    client = PortalClient(system.portal_url)
    client.login("ld.hanoi", system.config.demo_password)
    before = client.get("ld.hanoi", "/api/v1/decisions")
    forged = {
        "schema_version": 1,
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(),
        "nomination_id": str(uuid.uuid4()),
    }
    async with as_user(system, "admin") as admin:
        stored = (await admin.nc.jetstream().stream_info("REVIEW")).state.messages
    for user in ("registration", "awards", "portal", "operator"):
        async with as_user(system, user) as s:
            await s.nc.publish(subjects.NOMINATION_APPROVED, json.dumps(forged).encode())
            assert await s.refused() == [f'nats: permissions violation for publish to "{subjects.NOMINATION_APPROVED}"'], user
    await asyncio.sleep(1.0)
    async with as_user(system, "admin") as admin:
        assert (await admin.nc.jetstream().stream_info("REVIEW")).state.messages == stored
    assert client.get("ld.hanoi", "/api/v1/decisions") == before
    client.close()


@pytest.mark.asyncio
async def test_no_service_can_change_a_stream_listen_to_the_rpc_traffic_or_touch_the_audit_trail(system: System) -> None:
    for user in ("registration", "review", "awards", "portal"):
        async with as_user(system, user) as s:
            js = s.refusing()  # both requests are refused: no answer can come (tests/bussession.py)
            republish = StreamConfig(
                name="REGISTRATION",
                subjects=["thidua.registration.>"],
                republish=RePublish(src="thidua.registration.>", dest=subjects.NOMINATION_APPROVED),
            )
            with pytest.raises(nats.errors.TimeoutError):
                await js.update_stream(republish)
            with pytest.raises(nats.errors.TimeoutError):
                await js.update_stream(StreamConfig(name="AWARDS", subjects=["thidua.awards.>"], max_msgs=1))
            assert len(await s.refused()) == 2, user
            await s.nc.subscribe("thidua.rpc.>")
            assert len(await s.refused()) == 1, user  # nobody sees the callers and their parameters
            await s.nc.subscribe("_INBOX.>")
            assert len(await s.refused()) == 1, user  # nor anybody's replies
            if user != "portal":  # the portal's ops page is an operator tool; services are not
                await s.nc.publish(subjects.ops_audit_subject("discard"), b"{}")
                assert len(await s.refused()) == 1, user
    async with as_user(system, "admin") as admin:
        js = admin.nc.jetstream()
        assert (await js.stream_info("AWARDS")).config.max_msgs == -1
        assert (await js.stream_info("REGISTRATION")).config.republish is None


def test_the_operator_tools_still_see_everything_with_their_own_user_and_key(system: System) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env.update(THIDUA_VAR_DIR=str(system.config.var_dir), THIDUA_NATS_PORT=str(system.config.nats_port))
    done = subprocess.run(
        [sys.executable, "-m", "thidua", "ops", "status", "--json"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"pipeline": {' in done.stdout  # registration answered the operator's signed request
    assert "caller_not_proven" not in done.stdout
