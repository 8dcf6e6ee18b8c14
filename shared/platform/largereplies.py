"""Replies too large for one NATS message (its max_payload, 1 MB): the answering service keeps the encoded reply in its
own replies bucket (JetStream Object Store, `subjects.replies_bucket`, objects expiring after a few minutes) and answers
with where it is (`SpilledPointer`); the caller's `RpcClient` reads it from there. Lists never need it (their page
maximums keep every page under the limit, shared.contracts.paging); one large item can: a decision of a thousand
people, a tờ trình with every achievement."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js import JetStreamContext

from shared.contracts.operations import RpcReply, SpilledPointer, SpilledReply
from shared.contracts.subjects import replies_bucket
from shared.platform.objectstore import Buckets, read_object

MAX_SPILLED_BYTES = 64 * 1024 * 1024  # what a caller reads at most; far beyond any reply the services make


class LargeReplies:
    """One process's access to the replies buckets over its NATS connection (opened lazily, after start-up)."""

    def __init__(self, jetstream: Callable[[], JetStreamContext]) -> None:
        self.buckets = Buckets(jetstream)

    def spill_for(self, service: str) -> Callable[[bytes], Awaitable[dict[str, Any]]]:
        """What `answer()` calls with a reply too large to send: keep it in `service`'s bucket, say where."""
        bucket = replies_bucket(service)

        async def keep(data: bytes) -> dict[str, Any]:
            store = await self.buckets.other(bucket)  # the topology creates it (the service may not)
            name = uuid.uuid4().hex
            await store.put(name, data)
            return SpilledPointer(ok=True, spilled=SpilledReply(bucket=bucket, name=name, bytes=len(data))).model_dump(
                mode="json"
            )

        return keep

    async def fetch(self, spilled: SpilledReply) -> RpcReply:
        """The reply kept at `spilled` (nats-py checks the object's digest while reading)."""
        store = await self.buckets.other(spilled.bucket)
        _, data = await read_object(store, spilled.name, max_bytes=MAX_SPILLED_BYTES)
        return RpcReply.model_validate_json(data)
