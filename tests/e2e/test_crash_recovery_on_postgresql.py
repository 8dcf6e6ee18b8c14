"""kill -9 of registration, review and awards in turn with 100 nominations in flight, on PostgreSQL
(tests/e2e/crashcheck.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import crashcheck
from thidua.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture
def crash_system(tmp_path: Path) -> Iterator[System]:
    yield from crashcheck.crash_system("postgresql", tmp_path)


def test_kill_9_of_each_service_in_turn_with_100_nominations_in_flight_loses_nothing(crash_system: System) -> None:
    crashcheck.check(crash_system, "postgresql")
