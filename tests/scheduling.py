"""How `make test` shares the tests between its two xdist workers (`--dist loadscope`, which tests/conftest.py
answers with `SystemScopeScheduling`).

A file whose tests share a fixture of module, class or package scope — a system started for the file, its browser —
is one unit of work, run whole by one worker, so that fixture starts once. Every other test is a unit of its own: a
file of slow tests that each start their own system (crash recovery on SQLite and on PostgreSQL) runs on both workers
at once, and the many quick tests fill the gaps at the end. xdist's `loadgroup` would say the same with
`xdist_group` marks, but with pytest 9.2 it silently stops grouping (pytest-dev/pytest-xdist#1386: it renames the
node ids, which pytest no longer takes), so the scope is decided here, from the files' source, in the controller.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WHOLE_FILE_FIXTURE = re.compile(r"""@pytest(?:_asyncio)?\.fixture\([^)]*\bscope=["'](?:module|class|package)["']""")


@functools.cache
def defines_whole_file_fixture(path: Path) -> bool:
    return path.is_file() and bool(WHOLE_FILE_FIXTURE.search(path.read_text(encoding="utf-8")))


def runs_whole(test_file: str) -> bool:
    """Whether the file (a path from the repository's root) or a conftest.py above it up to tests/ defines a fixture
    of module, class or package scope: then its tests are one unit of work."""
    path = ROOT / test_file
    conftests = [folder / "conftest.py" for folder in path.parents if folder.is_relative_to(ROOT / "tests")]
    return any(defines_whole_file_fixture(p) for p in (path, *conftests))


def unit_of_work(nodeid: str) -> str:
    """The scope xdist schedules a test by: its file when the file runs whole, else the test itself."""
    test_file = nodeid.split("::", 1)[0]
    return test_file if runs_whole(test_file) else nodeid


# tests/conftest.py queues the tests that run on whole systems (e2e/, browser/) before deploy/, integration/ and unit/,
# so a process that starts a test of integration/ or unit/ has run every system test it will be given.
AFTER_SYSTEM_TESTS = ("integration", "unit")
_release: list[Callable[[], None]] = []


def release_after_system_tests(stop: Callable[[], None]) -> None:
    """Call `stop` when this process starts its first test of integration/ or unit/: a system shared by the session's
    e2e or browser files (`SharedSystems`) would otherwise idle to the end of the run, burning the CPU the rest of the
    suite waits for. A system test given to this process afterwards (only when the order is not `make test`'s) starts
    the shared system again."""
    _release.append(stop)


def starting(nodeid: str) -> None:
    parts = nodeid.split("::", 1)[0].split("/")
    if len(parts) > 2 and parts[1] in AFTER_SYSTEM_TESTS:
        while _release:
            _release.pop()()


def scheduler(config: Any, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class SystemScopeScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    return SystemScopeScheduling(config, log)
