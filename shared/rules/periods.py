"""Award periods ("kỳ xét"): a calendar year, a school year (năm học) or a phase/term (giai đoạn, nhiệm kỳ).

Each award declares its `period_kind` in the catalogue (calendar year by default). A period is text on the wire and
in every store ("2025", "2024-2025", "2023-2028"); this module parses it for a kind, writes it back in one canonical
form (ASCII hyphen, no spaces), orders periods and tells the one in force on a day.

Year-based rules (consecutive titles, the pledge of the year, the toàn diện/chuyên đề rule, cluster votes) compare a
period by its **start year**: school year "N-1-N" counts as year N-1, so consecutive school years are consecutive
years and calendar year N-1 meets school year "N-1-N". That is the reading the stores already had (`period[:4]`).
When the school year starts and which term is current are dated data (shared/data/periods.toml), unconfirmed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.rules.dated import require_in_force

PeriodKind = Literal["calendar_year", "school_year", "term"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("calendar_year", "school_year", "term")

KIND_NAMES_VI: dict[PeriodKind, str] = {
    "calendar_year": "năm",
    "school_year": "năm học",
    "term": "giai đoạn",
}
EXAMPLES: dict[PeriodKind, str] = {"calendar_year": "2025", "school_year": "2024-2025", "term": "2023-2028"}

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "periods.toml"

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_TERM_YEARS = 10  # a giai đoạn or nhiệm kỳ spans at most this many years

_YEAR = re.compile(r"([0-9]{4})", re.ASCII)
_SPAN = re.compile(r"([0-9]{4})\s*[-–—/]\s*([0-9]{4})", re.ASCII)  # "2024-2025", "2024 – 2025", "2024/2025"


class PeriodRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    school_year_starts: str = Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description="MM-DD")
    school_year_source: str = Field(min_length=1)
    school_year_confirmed: bool = True
    current_term: str = Field(pattern=r"^[0-9]{4}-[0-9]{4}$")
    term_source: str = Field(min_length=1)
    term_confirmed: bool = True

    def school_year_start(self, year: int) -> date:
        month, day = (int(part) for part in self.school_year_starts.split("-"))
        return date(year, month, day)


class _RulesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[PeriodRules] = Field(min_length=1)


@cache
def _load(path: Path) -> _RulesFile:
    with path.open("rb") as f:
        return _RulesFile.model_validate(tomllib.load(f))


def rules_on(on: date, path: Path = RULES_FILE) -> PeriodRules:
    """The period rules in force on `on`."""
    return require_in_force(_load(path).rules, on, "period rules")


class PeriodError(ValueError):
    """A period that does not fit the award's kind; `message` is Vietnamese, for the field `period`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, order=True)
class Period:
    """One period; orders by start year, then end year (a calendar year before a school year starting then)."""

    start_year: int
    end_year: int
    kind: PeriodKind

    @property
    def text(self) -> str:
        return str(self.start_year) if self.kind == "calendar_year" else f"{self.start_year}-{self.end_year}"

    @property
    def year(self) -> int:
        """The year year-based rules compare: the start year (see the module's docstring)."""
        return self.start_year

    def label_vi(self) -> str:
        """'năm 2025', 'năm học 2024-2025', 'giai đoạn 2023-2028'."""
        return f"{KIND_NAMES_VI[self.kind]} {self.text}"

    def bounds(self, rules: PeriodRules) -> tuple[date, date]:
        """First and last day of the period."""
        if self.kind == "school_year":
            return rules.school_year_start(self.start_year), rules.school_year_start(self.end_year) - timedelta(days=1)
        return date(self.start_year, 1, 1), date(self.end_year, 12, 31)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        span = self.end_year - self.start_year
        if self.kind == "term":
            return Period(self.start_year - span, self.start_year, "term")
        return Period(self.start_year - 1, self.end_year - 1, self.kind)


