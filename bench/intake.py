"""Intake through the public HTTP API: nominations accepted per second and their latency at 1, 8 and 32 clients, and
the CPU each process spends per accepted nomination — beside a trivial FastAPI app and a bare database commit
measured in the same run on the same machine.

Run: .venv/bin/python bench/intake.py [--backend sqlite|postgresql] [--clients 1,8,32] [--seconds 15] [--profile DIR]

Starts the embedded system (its own nats-server, each service its own process) on free ports with its databases
(SQLite files, or fresh PostgreSQL databases on 127.0.0.1:5432 — THIDUA_BENCH_POSTGRES_URL to change), with the
documents made optional so a nomination needs no upload (as issue 20's figures). Each client is one coroutine with
its own connection, signed in as `cdcs.dst`, posting one nomination after another (a new nominee each time) for
`--seconds`. "Accepted" is a 201 from the portal: registration has stored the nomination and its outbox row.

CPU per nomination: each process's user+system time (from /proc) over the step and until the pipeline has settled
(review has opened every task), divided by the nominations accepted — the figure that says what one nomination costs,
and far less sensitive to a busy machine than throughput. Figures only; this is not a test.

`--profile DIR` (needs `py-spy` on PATH: `pip install py-spy`): during the last step, samples every service with py-spy
(the threads holding the GIL, so time spent working) and writes, per service, the functions by their own samples and
the project's functions by the samples under them, as text (`DIR/<service>.txt`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS_OPTIONAL = ROOT / "tests" / "data" / "attachments-documents-optional.toml"
POSTGRES = os.environ.get("THIDUA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TICKS = os.sysconf("SC_CLK_TCK")
SPY = ("py-spy", "record", "--format", "raw", "--gil", "--rate", "250", "--nonblocking")
MakeBody = Callable[[int, int], dict[str, object]]

TRIVIAL_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.post("/echo")
async def echo(body: dict) -> dict:
    return {"ok": True, "n": len(body)}
"""


def body(run: str, client: int, i: int) -> dict[str, object]:
    return {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": f"Người thử {run} {client}-{i}", "position": "Công nhân"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm; có sáng kiến được công nhận cấp cơ sở.",
    }


def nominations(run: str) -> MakeBody:
    def make(client: int, i: int) -> dict[str, object]:
        return body(run, client, i)

    return make


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def load(
    url: str, path: str, clients: int, seconds: float, make_body: MakeBody, token: str | None
) -> tuple[int, list[float], int]:
    """`clients` coroutines posting for `seconds`: (accepted, latencies of the accepted, refused)."""
    latencies: list[float] = []
    refused = 0
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def one(c: int) -> None:
        nonlocal refused
        async with httpx.AsyncClient(base_url=url, timeout=60.0, headers=headers) as http:
            i = 0
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await http.post(path, json=make_body(c, i))
                i += 1
                if response.status_code in (200, 201, 202):
                    latencies.append(time.perf_counter() - started)
                else:
                    refused += 1
                    if refused == 1:
                        print(f"    refused: {response.status_code} {response.text[:300]}", file=sys.stderr)

    await asyncio.gather(*(one(c) for c in range(clients)))
    return len(latencies), latencies, refused


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def process_cpu(system: System) -> dict[str, float]:
    pids = {name: p.pid for name, p in system.processes.items() if name != "mailsink"}
    if system.nats is not None and system.nats.process is not None:
        pids["nats"] = system.nats.process.pid
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def settle(system: System, quiet: float = 0.25, longest: float = 120.0) -> None:
    """Wait until every process together uses under `quiet` of a core for a second: the pipeline has drained (the
    idle system's timers, relays and heartbeats take about a tenth of a core between them)."""
    deadline = time.monotonic() + longest
    before = sum(process_cpu(system).values())
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = sum(process_cpu(system).values())
        if now - before < quiet:
            return
        before = now


async def _admin(sql: str, dsn: str | None = None) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn or POSTGRES)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def cpu_shares(cpu_ms: dict[str, float]) -> str:
    """The total, then each process, the costliest first: `81.8 ms  (registration 29.6  review 27.6 …)`."""
    shown = "  ".join(f"{name} {ms:.1f}" for name, ms in sorted(cpu_ms.items(), key=lambda kv: -kv[1]))
    return f"{sum(cpu_ms.values()):.1f} ms  ({shown})"


