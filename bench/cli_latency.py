"""How long the operator's commands take on an idle system: each `thidua` command run as a person runs it.

Run: .venv/bin/python bench/cli_latency.py [repetitions]

Starts the embedded system (SQLite, its own nats-server, every service its own process) on free ports in a temporary
directory, waits until it is idle, then runs each command `repetitions` times (default 7) as a new process, the way
a person or a cron job does, with the environment `make run` would give it. Beside them, in the same run, the floor
any command pays: a Python interpreter that does nothing, and one that only imports the command line. Figures only.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared.platform.settings import SERVICES
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

COMMANDS = (
    ["ops", "status"],
    ["ops", "stuck"],
    ["outbox", "status"],
    ["dlq", "list"],
    ["dlq", "audit"],
    ["clock", "show"],
    ["catalog", "list"],
    ["--help"],
)


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: "something is unhealthy" is an answer too
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def row(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return f"{label:<28} {statistics.median(samples) * 1000:>8.0f} ms {p90 * 1000:>8.0f} ms"


def main() -> None:
    repetitions = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory(prefix="thidua-cli-bench-") as root:
        config = SystemConfig(var_dir=Path(root) / "var", nats_port=free_port(), http_ports={s: free_port() for s in SERVICES})
        system = System(config).start()
        try:
            env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
            env |= {
                "THIDUA_VAR_DIR": str(config.var_dir),
                "THIDUA_NATS_PORT": str(config.nats_port),
                "THIDUA_PORTAL_PORT": str(config.http_ports["portal"]),
            }
            time.sleep(3)  # let start-up work (first heartbeats, outbox) settle
            thidua = [sys.executable, "-m", "thidua"]
            floors = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "python -c 'import thidua.cli'": [sys.executable, "-c", "import thidua.cli"],
            }
            print(f"{'command':<28} {'median':>11} {'p90':>11}   ({repetitions} runs each, idle system)")
            for label, argv in floors.items():
                print(row(label, [timed(argv, env) for _ in range(repetitions)]))
            for command in COMMANDS:
                print(row("thidua " + " ".join(command), [timed([*thidua, *command], env) for _ in range(repetitions)]))
        finally:
            system.stop()


if __name__ == "__main__":
    main()
