"""A reply too large for one NATS message reaches its caller whole through the service's replies bucket (issue 15:
large results go through the object store), on a real nats-server; lists stay paged and never need it."""

from __future__ import annotations

from typing import Any

import pytest
from nats.js import JetStreamContext
from pydantic import BaseModel

from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import Operation, RemoteError
from shared.contracts.subjects import REPLIES_TTL_SECONDS, replies_bucket
from shared.platform.messaging import register_rpc
from shared.platform.rpc import MAX_REPLY_BYTES, implement
from shared.platform.rpcclient import RpcClient
from shared.platform.topology import ensure_buckets
from tests.integration.conftest import running_broker

READER = Actor(user_id="u-1", username="ld.hanoi", full_name="Đỗ Mạnh Cường", roles=(RoleGrant(role="approver", unit_code="HN"),))


class Ask(BaseModel):
    people: int


class Answer(BaseModel):
    names: list[str]


BIG = Operation(service="awards", name="big_decision", request=Ask, reply=Answer)


async def big_decision(actor: Actor, ask: Ask) -> Answer:
    return Answer(
        names=[f"Nguyễn Thị Hường số {i:05d} — Công đoàn cơ sở Công ty Cổ phần Tập đoàn DST" for i in range(ask.people)]
    )


@pytest.mark.asyncio
async def test_a_reply_over_the_payload_limit_arrives_whole_through_the_replies_bucket(
    clean_nats: str, js: JetStreamContext
) -> None:
    await ensure_buckets(js)  # the topology: each service's replies bucket, objects expiring
    info = await (await js.object_store(replies_bucket("awards"))).status()
    assert info.ttl == REPLIES_TTL_SECONDS
    _, run = implement(BIG, big_decision)

    def wire(router: Any, broker: Any) -> None:
        register_rpc(router, "awards", {"big_decision": run}, broker=broker)

    async with running_broker(clean_nats, "awards", wire), running_broker(clean_nats, "portal") as caller:
        client = RpcClient(caller)
        reply = await client.call(BIG, READER, Ask(people=20_000))  # about 2 MB of names
        assert len(reply.names) == 20_000
        assert reply.names[-1].startswith("Nguyễn Thị Hường số 19999")
        assert len(Answer(names=reply.names).model_dump_json().encode()) > MAX_REPLY_BYTES
        small = await client.call(BIG, READER, Ask(people=3))  # a reply that fits travels as itself
        assert len(small.names) == 3
        kept = [o async for o in _objects(js, replies_bucket("awards"))]
        assert len(kept) == 1  # only the large one went through the bucket


@pytest.mark.asyncio
async def test_without_a_replies_bucket_a_large_reply_is_still_an_honest_422(clean_nats: str) -> None:
    _, run = implement(BIG, big_decision)

    def wire(router: Any, broker: Any) -> None:
        register_rpc(router, "awards", {"big_decision": run})  # no broker given: nothing to spill to

    async with running_broker(clean_nats, "awards", wire), running_broker(clean_nats, "portal") as caller:
        with pytest.raises(RemoteError) as refused:
            await RpcClient(caller).call(BIG, READER, Ask(people=20_000))
        assert (refused.value.status, refused.value.code) == (422, "reply_too_large")


async def _objects(js: JetStreamContext, bucket: str) -> Any:
    store = await js.object_store(bucket)
    try:
        for info in await store.list():
            yield info
    except Exception:  # nats-py raises when a bucket holds nothing
        return
