"""Issue 20's table in one command: every row on the backends the issue asks for, each beside its baselines measured
in the same run, then one summary table (figure, SQLite, PostgreSQL, the issue's target, the baseline).

Run: make bench   (or .venv/bin/python bench/suite.py [--quick] [--rows intake,decided,...] [--backends sqlite,postgresql])

Rows (all by default):
- intake: nominations accepted per second and p99 at 1/8/32 clients, CPU per nomination (bench/intake.py), beside a
  trivial FastAPI app and a bare INSERT+COMMIT at 1 and 8 clients;
- decided: nominations fully decided (granted) per second with 16 clients acting at once, e2e p50/p99
  (bench/pipeline_latency.py);
- sequential: one three-level nomination at a time, e2e p50, beside a bare JetStream hop × 14;
- memory: each process's VmRSS once the started system has settled, and its VmHWM after the intake and decided
  steps (bench/memory.py);
- queue: the queue page at 100,000 and 1,000,000 tasks on PostgreSQL (100,000 on SQLite), beside the page's SQL
  straight on the database (bench/queue_page.py);
- escalation: 10,000 tasks due at once, lateness p99 (bench/escalation_lateness.py), beside the poll interval, a bare
  publish and bare SQL;
- jetstream: bare JetStream publish (a PubAck each; async in batches) and consume→publish (one at a time; in batches)
  with nats-py on the wheel's nats-server (bench/jetstream.py).

intake, decided, sequential, memory and queue share one started system per backend (SQLite files, or fresh PostgreSQL
databases on 127.0.0.1:5432 — THIDUA_BENCH_POSTGRES_URL to change — created and dropped by the run). `--quick` scales
every row down (a few minutes in all); figures only, nothing here passes or fails on speed.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file (bench/suite.py): the repository's root, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bench import escalation_lateness, intake, jetstream, memory, pipeline_latency, queue_page
from thidua.system import System

ROWS = ("intake", "decided", "sequential", "memory", "queue", "escalation", "jetstream")
BACKENDS = ("sqlite", "postgresql")
NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Scale:
    intake_clients: tuple[int, ...] = (1, 8, 32)
    intake_seconds: float = 15.0
    baseline_seconds: float = 5.0  # each step of the trivial app and of the bare commits
    idle_seconds: float = 10.0  # the idle system's CPU, taken off the CPU per nomination
    decided_clients: int = 16
    decided_seconds: float = 15.0
    sequential: int = 20
    queue_tasks: dict[str, tuple[int, ...]] = field(
        default_factory=lambda: {"sqlite": (100_000,), "postgresql": (100_000, 1_000_000)}
    )
    queue_repetitions: int = 30
    queue_repetitions_at_1m: int = 10  # a page there takes seconds (issue 20: 3.5 s); 14 pages
    escalation_tasks: int = 10_000
    jetstream_messages: int = 5_000
    hops: int = 500


FULL = Scale()
QUICK = Scale(
    intake_seconds=4.0,
    baseline_seconds=2.0,
    idle_seconds=3.0,
    decided_seconds=10.0,
    sequential=3,
    queue_tasks={"sqlite": (10_000,), "postgresql": (10_000, 100_000)},
    queue_repetitions=10,
    escalation_tasks=1_000,
    jetstream_messages=1_000,
    hops=100,
)
# What the test of the suite runs: every row once, as small as it still produces each figure.
SMALLEST = Scale(
    intake_clients=(1,),
    intake_seconds=1.0,
    baseline_seconds=0.3,
    idle_seconds=0.5,
    decided_clients=1,
    decided_seconds=0.0,  # the one nomination that starts the step, no other
    sequential=1,
    queue_tasks={"sqlite": (200,), "postgresql": (200,)},
    queue_repetitions=2,
    escalation_tasks=20,
    jetstream_messages=50,
    hops=10,
)


@dataclass
class Figure:
    """One row of the summary: what was measured on each backend, the issue's target, the baseline beside it."""

    label: str
    target: str = ""
    baseline: str = ""
    measured: dict[str, str] = field(default_factory=dict)  # by backend


