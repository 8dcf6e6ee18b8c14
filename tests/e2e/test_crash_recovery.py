"""kill -9 of registration, review or awards with 100 nominations in flight, on SQLite (tests/e2e/crashcheck.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e import crashcheck
from thidua.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["registration", "review", "awards"])
def crash_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, System]]:
    yield from crashcheck.crash_case(request.param, "sqlite", tmp_path)


def test_kill_9_of_a_service_with_100_nominations_in_flight_loses_nothing(crash_case: tuple[str, System]) -> None:
    crashcheck.check(*crash_case)
