"""The fixed clock tests are driven by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.clock import FixedClock


def test_fixed_clock_stays_where_it_was_set() -> None:
    at = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    clock = FixedClock(at)
    assert clock.now() == at
    assert clock.now() == at


def test_fixed_clock_moves_only_by_what_it_is_advanced() -> None:
    clock = FixedClock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    clock.advance(timedelta(hours=1))
    clock.advance(timedelta(minutes=30))
    assert clock.now() == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)


def test_fixed_clock_can_cross_a_year_boundary() -> None:
    clock = FixedClock(datetime(2025, 12, 31, 23, 59, tzinfo=UTC))
    clock.advance(timedelta(minutes=2))
    assert clock.now().year == 2026