@dataclass
class Summary:
    figures: dict[str, Figure]  # by key, in the order printed

    @classmethod
    def of(cls, scale: Scale) -> Summary:
        return cls({key: Figure(label, target) for key, (label, target) in labels(scale).items()})

    def measured(self, key: str, backend: str, value: str) -> None:
        self.figures[key].measured[backend] = value

    def baseline(self, key: str, text: str) -> None:
        found = self.figures[key]
        found.baseline = f"{found.baseline}; {text}" if found.baseline else text

    def produced(self) -> list[Figure]:
        return [f for f in self.figures.values() if f.measured or f.baseline]

    def table(self, backends: tuple[str, ...]) -> str:
        header = ["figure", *(NAMES[b] for b in backends), "target (issue 20)", "baseline, same run"]
        rows = [[f.label, *(f.measured.get(b, "") for b in backends), f.target, f.baseline] for f in self.produced()]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        return "\n".join(lines)


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms" if seconds >= 0.0995 else f"{seconds * 1000:.1f} ms"


def mib(value: float) -> str:
    return f"{value:,.0f} MiB"


@dataclass(frozen=True)
class Options:
    scale: Scale = FULL
    rows: tuple[str, ...] = ROWS
    backends: tuple[str, ...] = BACKENDS


def run(options: Options, summary: Summary | None = None) -> Summary:
    """Every chosen row on every chosen backend, printing as it goes: the figures, in `summary` if given (what an
    interrupted run had measured by then)."""
    scale, rows = options.scale, options.rows
    summary = summary or Summary.of(scale)
    with tempfile.TemporaryDirectory(prefix="thidua-bench-suite-") as root:
        tmp = Path(root)
        if "jetstream" in rows:
            jetstream_rows(summary, scale)
        if "sequential" in rows:
            hops = pipeline_latency.hop_times(scale.hops)
            summary.baseline("sequential", f"bare JetStream hop × 14: {ms(14 * pipeline_latency.pct(hops, 0.5))}")
        if "intake" in rows:
            section("trivial FastAPI (the framework's and this client's ceiling)")
            trivial = intake.trivial_steps(tmp, list(scale.intake_clients), scale.baseline_seconds)
            summary.baseline("intake", "trivial FastAPI " + " / ".join(f"{s.rate:,.0f}" for s in trivial) + " req/s")
            summary.baseline("intake p99", f"trivial FastAPI {ms(trivial[-1].p(0.99))}")
        for backend in options.backends:
            if {"intake", "decided", "sequential", "memory", "queue"} & set(rows):
                system_rows(summary, options, backend, tmp / backend)
            if "escalation" in rows:
                escalation_row(summary, scale, backend)
    return summary


def labels(scale: Scale) -> dict[str, tuple[str, str]]:
    """The summary's rows in the issue's order: key -> (label, the issue's target)."""
    clients, last = " / ".join(str(c) for c in scale.intake_clients), scale.intake_clients[-1]
    queue = {}
    for n in sorted({n for sizes in scale.queue_tasks.values() for n in sizes}):
        queue[f"queue {n}"] = (f"queue page 1 p99 (median), {n:,} tasks", "p99 < 50 ms at 1M (PostgreSQL)")
        queue[f"queue {n} others"] = ("  p99 of page 1000 / search / filters / overdue", "")
    return {
        "intake": (f"intake, accepted/s at {clients} clients", "≥ 350/s at 32 clients (PostgreSQL)"),
        "intake p99": (f"intake p99 at {last} clients", "< 200 ms"),
        "intake cpu": (f"service CPU per accepted nomination, {last} clients", ""),
        "sequential": ("one nomination through 3 levels, sequential, e2e p50", "< 150 ms"),
        "decided": (f"fully decided/s, {scale.decided_clients} clients acting at once", "≥ 40/s"),
        "decided e2e": ("  the decided ones' end to end p50 / p99", ""),
        "idle": ("resident memory, whole system idle (largest process)", "each process < 150 MB"),
        "peak": ("resident memory peak under intake and decided (largest)", ""),
        "escalation": (f"escalation lateness p99, {scale.escalation_tasks:,} due at once", "< 1 s"),
        **queue,
        "jetstream publish": ("bare JetStream publish, msg/s", ""),
        "jetstream relay": ("bare JetStream consume→publish, msg/s", ""),
    }


def section(title: str) -> None:
    print(f"\n== {title} (load average {os.getloadavg()[0]:.2f})", flush=True)


