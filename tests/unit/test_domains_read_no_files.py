"""A service's `domain/` reads no file: a rule file is named by the Rulebook, read by the use cases (once per
Rulebook) and its entries handed to the domain (docs/architecture.md, "A new rule"). import-linter refuses the
modules that read files (`tomllib`, `pathlib`, `os`…) in a domain; this walks each domain module's syntax for what
needs no import — the builtin `open(…)`, a path's `.read_text()` and the like."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MODULES = sorted((ROOT / "services").glob("*/domain/**/*.py"))

FILE_MODULES = {"tomllib", "pathlib", "os", "shutil", "glob", "fileinput", "importlib"}
FILE_METHODS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "iterdir", "glob", "rglob", "load", "dump"}
FILE_CALLS = {"open", "Path", "PurePath", "PosixPath", "WindowsPath", "load", "__import__"}


def file_access(source: str) -> list[str]:
    """What in a module's source reads or writes a file: each as `line: what`."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{node.lineno}: import {n}" for n in names if n.split(".")[0] in FILE_MODULES]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FILE_CALLS:
                found.append(f"{node.lineno}: {func.id}(…)")
            elif isinstance(func, ast.Attribute) and func.attr in FILE_METHODS:
                found.append(f"{node.lineno}: .{func.attr}(…)")
    return found


def test_every_service_has_a_domain_to_check() -> None:
    services = {m.relative_to(ROOT / "services").parts[0] for m in DOMAIN_MODULES}
    assert {"awards", "notifier", "registration", "review"} <= services


@pytest.mark.parametrize("module", DOMAIN_MODULES, ids=lambda m: str(m.relative_to(ROOT)))
def test_a_domain_module_reads_no_file(module: Path) -> None:
    assert file_access(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ('with open("x.toml", "rb") as f:\n    pass\n', "1: open(…)"),
        ('with path.open("rb") as f:\n    pass\n', "1: .open(…)"),
        ("text = FILE.read_text()\n", "1: .read_text(…)"),
        ("raw = config.read_bytes()\n", "1: .read_bytes(…)"),
        ("raw = tomllib.load(f)\n", "1: .load(…)"),
        ("raw = json.load(f)\n", "1: .load(…)"),
        ('here = Path("shared/data")\n', "1: Path(…)"),
        ("import tomllib\n", "1: import tomllib"),
        ("from pathlib import Path\n", "1: import pathlib"),
        ("import os.path\n", "1: import os.path"),
        ("from importlib.resources import files\n", "1: import importlib.resources"),
    ],
)
def test_the_check_finds_each_way_of_reading_a_file(source: str, what: str) -> None:
    assert file_access(source) == [what]


def test_the_check_lets_pure_code_through() -> None:
    source = "import tomllib_like\nfrom json import loads\nvalue = loads(text)\nrules.rule_file(rules.legal_basis_rules)\n"
    assert file_access(source) == []
