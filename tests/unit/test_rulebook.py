"""One Rulebook per process: built from the settings at the composition root, handed to the use cases through their
context; the rule modules take their sources explicitly and never read the environment themselves."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import shared.rules
from services.awards.domain.legal_basis import frame_for
from services.awards.usecases.context import AwardsContext
from services.registration.usecases.context import RegistrationContext
from services.review.usecases.context import ReviewContext
from shared.platform.clock import FixedClock
from shared.platform.service import ServiceContext
from shared.platform.settings import ATTACHMENT_RULES_ENV, CATALOG_DIR_ENV, COUNCIL_RULES_ENV, ServiceSettings
from shared.rules import attachments, catalog
from shared.rules.rulebook import Rulebook

RULES_PACKAGE = Path(shared.rules.__file__).parent
ONE_FILE_LIMIT = """
[[rules]]
effective_from = 2024-01-01
max_file_bytes = 1000
max_files = 1
max_total_bytes = 1000
allowed_types = ["pdf"]
require_documents = false
source = "test"
"""


def _reads_environment(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name == "os" for a in node.names):
            found.append(f"line {node.lineno}: import os")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found.append(f"line {node.lineno}: from os import …")
        elif isinstance(node, ast.Attribute | ast.Name) and getattr(node, "attr", getattr(node, "id", "")) in (
            "environ",
            "getenv",
            "environb",
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_of_shared_rules_reads_the_environment() -> None:
    problems = {
        path.name: found
        for path in sorted(RULES_PACKAGE.glob("*.py"))
        if (found := _reads_environment(ast.parse(path.read_text(), str(path))))
    }
    assert problems == {}, "rules take their sources from the Rulebook the composition root builds"


def test_the_check_itself_sees_an_environment_read() -> None:
    assert _reads_environment(ast.parse("import os\nx = os.environ.get('A')"))


def test_the_default_rulebook_is_the_files_shipped_with_the_code() -> None:
    rules = Rulebook()
    assert rules.catalog_dir == catalog.DEFAULT_CATALOG_DIR
    assert rules.attachment_rules == attachments.RULES_FILE
    assert rules.catalogs_on(date(2026, 5, 1)).versions == catalog.catalogs_on(date(2026, 5, 1)).versions
    assert rules.attachment_rules_on(date(2026, 5, 1)) == attachments.rules_on(date(2026, 5, 1))


def test_settings_read_the_same_variables_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules_file = tmp_path / "attachments.toml"
    rules_file.write_text(ONE_FILE_LIMIT)
    monkeypatch.setenv(CATALOG_DIR_ENV, str(tmp_path / "catalog"))
    monkeypatch.setenv(ATTACHMENT_RULES_ENV, str(rules_file))
    monkeypatch.delenv(COUNCIL_RULES_ENV, raising=False)  # tests/conftest.py points it at a confirmed file
    rules = ServiceSettings().rulebook()
    assert rules == Rulebook(catalog_dir=tmp_path / "catalog", attachment_rules=rules_file)
    assert rules.attachment_rules_on(date(2026, 1, 1)).max_files == 1


def test_an_empty_variable_means_the_shipped_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CATALOG_DIR_ENV, "")
    monkeypatch.setenv(ATTACHMENT_RULES_ENV, "")
    monkeypatch.setenv(COUNCIL_RULES_ENV, "")
    assert ServiceSettings().rulebook() == Rulebook()


def test_the_council_rules_are_read_from_their_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COUNCIL_RULES_ENV, str(tmp_path / "councils.toml"))
    assert ServiceSettings().rulebook().council_rules == tmp_path / "councils.toml"


def test_each_service_context_hands_its_use_cases_the_composition_roots_rulebook(tmp_path: Path) -> None:
    rules = Rulebook(catalog_dir=tmp_path)
    settings = ServiceSettings()
    engine = cast(AsyncEngine, None)  # nothing connects while the contexts are built
    service = ServiceContext(engine=engine, clock=FixedClock(datetime(2026, 3, 2, tzinfo=UTC)), settings=settings, rules=rules)
    assert RegistrationContext.of(service).rules is rules
    assert ReviewContext.of(service).rules is rules
    assert AwardsContext.of(service).rules is rules


def test_awards_reads_the_legal_basis_file_its_rulebook_names(tmp_path: Path) -> None:
    legal = tmp_path / "legal_basis.toml"
    legal.write_text(
        '[defaults]\nplace = "Sơn Tây"\n\n[[basis]]\ntext = "Căn cứ Quy chế thử;"\nkinds = ["decision"]\n'
        'levels = ["district"]\neffective_from = 2024-01-01\n'
    )
    settings = ServiceSettings()
    engine = cast(AsyncEngine, None)
    clock = FixedClock(datetime(2026, 3, 2, tzinfo=UTC))
    ctx = AwardsContext.of(ServiceContext(engine=engine, clock=clock, settings=settings, rules=Rulebook(legal_basis_rules=legal)))
    frame = frame_for(
        "decision", issuer_code="HN-SONTAY", issuer_name="LĐLĐ thị xã Sơn Tây", issuer_level="district",
        catalogs={"union"}, on=date(2026, 3, 2), config=ctx.legal_basis,
    )  # fmt: skip
    assert (frame.place, frame.basis) == ("Sơn Tây", ("Căn cứ Quy chế thử;",))
    shipped = AwardsContext.of(ServiceContext(engine=engine, clock=clock, settings=settings, rules=Rulebook())).legal_basis
    assert shipped.defaults.place == "Hà Nội"  # the file shipped in shared/data
    assert shipped.basis