def jetstream_rows(summary: Summary, scale: Scale) -> None:
    section(f"bare JetStream, {scale.jetstream_messages:,} messages each")
    rates = jetstream.measure(scale.jetstream_messages)
    print(rates)
    summary.baseline(
        "jetstream publish", f"one PubAck each {rates.publish_sync:,.0f}; async, acks per 100 {rates.publish_async:,.0f}"
    )
    one, batched = rates.consume_publish_one, rates.consume_publish_batched
    summary.baseline("jetstream relay", f"one at a time {one:,.0f}; in batches of 100 {batched:,.0f}")


def system_rows(summary: Summary, options: Options, backend: str, tmp: Path) -> None:
    """The rows that need the whole system, on one system started for them."""
    scale, rows, name = options.scale, options.rows, NAMES[backend]
    if "intake" in rows:
        section(f"bare INSERT+COMMIT ({name})")
        commits = [(n, intake.bare_commits(backend, tmp.parent, scale.baseline_seconds, n)) for n in commit_clients(backend)]
        for n, rate in commits:
            print(f"bare INSERT+COMMIT, {n} client{'s' * (n > 1)} ({name}): {rate:,.0f}/s")
        summary.baseline("intake", f"{name} INSERT+COMMIT " + " – ".join(f"{rate:,.0f}/s ({n})" for n, rate in commits))
    with intake.databases(backend) as urls, running(tmp / "var", urls, name) as system:
        if "memory" in rows:
            idle = memory.memory(system)
            print(memory.table(f"Resident memory, idle ({name})", idle))
            summary.measured("idle", backend, resident_total(idle, "rss"))
        if "intake" in rows:
            section(f"intake through the HTTP API ({name})")
            steps = intake.intake_steps(system, list(scale.intake_clients), scale.intake_seconds, idle_seconds=scale.idle_seconds)
            summary.measured("intake", backend, " / ".join(f"{s.rate:,.1f}" for s in steps))
            summary.measured("intake p99", backend, ms(steps[-1].p(0.99)))
            summary.measured("intake cpu", backend, f"{sum(steps[-1].cpu_ms.values()):.1f} ms")
        tokens = pipeline_latency.signed_in(system) if {"decided", "sequential"} & set(rows) else {}
        if "decided" in rows:
            section(f"fully decided, {scale.decided_clients} clients ({name})")
            decided = pipeline_latency.decided(system, scale.decided_clients, scale.decided_seconds, tokens)
            print(decided)
            summary.measured("decided", backend, f"{decided.rate:.2f}" + decided_notes(decided))
            e2e = [pipeline_latency.pct(decided.durations, q) for q in (0.5, 0.99)]
            summary.measured("decided e2e", backend, " / ".join(ms(t) for t in e2e))
        if "memory" in rows and {"intake", "decided"} & set(rows):
            peak = memory.memory(system)
            print(memory.table(f"Resident memory after the intake and decided steps ({name})", peak))
            summary.measured("peak", backend, resident_total(peak, "peak"))
        if "sequential" in rows:
            section(f"sequential, {scale.sequential} nominations through 3 levels ({name})")
            one_by_one = pipeline_latency.sequential(system, scale.sequential, tokens)
            p50, p95 = (pipeline_latency.pct(one_by_one.durations, q) for q in (0.5, 0.95))
            print(f"one nomination through 3 levels (n={len(one_by_one.durations)}): p50 {ms(p50)}, p95 {ms(p95)}")
            print(f"  phases (median): {one_by_one.phase_medians()}")
            summary.measured("sequential", backend, ms(p50))
        if "queue" in rows:
            queue_rows(summary, scale, backend, system)


def decided_notes(decided: pipeline_latency.Decided) -> str:
    late = f" ({decided.late} decided after the step)" if decided.late else ""
    return late + (f" ({decided.failed} failed)" if decided.failed else "")


def commit_clients(backend: str) -> tuple[int, ...]:
    return (1,) if backend == "sqlite" else (1, 8)  # SQLite has one writer


def resident_total(figures: dict[str, memory.Resident], which: str) -> str:
    values = {name: getattr(r, which) for name, r in figures.items()}
    largest = max(values, key=lambda n: values[n])
    return f"{mib(sum(values.values()))} ({len(values)} processes; {largest} {mib(values[largest])})"


