"""The shell examples of README.md and docs/*.md run exactly as printed against a running system.

A fenced ```sh block preceded by the line `<!-- run-example expect="…" -->` is an example a reader may paste:
this test runs it with `bash -euo pipefail` from the repository's root, asserts exit 0 and that its output contains
each `expect` text (several are separated by `|`). The convention is described in docs/README.md.

One substitution, and only one: the system runs on free ports (8010 may be taken by a developer's `make run` or
another test), so `localhost:8010` in a block becomes the test system's portal address. The demo password is not
substituted: the system runs with the default `thidua2025`, which the examples print. Required documents are enforced
as in the shipped `shared/data/attachments.toml` (no test override), so the upload-then-submit flow is the real one.
Blocks of one file run in the order printed, each in its own shell (every example signs in for itself).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.platform.defaults import DEFAULT_DEMO_PASSWORD
from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.conftest import SHIPPED_ATTACHMENT_RULES
from tests.e2e.conftest import start_system
from thidua.system import System

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARKER = re.compile(r'^<!-- run-example(?: expect="(?P<expect>[^"]*)")? -->\n```sh\n(?P<script>.*?)^```$', re.M | re.S)
PRINTED_PORTAL = "localhost:8010"


@dataclass(frozen=True)
class Example:
    document: str
    line: int
    script: str
    expected: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.document}:{self.line}"


def examples_in(document: Path) -> list[Example]:
    text = document.read_text(encoding="utf-8")
    return [
        Example(
            document=str(document.relative_to(ROOT)),
            line=text.count("\n", 0, found.start()) + 1,
            script=found["script"],
            expected=tuple(e for e in (found["expect"] or "").split("|") if e),
        )
        for found in MARKER.finditer(text)
    ]


EXAMPLES = [example for document in DOCUMENTS for example in examples_in(document)]


def test_the_readme_and_the_api_guide_have_examples_to_run() -> None:
    documents = {e.document for e in EXAMPLES}
    assert {"README.md", "docs/api-guide.md"} <= documents
    assert any("/attachments" in e.script and "/nominations/$ID" in e.script for e in EXAMPLES)  # upload, submit, read


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("docs-examples")
    for service in SERVICES:
        (base / service).mkdir()
    # the shipped rules (the suite's default makes documents optional) and the password the examples print
    rules = {ATTACHMENT_RULES_ENV: str(SHIPPED_ATTACHMENT_RULES)}
    yield from start_system(base, "sqlite", extra_env=rules, password=DEFAULT_DEMO_PASSWORD)


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_a_printed_shell_example_runs_as_printed(example: Example, system: System) -> None:
    assert DEFAULT_DEMO_PASSWORD == "thidua2025"  # the password the examples print
    portal = system.portal_url.removeprefix("http://")
    script = example.script.replace(PRINTED_PORTAL, portal)
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    ran = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode == 0, f"{example} exited {ran.returncode}:\n{output}"
    for expected in example.expected:
        assert expected in output, f"{example}: {expected!r} not in the output:\n{output}"
