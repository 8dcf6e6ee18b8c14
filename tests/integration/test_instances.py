"""The instances bucket as `thidua ops status` and the ops page read it: every running instance is found while all of
them keep writing their heartbeats, a withdrawn one is not, and a failure to read is not taken for "nothing runs"."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import pytest
from nats.js import JetStreamContext

from shared.platform.instances import InstanceStatus, instance_key, instances_bucket, read_instances

SERVICES = ("awards", "notifier", "portal", "registration", "review")


def status(service: str, instance: str, n: int) -> bytes:
    now = datetime.now(UTC)
    return (
        InstanceStatus(
            service=service,
            instance=instance,
            host="h",
            pid=n,
            http_url="http://h:1",
            started_at=now,
            seen_at=now,
            ready=True,
            checks={"ready": True},
        )
        .model_dump_json()
        .encode()
    )


@pytest.mark.asyncio
async def test_every_instance_is_read_while_all_of_them_keep_writing(js: JetStreamContext) -> None:
    kv = await instances_bucket(js)
    instances = [(s, f"{s}-{i}") for s in SERVICES for i in (1, 2)]
    for n, (service, instance) in enumerate(instances):
        await kv.put(instance_key(service, instance), status(service, instance, n))
    stop = asyncio.Event()

    async def beating() -> None:  # every instance writes again and again, as heartbeats under load do
        n = 0
        while not stop.is_set():
            for service, instance in instances:
                n += 1
                await kv.put(instance_key(service, instance), status(service, instance, n))
            await asyncio.sleep(0)

    writers = [asyncio.create_task(beating()) for _ in range(3)]
    try:
        for _ in range(40):
            found = await read_instances(js)
            assert sorted((i.service, i.instance) for i in found) == sorted(instances)
    finally:
        stop.set()
        for writer in writers:
            with contextlib.suppress(asyncio.CancelledError):
                await writer


@pytest.mark.asyncio
async def test_a_withdrawn_instance_is_not_read_and_an_empty_bucket_reads_as_none(js: JetStreamContext) -> None:
    assert await read_instances(js) == []  # no bucket yet
    kv = await instances_bucket(js)
    assert await read_instances(js) == []
    await kv.put(instance_key("review", "review-1"), status("review", "review-1", 1))
    await kv.put(instance_key("awards", "awards-1"), status("awards", "awards-1", 2))
    await kv.delete(instance_key("awards", "awards-1"))  # a clean stop withdraws its heartbeat
    assert [(i.service, i.instance) for i in await read_instances(js)] == [("review", "review-1")]


@pytest.mark.asyncio
async def test_a_heartbeat_this_version_cannot_read_is_left_out_and_the_others_are_read(js: JetStreamContext) -> None:
    kv = await instances_bucket(js)
    await kv.put(instance_key("review", "review-1"), status("review", "review-1", 1))
    await kv.put(instance_key("review", "review-2"), b'{"service": "review", "from": "another version"}')
    assert [(i.service, i.instance) for i in await read_instances(js)] == [("review", "review-1")]