def idle_rates(system: System, seconds: float = 10.0) -> dict[str, float]:
    """CPU seconds per second each process spends with nothing to do."""
    before = process_cpu(system)
    time.sleep(seconds)
    after = process_cpu(system)
    return {name: (after[name] - before[name]) / seconds for name in after}


@contextmanager
def postgres_database(prefix: str = "thidua_bench") -> Iterator[str]:
    """A fresh PostgreSQL database on the bench's server, dropped afterwards: its SQLAlchemy (asyncpg) URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES.rsplit('/', 1)[0].replace('postgresql://', 'postgresql+asyncpg://')}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def databases(backend: str) -> Iterator[dict[str, str]]:
    """Each service's database: SQLite files in the system's var dir ({}), or a fresh PostgreSQL database each."""
    if backend == "sqlite":
        yield {}
        return
    with ExitStack() as stack:
        yield {s: stack.enter_context(postgres_database(f"thidua_bench_{s}")) for s in SERVICES}


def bare_commits(backend: str, tmp: Path, seconds: float = 5.0, clients: int = 1) -> float:
    """INSERT + COMMIT per row, `clients` connections at once (SQLite: one, its single writer), for `seconds`: commits
    per second."""
    if backend == "sqlite":
        count = 0
        deadline = time.perf_counter() + seconds
        db = sqlite3.connect(tmp / f"bare-{uuid.uuid4().hex[:8]}.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT)")
        while time.perf_counter() < deadline:
            db.execute("BEGIN")
            db.execute("INSERT INTO t VALUES (?, ?)", (uuid.uuid4().hex, "x" * 500))
            db.execute("COMMIT")
            count += 1
        db.close()
        return count / seconds
    import asyncpg

    async def one(dsn: str, deadline: float) -> int:
        n = 0
        conn = await asyncpg.connect(dsn)
        try:
            while time.perf_counter() < deadline:
                async with conn.transaction():
                    await conn.execute("INSERT INTO t VALUES ($1, $2)", uuid.uuid4().hex, "x" * 500)
                n += 1
        finally:
            await conn.close()
        return n

    async def go() -> int:
        name = f"thidua_bench_bare_{uuid.uuid4().hex[:8]}"
        await _admin(f'CREATE DATABASE "{name}"')
        dsn = POSTGRES.rsplit("/", 1)[0] + "/" + name
        try:
            await _admin("CREATE TABLE t (id TEXT PRIMARY KEY, body TEXT)", dsn)
            deadline = time.perf_counter() + seconds  # from here: creating the database is not timed
            return sum(await asyncio.gather(*(one(dsn, deadline) for _ in range(clients))))
        finally:
            await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return asyncio.run(go()) / seconds


@contextmanager
def trivial_app(tmp: Path) -> Iterator[str]:
    (tmp / "trivial_app.py").write_text(TRIVIAL_APP)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "trivial_app:app", "--port", str(port), "--log-level", "warning"],
        cwd=tmp,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.post(f"{url}/echo", json={})
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait()


@contextmanager
def profiled(system: System, directory: Path | None, seconds: float) -> Iterator[None]:
    """py-spy on every service for `seconds` (the step under way), then each one's summary as text."""
    if directory is None:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    raw_dir = Path(tempfile.mkdtemp(prefix="thidua-py-spy-"))
    spies = {
        name: subprocess.Popen(
            [*SPY, "--pid", str(p.pid), "--duration", str(int(seconds)), "-o", str(raw_dir / f"{name}.raw")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, p in system.processes.items()
        if name != "mailsink"
    }
    yield
    for name, spy in spies.items():
        spy.wait()
        raw = raw_dir / f"{name}.raw"
        if raw.exists():
            (directory / f"{name}.txt").write_text(summarise(name, raw.read_text()))


def summarise(name: str, raw: str, top: int = 30) -> str:
    """py-spy's collapsed stacks ("frame;frame;… count") as two tables: own samples per function, and samples under
    each of the project's functions (services/, shared/)."""
    own: dict[str, int] = {}
    under: dict[str, int] = {}
    total = 0
    for row in raw.splitlines():
        stack, _, count_text = row.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]  # by function, not by line
        own[frames[-1]] = own.get(frames[-1], 0) + count
        for frame in set(frames):
            if "/services/" in frame or "/shared/" in frame or "(services/" in frame or "(shared/" in frame:
                under[frame] = under.get(frame, 0) + count
    lines = [f"{name}: {total} samples holding the GIL", "", "own samples (self time):"]
    lines += [f"{100 * n / total:6.1f} %  {frame}" for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]]
    lines += ["", "samples under the project's functions (inclusive):"]
    lines += [f"{100 * n / total:6.1f} %  {frame}" for frame, n in sorted(under.items(), key=lambda kv: -kv[1])[:top]]
    return "\n".join(lines) + "\n"


