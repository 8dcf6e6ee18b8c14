"""The README is a front page (the two commands first, a quick start, the logins, the contents) and every link of
the README and docs/ points at a file (and heading) inside the repository."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from services.notifier.settings import NotifierSettings
from services.portal.settings import PortalSettings

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```$", re.M | re.S)


def anchors(document: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped (letters with diacritics kept), spaces to dashes."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", FENCE.sub("", document.read_text(encoding="utf-8")), re.M):
        text = unicodedata.normalize("NFC", heading.strip().lower())
        found.add("".join(c for c in text if c.isalnum() or c in " -_").replace(" ", "-"))
    return found


def links(document: Path) -> list[str]:
    return LINK.findall(FENCE.sub("", document.read_text(encoding="utf-8")))


def test_the_readme_starts_with_the_two_commands_for_a_new_machine() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# Thi Đua", "", "```sh"]
    assert lines[3].startswith("make run ")
    assert lines[4].startswith("make test ")
    assert lines[5] == "```"


def test_the_readme_is_a_front_page_with_a_quick_start_a_screenshot_and_the_contents() -> None:
    readme = README.read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", FENCE.sub("", readme), re.M)
    assert headings == ["Quick start", "Contents", "Demo logins"]
    assert "`cdcs.dst`" in readme[readme.index("## Quick start") :]
    assert "thidua2025" in readme[readme.index("## Quick start") :]
    image = re.search(r"!\[[^\]]+\]\((docs/images/[^)]+\.png)\)", readme)
    assert image is not None
    assert (ROOT / image[1]).stat().st_size < 200_000
    assert len(readme.splitlines()) < 120


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: str(d.relative_to(ROOT)))
def test_every_link_points_inside_the_repository(document: Path) -> None:
    for target in links(document):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.is_relative_to(ROOT), f"{document.name}: {target} leaves the repository"
        assert linked.exists(), f"{document.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            assert anchor in anchors(linked), f"{document.name}: no heading #{anchor} in {linked.name}"


def test_the_configuration_reference_names_every_thidua_variable() -> None:
    reference = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    settings = {f"THIDUA_{name.upper()}" for cls in (PortalSettings, NotifierSettings) for name in cls.model_fields}
    read_by_the_command_line = {
        found
        for source in (ROOT / "thidua").glob("*.py")
        for found in re.findall(r"environ(?:\.get)?\(\s*\"(THIDUA_[A-Z0-9_]+)\"", source.read_text(encoding="utf-8"))
    }
    missing = sorted(v for v in settings | read_by_the_command_line if f"`{v}`" not in reference)
    assert not missing, f"not in docs/configuration.md: {missing}"
