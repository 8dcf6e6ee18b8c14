"""The levels of the union hierarchy are declared once (`shared.contracts.values.LEVELS`): everything that lists or
names them follows that declaration, and no module names the root unit."""

from __future__ import annotations

import re
from pathlib import Path

from services.awards.domain.report import LEVEL_LABELS_VI
from services.portal.web.charts import STAGE_COLOURS
from services.portal.web.reports import LEVEL_CHOICES, LEVEL_LABELS
from services.registration.usecases.opsview import STAGES
from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK, LEVELS

ROOT = Path(__file__).resolve().parents[2]
DECLARATION = ROOT / "shared" / "contracts" / "values.py"
# Two level names side by side in quotes: a list of levels written out again.
RESTATED = re.compile(r"""["'](grassroots|district|city|national)["']\s*,\s*["'](grassroots|district|city|national)["']""")
ROOT_UNIT = re.compile(r"""["']TLD["']""")


def _code(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in p.parts]


def test_the_level_list_is_written_once() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _code("services", "shared")
        if p != DECLARATION
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if RESTATED.search(line)
    ]
    assert found == []


def test_no_module_names_the_root_unit() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in _code("services", "shared")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if ROOT_UNIT.search(line)
    ]
    assert found == []


def test_what_names_each_level_names_every_level_and_no_other() -> None:
    assert set(LEVEL_NAMES_VI) == set(LEVELS) == set(LEVEL_RANK)
    assert set(LEVEL_LABELS_VI) == set(LEVELS)
    assert set(LEVEL_LABELS) == set(LEVELS)
    assert [level for level, _ in LEVEL_CHOICES] == list(LEVELS)


def test_the_pipeline_stages_are_the_levels_above_the_grassroots_between_submitted_and_signing() -> None:
    assert [code for code, _ in STAGES] == ["submitted", *LEVELS[1:], "signing", "decided"]
    assert set(STAGE_COLOURS) == {code for code, _ in STAGES}
