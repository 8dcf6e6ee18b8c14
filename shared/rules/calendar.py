"""Working days in Việt Nam's public sector: weekends off, public holidays and swapped days from data files.

Tết Nguyên đán and Giỗ Tổ Hùng Vương follow the lunar calendar and the Government sets the days off each
year, so every year needs its file in shared/data/holidays/ (an operator adds the next one). For a year
without a file the calendar raises `MissingHolidays` rather than silently computing wrong deadlines.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from shared.contracts.values import VIETNAM_TZ

HOLIDAYS_DIR = Path(__file__).resolve().parents[1] / "data" / "holidays"


class MissingHolidays(LookupError):
    def __init__(self, year: int) -> None:
        super().__init__(f"no holiday file for {year}: add shared/data/holidays/{year}.toml")
        self.year = year


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: dict[date, str] = field(default_factory=dict)
    working_weekends: dict[date, str] = field(default_factory=dict)
    years: frozenset[int] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day.year not in self.years:
            raise MissingHolidays(day.year)
        if day in self.working_weekends:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself does not count)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        remaining = days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`."""
        count = 0
        day = start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def due_at(self, opened_at: datetime, working_days: int) -> datetime:
        """Deadline: the end of the n-th working day after the day a task opened, in Vietnam time."""
        opened_day = opened_at.astimezone(VIETNAM_TZ).date()
        last_day = self.add_working_days(opened_day, working_days)
        return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=VIETNAM_TZ) - timedelta(microseconds=1)


def load_calendar(directory: Path = HOLIDAYS_DIR) -> WorkingCalendar:
    holidays: dict[date, str] = {}
    working: dict[date, str] = {}
    years: set[int] = set()
    for file in sorted(directory.glob("*.toml")):
        with file.open("rb") as f:
            raw = tomllib.load(f)
        year = int(raw["year"])
        years.add(year)
        for entry in raw.get("holidays", []):
            _check_year(entry["date"], year, file)
            holidays[entry["date"]] = entry["name"]
        for entry in raw.get("working_days", []):
            _check_year(entry["date"], year, file)
            if entry["date"].weekday() < 5:
                raise ValueError(f"{file.name}: {entry['date']} is a weekday, not a swapped working weekend day")
            working[entry["date"]] = entry["name"]
    return WorkingCalendar(holidays=holidays, working_weekends=working, years=frozenset(years))


def _check_year(day: date, year: int, file: Path) -> None:
    if not isinstance(day, date) or day.year != year:
        raise ValueError(f"{file.name}: {day!r} is not a date in {year}")


@cache
def calendar_of(directory: Path) -> WorkingCalendar:
    """The calendar of a holidays directory, read once."""
    return load_calendar(directory)


def default_calendar() -> WorkingCalendar:
    return calendar_of(HOLIDAYS_DIR)
