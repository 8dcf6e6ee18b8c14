"""A service's readiness compares its database with the newest migration file's revision (`shared.platform.schemahead`),
read from that file so that a service does not import Alembic to start. Alembic must agree."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from shared.platform.migrate import alembic_config
from shared.platform.schemahead import head_revision, versions_dir
from shared.platform.settings import SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_the_newest_migration_file_is_alembics_head(service: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    assert head_revision(service) == script.get_current_head()


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_are_one_line_numbered_from_0001_each_revising_the_one_before(service: str) -> None:
    """What makes the newest file the head: no branch, no gap, each file revising the file numbered before it."""
    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    files = sorted(p.name for p in versions_dir(service).glob("*.py") if p.name != "__init__.py")
    assert [name[:4] for name in files] == [f"{n:04d}" for n in range(1, len(files) + 1)], files
    assert all(re.fullmatch(r"\d{4}_[a-z0-9_]+\.py", name) for name in files), files
    by_file = {Path(revision.path).name: revision for revision in script.walk_revisions()}
    assert sorted(by_file) == files
    for before, after in itertools.pairwise(files):
        assert by_file[after].down_revision == by_file[before].revision, after
