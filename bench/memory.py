"""Resident memory of every process of the embedded system: VmRSS now and VmHWM (the most it has held since it
started), from /proc/<pid>/status, in MiB.

`bench/suite.py` reads it once the started system has settled (idle) and again after the intake and decided steps
(VmHWM then is each process's peak under load).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from thidua.system import System

MIB = 1024 * 1024


@dataclass(frozen=True)
class Resident:
    rss: float  # MiB resident now (VmRSS)
    peak: float  # MiB at most since the process started (VmHWM)


def resident(pid: int) -> Resident:
    fields = dict(row.split(":", 1) for row in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in row)
    kib = {name: int(fields[name].split()[0]) for name in ("VmRSS", "VmHWM")}
    return Resident(rss=kib["VmRSS"] * 1024 / MIB, peak=kib["VmHWM"] * 1024 / MIB)


def system_pids(system: System) -> dict[str, int]:
    """Each service's process (and the demo's mail sink), and nats-server."""
    pids = {name: p.pid for name, p in system.processes.items()}
    if system.nats is not None and system.nats.process is not None:
        pids["nats-server"] = system.nats.process.pid
    return pids


def memory(system: System) -> dict[str, Resident]:
    return {name: resident(pid) for name, pid in sorted(system_pids(system).items())}


def table(title: str, figures: dict[str, Resident]) -> str:
    lines = [title, f"  {'process':<14} {'VmRSS MiB':>10} {'VmHWM MiB':>10}"]
    lines += [f"  {name:<14} {r.rss:>10.1f} {r.peak:>10.1f}" for name, r in figures.items()]
    lines.append(f"  {'all':<14} {sum(r.rss for r in figures.values()):>10.1f} {sum(r.peak for r in figures.values()):>10.1f}")
    return "\n".join(lines)
