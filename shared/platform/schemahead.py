"""The schema revision a service's code needs, for its readiness probe, read without Alembic.

Importing Alembic is about a tenth of a service's start-up CPU, and a service only needs the id of its newest
migration. Every service's migrations are one line of files numbered from 0001 (`NNNN_what.py`, each revising the one
before), so the newest file's `revision` is Alembic's head: `tests/unit/test_schema_heads.py` checks that against
Alembic itself for every service.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"
REVISION = re.compile(r"""^revision(?:\s*:\s*str)?\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def versions_dir(service: str) -> Path:
    return SERVICES_DIR / service / "migrations" / "versions"


@functools.cache  # the migrations a process was started with do not change under it; readiness asks every few seconds
def head_revision(service: str) -> str:
    files = sorted(versions_dir(service).glob("[0-9][0-9][0-9][0-9]_*.py"))
    if not files:
        raise LookupError(f"{service} has no migrations")
    found = REVISION.search(files[-1].read_text(encoding="utf-8"))
    if found is None:
        raise LookupError(f"{files[-1]} names no revision")
    return found.group(1)
