"""One nomination through three levels on the embedded setup, beside bare JetStream: end to end one at a time
(sequential), and fully decided per second with many clients acting at once.

Run: .venv/bin/python bench/pipeline_latency.py [nominations] [--clients 16 --seconds 15]

Sequential: the demo's three-level sample (a collective of CĐCS Văn Quán, Bằng khen of the Tổng Liên đoàn) is
submitted, its approver at each level claims and approves it as soon as the task shows in the queue, the awarding
unit's signer signs the draft, and the time until the nomination is granted is one figure.

`--clients N`: then N clients do the same at once, each starting its next nomination as soon as its last is decided;
the step starts when the first nomination is decided (the pipeline is full) and lasts `--seconds`; the figure is the
nominations fully decided (granted) within the step per second, and their end-to-end p50/p99. A nomination that fails
(a timeout, a refusal) is counted apart. These clients look for their task every 0.25 s (the sequential one: 20 ms).

Baseline (same run, same machine): one bare JetStream hop with nats-py — publish with PubAck, then
fetch and ack from a durable pull consumer. A three-level nomination crosses about 14 such hops
(submitted, 3x task_opened, 2x forwarded, approved, granted, each consumed by one or two services)
plus 6 HTTP commands (claim and decide at each level) and the client's polling.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (bench/pipeline_latency.py): the repository's root, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import nats
from nats.js.api import ConsumerConfig, StreamConfig

from bench import intake
from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from thidua.client import PortalClient
from thidua.demo import PHASES, SAMPLES, drive
from thidua.demo_world import APPROVERS, SIGNERS
from thidua.natsserver import NatsServer, free_port
from thidua.system import System, SystemConfig

DOCUMENTS_OPTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "attachments-documents-optional.toml"
THREE_LEVELS = SAMPLES[2]


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


def hop_times(n: int = 500) -> list[float]:
    """The bare hop `n` times on a nats-server of its own."""
    with tempfile.TemporaryDirectory(prefix="thidua-hop-bench-") as tmp:
        server = NatsServer(free_port(), Path(tmp) / "baseline").start()
        try:
            return asyncio.run(bare_jetstream_hop(server.url, n))
        finally:
            server.stop()


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def signed_in(system: System) -> dict[str, str]:
    """A token for everyone the three-level sample needs: its submitter, every approver and every signer."""
    client = PortalClient(system.portal_url)
    try:
        for user in sorted({THREE_LEVELS["submitter"], *APPROVERS.values(), *SIGNERS.values()}):
            client.login(user, system.config.demo_password)
        return dict(client.tokens)
    finally:
        client.close()


def one_nomination(client: PortalClient, name: str, phases: dict[str, float] | None = None) -> float:
    """The sample through its three levels as `name`, each step as soon as it can be taken, without documents (the
    system runs on rules that do not require them): seconds to decided."""
    body = {**THREE_LEVELS["body"], "nominee": {**THREE_LEVELS["body"]["nominee"], "name": name}}
    _, seconds = drive(client, {**THREE_LEVELS, "body": body}, "2026", documents=False, phases=phases)
    return seconds


@dataclass
class Sequential:
    """Nominations one after another: each one's seconds from submission to granted, and the seconds of its phases."""

    durations: list[float] = field(default_factory=list)
    phases: list[dict[str, float]] = field(default_factory=list)

    def phase_medians(self) -> str:
        """Where the time goes: each phase's median, in drive's order (a phase of every level summed over the three)."""
        return " · ".join(f"{name} {statistics.median(p.get(name, 0.0) for p in self.phases) * 1000:.0f} ms" for name in PHASES)


def sequential(system: System, count: int, tokens: dict[str, str] | None = None) -> Sequential:
    """`count` nominations one after another, the client looking for each next step every 20 ms."""
    client = PortalClient(system.portal_url, poll_seconds=0.02, max_poll_seconds=0.02)
    client.tokens.update(tokens or signed_in(system))
    run = uuid.uuid4().hex[:6]
    result = Sequential()
    try:
        for i in range(count):
            phases: dict[str, float] = {}
            result.durations.append(one_nomination(client, f"Công đoàn mẫu {run} {i}", phases))
            result.phases.append(phases)
        return result
    finally:
        client.close()


@dataclass
class Decided:
    """Nominations fully decided within a step of `seconds` with `clients` acting at once. The step starts when the
    first nomination is decided (the pipeline is full: under load one takes longer than a short step) and ends
    `seconds` later; no client starts a nomination after it."""

    clients: int
    seconds: float
    durations: list[float] = field(default_factory=list)  # end to end, of those decided within the step
    warming: int = 0  # decided before the step (the first one starts it)
    late: int = 0  # decided after the step
    failed: int = 0
    first_failure: str = ""
    # CPU per decided nomination of each service process and nats-server (not the bench's clients; idle work not
    # subtracted: heartbeats, relays and timers take ~0.1 core in all)
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return len(self.durations) / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        extra = f", {self.failed} failed ({self.first_failure})" if self.failed else ""
        return (
            f"fully decided, {self.clients} clients: {self.rate:.2f}/s ({len(self.durations)} in {self.seconds:.0f} s after "
            f"the first; {self.late} decided after the step{extra}); end to end p50 {pct(self.durations, 0.5) * 1000:.0f} "
            f"ms, p99 {pct(self.durations, 0.99) * 1000:.0f} ms"
            + (f"\n    CPU per decided nomination: {intake.cpu_shares(self.cpu_ms)}" if self.cpu_ms else "")
        )