def _year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def parse(text: str, kind: PeriodKind) -> Period:
    """The period `text` names for an award of `kind`, or PeriodError with a Vietnamese message naming the format."""
    value = text  # whole string: no surrounding spaces, ASCII digits only
    expected = f"Kỳ xét của hình thức này là {KIND_NAMES_VI[kind]}, ví dụ {EXAMPLES[kind]}"
    if kind == "calendar_year":
        match = _YEAR.fullmatch(value)
        if match is None:
            if _SPAN.fullmatch(value):
                raise PeriodError(f"{expected} (không phải năm học hay giai đoạn)")
            raise PeriodError(expected)
        year = int(match.group(1))
        if not _year_in_range(year):
            raise PeriodError(f"Năm {year} không hợp lệ")
        return Period(year, year, kind)
    span = _SPAN.fullmatch(value)
    if span is None:
        raise PeriodError(expected)
    start, end = int(span.group(1)), int(span.group(2))
    if not (_year_in_range(start) and _year_in_range(end)):
        raise PeriodError(f"{expected}: năm không hợp lệ")
    if kind == "school_year":
        if end != start + 1:
            raise PeriodError(f"Năm học gồm hai năm liền nhau, ví dụ {start}-{start + 1}")
    elif not (start < end <= start + MAX_TERM_YEARS):
        raise PeriodError(
            f"Giai đoạn phải có năm kết thúc sau năm bắt đầu, tối đa {MAX_TERM_YEARS} năm, ví dụ {EXAMPLES['term']}"
        )
    return Period(start, end, kind)


def normalize(text: str, kind: PeriodKind) -> str:
    """The canonical text of a valid period ('2024 – 2025' → '2024-2025'); PeriodError otherwise."""
    return parse(text, kind).text


def start_year(text: str) -> int:
    """The start year of any stored period ('2025', '2024-2025', '2023-2028'): what year-based rules compare."""
    return int(text.strip()[:4])


def sort_key(text: str) -> tuple[int, int, str]:
    """Order stored periods of any kind: by start year, then end year ('2024' < '2024-2025' < '2025')."""
    value = text.strip()
    span = _SPAN.fullmatch(value)
    if span is not None:
        return int(span.group(1)), int(span.group(2)), value
    match = _YEAR.fullmatch(value)
    if match is not None:
        return int(match.group(1)), int(match.group(1)), value
    return MAX_YEAR + 1, MAX_YEAR + 1, value


def kind_of(text: str) -> PeriodKind | None:
    """The kind a stored period's text has: a year, a span of one year (school year), or a longer span (term)."""
    value = text.strip()
    if _YEAR.fullmatch(value):
        return "calendar_year"
    span = _SPAN.fullmatch(value)
    if span is None:
        return None
    return "school_year" if int(span.group(2)) == int(span.group(1)) + 1 else "term"


def current(kind: PeriodKind, today: date, rules: PeriodRules) -> Period:
    """The period of `kind` that `today` falls in (for a term: the configured current term)."""
    if kind == "calendar_year":
        return Period(today.year, today.year, kind)
    if kind == "school_year":
        start = today.year if today >= rules.school_year_start(today.year) else today.year - 1
        return Period(start, start + 1, kind)
    return parse(rules.current_term, "term")


def check_recent(period: Period, current_year: int, *, back: int = 5, ahead: int = 1) -> None:
    """A nomination's period must start within `back` years before to `ahead` after the current year."""
    low, high = current_year - back, current_year + ahead
    if period.kind == "term":
        # A term is proposed during or just after it: it must not end before `low` nor start after `high`.
        if period.end_year < low or period.start_year > high:
            raise PeriodError(f"Giai đoạn phải kết thúc từ năm {low} và bắt đầu không sau năm {high}")
        return
    if not (low <= period.start_year <= high):
        unit = "Năm học phải bắt đầu" if period.kind == "school_year" else "Kỳ xét phải"
        raise PeriodError(f"{unit} trong khoảng {low}–{high}")
