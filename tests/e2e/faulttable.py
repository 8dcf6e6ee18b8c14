"""The fault-injection table the issue asks for: one measured row per scenario, in markdown.

Each test module writing rows owns one file under test-artifacts/faults/ (rewritten when the module starts);
at the end of the session the root conftest joins the files written during the session into
test-artifacts/fault-table.md and prints the table in the terminal summary, so a CI log shows it. One file per
module because `make test` runs modules on two workers at once, each its own process.

"time from recovery to drained" runs from the end of the fault (the database or nats-server restarted, SIGCONT, the
killed service restarted; for a replica killed and not restarted, the kill) until every nomination of the scenario
is granted, every durable drained and every outbox empty. It includes the approvals the test still makes after
the fault, and a message the dead or stopped process held unacknowledged comes back only after the consumers'
ack wait (30 s, shared.platform.topology.ACK_WAIT_SECONDS).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ROWS_DIR = ARTIFACTS / "faults"
TABLE_FILE = ARTIFACTS / "fault-table.md"
HEADER = (
    "| scenario | nominations | lost | duplicated | dead letters | 5xx by status | dropped connections "
    "| time from recovery to drained |",
    "|---|---:|---:|---:|---:|---|---:|---:|",
)


@dataclass
class FaultRow:
    scenario: str
    nominations: int
    lost: int
    duplicated: int
    dead_letters: int
    server_errors: Counter[int] = field(default_factory=Counter)  # answers with status >= 500, by status
    dropped: int = 0
    recovery_to_drained_s: float | None = None

    def markdown(self) -> str:
        errors = ", ".join(f"{status}: {n}" for status, n in sorted(self.server_errors.items())) or "none"
        drained = "—" if self.recovery_to_drained_s is None else f"{self.recovery_to_drained_s:.1f} s"
        cells = (
            self.scenario,
            str(self.nominations),
            str(self.lost),
            str(self.duplicated),
            str(self.dead_letters),
            errors,
            str(self.dropped),
            drained,
        )
        return "| " + " | ".join(cells) + " |"


class FaultTable:
    """The rows one test module measures, appended as each scenario ends (a failing scenario's row too)."""

    @staticmethod
    @functools.cache
    def of(module: str) -> FaultTable:
        """The module's table, emptied the first time this process asks for it."""
        return FaultTable(module)

    def __init__(self, module: str) -> None:
        ROWS_DIR.mkdir(parents=True, exist_ok=True)
        self.path = ROWS_DIR / f"{module}.md"
        self.path.write_text("", encoding="utf-8")

    def add(self, row: FaultRow) -> None:
        with self.path.open("a", encoding="utf-8") as rows:
            rows.write(row.markdown() + "\n")


def collect(since: float) -> list[str]:
    """The table of the rows written since `since` (a time.time()), also written to TABLE_FILE; [] if there are none."""
    if not ROWS_DIR.is_dir():
        return []
    rows = []
    for path in sorted(ROWS_DIR.glob("*.md")):
        if path.stat().st_mtime >= since:
            rows += [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    if not rows:
        return []
    table = [*HEADER, *rows]
    TABLE_FILE.write_text("\n".join(table) + "\n", encoding="utf-8")
    return table