def decided(
    system: System,
    clients: int,
    seconds: float,
    tokens: dict[str, str] | None = None,
    *,
    poll_seconds: float = 0.25,
    longest: float = 300.0,
    profile: Path | None = None,
) -> Decided:
    """`clients` threads, each a submitter and every approver and signer: a nomination, then the next as soon as it
    is granted, until `seconds` after the first nomination was granted (or `longest` without one). Each looks for its
    task or status every `poll_seconds` (the sequential bench's 50 ms, times 16 clients, would be some 300 requests a
    second of polling alone, more than the pipeline's own work). Also what one decided nomination cost each process in
    CPU, from the first nomination to the system settling after the last (the clients' polling included: it is part of
    what the portal and review do for a user waiting on a queue); `profile`: py-spy summaries of each service over the
    step into that directory."""
    tokens = tokens or signed_in(system)
    intake.settle(system)
    cpu_before = intake.process_cpu(system)
    result = Decided(clients, seconds)
    lock = threading.Lock()
    run = uuid.uuid4().hex[:6]
    step: list[float] = []  # [start, end] once the first nomination is decided
    given_up = time.monotonic() + longest

    def going() -> bool:
        with lock:
            return time.monotonic() < (step[1] if step else given_up)

    def act(c: int) -> None:
        client = PortalClient(system.portal_url, timeout=60.0, poll_seconds=poll_seconds)
        client.tokens.update(tokens)
        i = 0
        try:
            while going():
                try:
                    took = one_nomination(client, f"Công đoàn mẫu {run} {c}-{i}")
                except Exception as failure:  # counted and shown; the other clients go on
                    with lock:
                        result.failed += 1
                        result.first_failure = result.first_failure or f"{type(failure).__name__}: {failure}"[:200]
                    continue
                finally:
                    i += 1
                with lock:
                    now = time.monotonic()
                    if not step:
                        step.extend([now, now + seconds])
                        result.warming += 1
                    elif now <= step[1]:
                        result.durations.append(took)
                    else:
                        result.late += 1
        finally:
            client.close()

    with ThreadPoolExecutor(clients) as pool, intake.profiled(system, profile, seconds + 10):
        for done in [pool.submit(act, c) for c in range(clients)]:
            done.result()
    intake.settle(system)
    cpu_after = intake.process_cpu(system)
    count = result.warming + len(result.durations) + result.late
    result.cpu_ms = {name: (cpu_after[name] - cpu_before[name]) * 1000 / max(count, 1) for name in cpu_after}
    return result


def start_system(var_dir: Path, database_urls: dict[str, str] | None = None) -> System:
    config = SystemConfig(
        var_dir=var_dir,
        nats_port=free_port(),
        http_ports={s: free_port() for s in SERVICES},
        database_urls=database_urls or {},
        # The pipeline, not file handling, is measured: nominations go without their documents.
        extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
    )
    return System(config).start()


def main(count: int, clients: int, seconds: float, profile: Path | None = None) -> None:
    hops = hop_times()
    with tempfile.TemporaryDirectory() as tmp:
        system = start_system(Path(tmp) / "var")
        try:
            tokens = signed_in(system)
            one_by_one = sequential(system, count, tokens)
            concurrent = decided(system, clients, seconds, tokens, profile=profile) if clients else None
        finally:
            system.stop()

    print(f"{'measure':<58} {'median':>9} {'p95':>9}")
    label = "baseline: bare JetStream hop (publish+PubAck, fetch, ack)"
    print(f"{label:<58} {statistics.median(hops) * 1000:>7.2f}ms {pct(hops, 0.95) * 1000:>7.2f}ms")
    print(f"{'baseline x 14 hops':<58} {statistics.median(hops) * 14000:>7.2f}ms")
    print(
        f"{f'Thi Đua: one nomination through 3 levels (n={count})':<58} "
        f"{statistics.median(one_by_one.durations) * 1000:>7.0f}ms {pct(one_by_one.durations, 0.95) * 1000:>7.0f}ms"
    )
    print(f"  phases (median): {one_by_one.phase_medians()}")
    if concurrent is not None:
        print(concurrent)


def arguments() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nominations", nargs="?", type=int, default=20, help="sequential nominations (20)")
    parser.add_argument("--clients", type=int, default=0, help="then this many clients at once (none by default)")
    parser.add_argument("--seconds", type=float, default=15.0, help="for this long (15)")
    parser.add_argument("--profile", type=Path, help="py-spy summaries of each service under the clients, into this directory")
    return parser.parse_args()


if __name__ == "__main__":
    args = arguments()
    main(args.nominations, args.clients, args.seconds, args.profile)