def line(label: str, accepted: int, seconds: float, latencies: list[float], refused: int = 0) -> str:
    rate = accepted / seconds
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    extra = f"  ({refused} refused)" if refused else ""
    return f"{label:<38} {rate:>9.1f}/s  p50 {p50:>8.1f} ms  p99 {p99:>8.1f} ms{extra}"


@dataclass
class Step:
    """One step of load: `clients` posting for `seconds`, what was accepted and how long each took."""

    label: str
    clients: int
    seconds: float
    accepted: int
    latencies: list[float]
    refused: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per accepted nomination, per process

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds

    def p(self, q: float) -> float:
        """The `q` quantile of the accepted requests' latency, in seconds."""
        return percentile(self.latencies, q)

    def __str__(self) -> str:
        return line(self.label, self.accepted, self.seconds, self.latencies, self.refused)


def trivial_steps(tmp: Path, steps: list[int], seconds: float) -> list[Step]:
    """The same load on a trivial FastAPI app (one uvicorn process): the framework's and the client's own ceiling."""
    done = []
    with trivial_app(tmp) as url:
        for clients in steps:
            accepted, latencies, refused = asyncio.run(load(url, "/echo", clients, seconds, lambda c, i: {"c": c, "i": i}, None))
            done.append(Step(f"trivial FastAPI, {clients} clients", clients, seconds, accepted, latencies, refused))
            print(done[-1])
    return done


def start_bench_system(var_dir: Path, database_urls: dict[str, str]) -> System:
    """The embedded system on free ports, with the documents made optional (a nomination needs no upload)."""
    config = SystemConfig(
        var_dir=var_dir,
        nats_port=free_port(),
        http_ports={s: free_port() for s in SERVICES},
        database_urls=database_urls,
        extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
    )
    return System(config).start()


def sign_in(system: System, username: str = "cdcs.dst") -> str:
    reply = httpx.post(
        f"{system.portal_url}/api/v1/auth/login", json={"username": username, "password": system.config.demo_password}
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def intake_steps(
    system: System, steps: list[int], seconds: float, *, profile: Path | None = None, idle_seconds: float = 10.0
) -> list[Step]:
    """Nominations posted at each client count for `seconds`, each step followed by the pipeline settling, and what
    one accepted nomination cost each process in CPU."""
    token = sign_in(system)
    settle(system)
    idle = idle_rates(system, idle_seconds)
    print("    idle CPU, ms per second: " + "  ".join(f"{n} {r * 1000:.0f}" for n, r in sorted(idle.items())))
    done = []
    for clients in steps:
        run = uuid.uuid4().hex[:6]
        before, started = process_cpu(system), time.monotonic()
        with profiled(system, profile if clients == steps[-1] else None, seconds):
            accepted, latencies, refused = asyncio.run(
                load(system.portal_url, "/api/v1/nominations", clients, seconds, nominations(run), token)
            )
        step = Step(f"thidua intake, {clients} clients", clients, seconds, accepted, latencies, refused)
        print(step)
        settle(system)
        after, elapsed = process_cpu(system), time.monotonic() - started
        # what the nominations cost: the CPU over the step and the settling, less what the idle system spends
        # in that time (heartbeats, outbox relays and timers polling, metrics)
        step.cpu_ms = {
            name: max(0.0, after[name] - before[name] - idle[name] * elapsed) * 1000 / max(accepted, 1) for name in after
        }
        print(f"    CPU per accepted nomination: {cpu_shares(step.cpu_ms)}")
        done.append(step)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--profile", type=Path, help="py-spy every service during the last step; summaries into DIR")
    args = parser.parse_args()
    steps = [int(c) for c in args.clients.split(",")]
    print(f"load average before: {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores; backend {args.backend}")
    with tempfile.TemporaryDirectory(prefix="thidua-intake-bench-") as root, databases(args.backend) as urls:
        tmp = Path(root)
        print(f"bare INSERT+COMMIT, 1 client ({args.backend}): {bare_commits(args.backend, tmp):,.0f}/s")
        trivial_steps(tmp, steps, min(args.seconds, 5.0))
        system = start_bench_system(tmp / "var", urls)
        try:
            intake_steps(system, steps, args.seconds, profile=args.profile)
        finally:
            system.stop()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
