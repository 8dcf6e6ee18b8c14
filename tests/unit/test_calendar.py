from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.values import VIETNAM_TZ
from shared.rules.calendar import HOLIDAYS_DIR, MissingHolidays, WorkingCalendar, default_calendar, load_calendar

CAL = default_calendar()


def test_weekends_are_off_and_weekdays_work() -> None:
    assert CAL.is_working_day(date(2026, 3, 2))  # Monday
    assert not CAL.is_working_day(date(2026, 3, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 3, 8))  # Sunday


def test_tet_binh_ngo_week_is_off() -> None:
    assert [CAL.is_working_day(date(2026, 2, d)) for d in range(16, 21)] == [False] * 5
    assert CAL.is_working_day(date(2026, 2, 23))


def test_a_holiday_week_moves_the_due_date() -> None:
    # Ten working days from Friday 13/2/2026 skip the Tết week: 23/2 is the first working day after it.
    assert CAL.add_working_days(date(2026, 2, 13), 10) == date(2026, 3, 6)
    plain = WorkingCalendar(years=frozenset({2026}))
    assert plain.add_working_days(date(2026, 2, 13), 10) == date(2026, 2, 27)


def test_a_swapped_saturday_is_a_working_day_and_its_friday_is_off() -> None:
    assert CAL.is_working_day(date(2025, 4, 26))
    assert not CAL.is_working_day(date(2025, 5, 2))


def test_gio_to_hung_vuong_on_a_sunday_is_made_up_on_monday() -> None:
    assert not CAL.is_working_day(date(2026, 4, 27))


def test_due_at_is_the_end_of_the_last_working_day_in_vietnam_time() -> None:
    opened = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)  # already Tuesday 3/3 03:00 in Hà Nội
    due = CAL.due_at(opened, 10)
    local = due.astimezone(VIETNAM_TZ)
    assert local.date() == date(2026, 3, 17)
    assert (local + timedelta(microseconds=1)).time().hour == 0


def test_a_year_without_a_holiday_file_is_refused_not_guessed() -> None:
    with pytest.raises(MissingHolidays, match="2031"):
        CAL.is_working_day(date(2031, 1, 2))


def test_a_working_day_entry_on_a_weekday_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "2027.toml").write_text('year = 2027\nworking_days = [{ date = 2027-03-03, name = "x" }]\n')
    with pytest.raises(ValueError, match="weekday"):
        load_calendar(tmp_path)


def test_a_date_in_the_wrong_years_file_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "2027.toml").write_text('year = 2027\nholidays = [{ date = 2028-01-01, name = "x" }]\n')
    with pytest.raises(ValueError, match="2027"):
        load_calendar(tmp_path)


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 10, 31)), st.integers(min_value=0, max_value=25))
def test_adding_n_working_days_lands_on_a_working_day_n_working_days_later(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert n == 0 or CAL.is_working_day(end)


def test_the_2026_new_year_swap_moves_friday_2_january_to_saturday_10_january() -> None:
    """12729/VPCP-KGVX of 25/12/2025 as reported (unconfirmed in the data file): 1–4/1 off, Saturday 10/1 worked."""
    assert not CAL.is_working_day(date(2026, 1, 2))
    assert CAL.is_working_day(date(2026, 1, 10))
    # Ten working days from Friday 9/1/2026 count the swapped Saturday: due Thursday 22/1, not Friday 23/1.
    assert CAL.add_working_days(date(2026, 1, 9), 10) == date(2026, 1, 22)
    assert WorkingCalendar(years=frozenset({2026})).add_working_days(date(2026, 1, 9), 10) == date(2026, 1, 23)


def test_every_unconfirmed_calendar_entry_names_its_source() -> None:
    for file in sorted(HOLIDAYS_DIR.glob("*.toml")):
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
        for entry in [*raw.get("holidays", []), *raw.get("working_days", [])]:
            if entry.get("confirmed") is False:
                assert entry.get("source"), (file.name, entry)


def test_a_task_opened_in_late_december_2026_counts_2027_holidays_not_weekends_only() -> None:
    """The 2027 file is there: ten working days from Friday 18/12/2026 skip Friday 1/1/2027 (Tết Dương lịch)."""
    assert CAL.add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 4)
    assert WorkingCalendar(years=frozenset({2026, 2027})).add_working_days(date(2026, 12, 18), 10) == date(2027, 1, 1)


def test_2027_tet_dinh_mui_takes_five_working_days_and_may_day_on_a_saturday_is_made_up_on_monday() -> None:
    """Mùng 1 Đinh Mùi is Saturday 6/2/2027: Thursday 4/2 to Wednesday 10/2 off (estimated, `confirmed = false`);
    1/5/2027 is a Saturday, so Monday 3/5 is off (Bộ Luật Lao động Điều 111 khoản 3)."""
    february = [date(2027, 2, d) for d in range(4, 11)]
    assert [day for day in february if CAL.is_working_day(day)] == []
    assert CAL.is_working_day(date(2027, 2, 3))
    assert CAL.is_working_day(date(2027, 2, 11))
    assert not CAL.is_working_day(date(2027, 5, 3))
    assert CAL.is_working_day(date(2027, 5, 4))


def test_the_days_the_labour_code_fixes_by_date_are_off_in_every_years_file() -> None:
    """1/1, 30/4, 1/5 and 2/9 are off in every year that has a file; one on a weekend is made up on the Monday."""
    for year in sorted(CAL.years):
        for month, day in ((1, 1), (4, 30), (5, 1), (9, 2)):
            fixed = date(year, month, day)
            made_up = fixed + timedelta(days=(7 - fixed.weekday()) % 7) if fixed.weekday() >= 5 else fixed
            assert not CAL.is_working_day(made_up), (year, fixed)