@contextmanager
def running(var_dir: Path, urls: dict[str, str], name: str) -> Iterator[System]:
    section(f"starting the system ({name})")
    started = time.monotonic()
    system = intake.start_bench_system(var_dir, urls)
    try:
        print(f"started in {time.monotonic() - started:.1f} s; settling")
        intake.settle(system)
        yield system
    finally:
        system.stop()


def queue_rows(summary: Summary, scale: Scale, backend: str, system: System) -> None:
    """The running system's review database seeded up to each size in turn (the intake's tasks are a rounding error)."""
    url, seeded = system.config.database_url("review"), 0
    for tasks in scale.queue_tasks[backend]:
        section(f"queue page, {tasks:,} tasks ({NAMES[backend]})")
        print(f"seeded {tasks - seeded:,} more tasks in {queue_page.seed(url, tasks - seeded):.1f} s")
        seeded = tasks
        repetitions = scale.queue_repetitions_at_1m if tasks >= 1_000_000 else scale.queue_repetitions
        results = dict(queue_page.page_times(system, repetitions))
        print(queue_page.table(tasks, NAMES[backend], repetitions, list(results.items())))
        page, bare = results[queue_page.PAGE_ONE], results[queue_page.BARE_PAGE]
        summary.measured(f"queue {tasks}", backend, f"{ms(p99(page) / 1000)} ({ms(median(page) / 1000)})")
        summary.baseline(f"queue {tasks}", f"{NAMES[backend]} page SQL on the database p99 {ms(p99(bare) / 1000)}")
        others = [results[label] for label in (queue_page.PAGE_1000, queue_page.SEARCH, queue_page.FILTERS, queue_page.OVERDUE)]
        summary.measured(f"queue {tasks} others", backend, " / ".join(ms(p99(times) / 1000) for times in others))


def p99(times: list[float]) -> float:
    return sorted(times)[int(0.99 * (len(times) - 1))] if times else math.nan


def median(times: list[float]) -> float:
    return statistics.median(times) if times else math.nan


def escalation_row(summary: Summary, scale: Scale, backend: str) -> None:
    section(f"escalation lateness, {scale.escalation_tasks:,} tasks ({NAMES[backend]})")
    if backend == "sqlite":
        result = asyncio.run(escalation_lateness.measure(scale.escalation_tasks, None))
    else:
        with intake.postgres_database("thidua_bench_escalation") as url:
            result = asyncio.run(escalation_lateness.measure(scale.escalation_tasks, url))
    print(result)
    summary.measured("escalation", backend, f"{result.p(99):.2f} s (all in JetStream {result.published_after:.2f} s)")
    summary.baseline(
        "escalation",
        f"{NAMES[backend]}: poll interval {result.poll_interval:.2f} s, bare publish {result.bare_publish:.2f} s, "
        f"bare SQL {result.bare_mark_fired:.2f} s",
    )


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every row scaled down (a few minutes)")
    parser.add_argument("--rows", default=",".join(ROWS), help=f"some of: {','.join(ROWS)}")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="sqlite, postgresql or both")
    args = parser.parse_args(argv)
    rows, backends = tuple(args.rows.split(",")), tuple(args.backends.split(","))
    for chosen, known in ((rows, ROWS), (backends, BACKENDS)):
        if unknown := set(chosen) - set(known):
            parser.error(f"unknown: {', '.join(sorted(unknown))} (known: {', '.join(known)})")
    return Options(scale=QUICK if args.quick else FULL, rows=rows, backends=backends)


def main(argv: list[str] | None = None) -> None:
    options = parse(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    print(
        f"bench suite ({'quick' if options.scale == QUICK else 'full'}), commit {commit or '?'}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    started = time.monotonic()
    summary, stopped = Summary.of(options.scale), ""
    try:
        run(options, summary)
    except KeyboardInterrupt:
        stopped = ", interrupted: the rows measured until then"
    minutes = (time.monotonic() - started) / 60
    print(f"\n== Summary ({minutes:.1f} min{stopped}; load average after {os.getloadavg()[0]:.2f})")
    print(summary.table(options.backends))


if __name__ == "__main__":
    main()
