"""End-to-end time of one nomination through three levels on the embedded setup, beside bare JetStream.

Run: .venv/bin/python bench/pipeline_latency.py [nominations]

Baseline (same run, same machine): one bare JetStream hop with nats-py — publish with PubAck, then
fetch and ack from a durable pull consumer. A three-level nomination crosses about 14 such hops
(submitted, 3x task_opened, 2x forwarded, approved, granted, each consumed by one or two services)
plus 6 HTTP commands (claim and decide at each level) and the client's polling.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nats
from nats.js.api import ConsumerConfig, StreamConfig

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from thidua.client import PortalClient
from thidua.demo import SAMPLES, drive
from thidua.demo_world import APPROVERS
from thidua.natsserver import NatsServer, free_port
from thidua.system import System, SystemConfig

DOCUMENTS_OPTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "attachments-documents-optional.toml"


async def bare_jetstream_hop(url: str, n: int = 500) -> list[float]:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BENCH", subjects=["bench.>"]))
    sub = await js.pull_subscribe("bench.x", durable="bench", config=ConsumerConfig(ack_wait=30))
    times = []
    for i in range(n):
        started = time.perf_counter()
        await js.publish("bench.x", b'{"i": %d}' % i, headers={"Nats-Msg-Id": f"m{i}"})
        (msg,) = await sub.fetch(1, timeout=5)
        await msg.ack_sync()
        times.append(time.perf_counter() - started)
    await nc.close()
    return times


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = NatsServer(free_port(), Path(tmp) / "baseline").start()
        hops = asyncio.run(bare_jetstream_hop(server.url))
        server.stop()

        config = SystemConfig(
            var_dir=Path(tmp) / "var",
            nats_port=free_port(),
            http_ports={s: free_port() for s in SERVICES},
            # The pipeline, not file handling, is measured: nominations go without their documents.
            extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
        )
        system = System(config).start()
        try:
            client = PortalClient(system.portal_url)
            for user in {"cdcs.vanquan", *APPROVERS.values()}:
                client.login(user, config.demo_password)
            three_levels = SAMPLES[2]
            durations = []
            for i in range(count):
                body = {**three_levels["body"], "nominee": {**three_levels["body"]["nominee"], "name": f"Công đoàn mẫu {i}"}}
                _, seconds = drive(client, {**three_levels, "body": body}, "2026")
                durations.append(seconds)
            client.close()
        finally:
            system.stop()

    print(f"{'measure':<58} {'median':>9} {'p95':>9}")
    label = "baseline: bare JetStream hop (publish+PubAck, fetch, ack)"
    print(f"{label:<58} {statistics.median(hops) * 1000:>7.2f}ms {pct(hops, 0.95) * 1000:>7.2f}ms")
    print(f"{'baseline x 14 hops':<58} {statistics.median(hops) * 14000:>7.2f}ms")
    print(
        f"{f'Thi Đua: one nomination through 3 levels (n={count})':<58} "
        f"{statistics.median(durations) * 1000:>7.0f}ms {pct(durations, 0.95) * 1000:>7.0f}ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
