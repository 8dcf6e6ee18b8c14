"""The fixed clock tests are driven by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.platform.clock import FixedClock, SystemClock, read_offset_file, write_offset_file
from shared.platform.settings import ServiceSettings
from thidua.clockctl import ClockError, change_clock, parse_duration


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


# The shared clock file `thidua clock` writes and every process of the embedded system reads


def test_the_system_clock_follows_the_shared_file_as_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    clock = SystemClock(offset_file=path)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: real time
    write_offset_file(path, timedelta(days=3))
    assert timedelta(days=3) - timedelta(seconds=5) < clock.now() - datetime.now(UTC) < timedelta(days=3, seconds=5)
    write_offset_file(path, timedelta(days=12, hours=1))
    assert clock.shifted_by() == timedelta(days=12, hours=1)
    path.unlink()
    assert clock.shifted_by() == timedelta(0)


def test_a_fixed_offset_and_the_file_add_up(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    write_offset_file(path, timedelta(hours=2))
    clock = SystemClock(timedelta(hours=1), path)
    assert timedelta(hours=3) - timedelta(seconds=5) < clock.now() - datetime.now(UTC) < timedelta(hours=3, seconds=5)


def test_a_damaged_clock_file_is_an_error_not_a_silent_zero(tmp_path: Path) -> None:
    path = tmp_path / "clock.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="clock offset"):
        SystemClock(offset_file=path).now()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3d", timedelta(days=3)), ("12h", timedelta(hours=12)), ("1d6h", timedelta(days=1, hours=6)), ("2w", timedelta(weeks=2))],
)
def test_thidua_clock_reads_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "d3", "1.5d", "-2d", "3 days"])
def test_thidua_clock_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ClockError):
        parse_duration(text)


def test_thidua_clock_advances_sets_and_resets(tmp_path: Path) -> None:
    real = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    change_clock("advance", "2d", tmp_path, real_now=real)
    change_clock("advance", "3h", tmp_path, real_now=real)
    assert read_offset_file(tmp_path / "clock.json") == timedelta(days=2, hours=3)
    shown = change_clock("set", "2026-12-10T08:00", tmp_path, real_now=real)
    assert read_offset_file(tmp_path / "clock.json") == timedelta(days=15, hours=23)
    assert "10/12/2026 08:00" in shown
    change_clock("reset", None, tmp_path, real_now=real)
    assert read_offset_file(tmp_path / "clock.json") == timedelta(0)


def test_thidua_clock_is_refused_in_production(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_PRODUCTION", "1")
    with pytest.raises(ClockError):
        change_clock("advance", "1d", tmp_path)
    assert not (tmp_path / "clock.json").exists()


def test_production_settings_refuse_a_clock_offset_and_ignore_the_file() -> None:
    with pytest.raises(ValueError, match="refused"):
        ServiceSettings(production=True, clock_offset_seconds=60)
    assert ServiceSettings(production=True).clock_file() is None
    assert ServiceSettings(production=True).clock().offset_file is None
