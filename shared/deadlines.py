"""How long a level has to decide: working days per level and award kind, as dated configuration."""

from __future__ import annotations

import logging
import tomllib
from datetime import date, datetime
from functools import cache
from pathlib import Path

from pydantic import BaseModel

from shared.calendar import MissingHolidays, WorkingCalendar, default_calendar
from shared.clock import VIETNAM_TZ

DEADLINES_FILE = Path(__file__).parent / "data" / "deadlines.toml"
log = logging.getLogger("thidua.deadlines")


class DeadlineRule(BaseModel):
    effective_from: date
    level: str
    award_kind: str | None = None
    working_days: int


@cache
def load_rules(path: Path = DEADLINES_FILE) -> tuple[DeadlineRule, ...]:
    with path.open("rb") as f:
        return tuple(DeadlineRule.model_validate(r) for r in tomllib.load(f)["rules"])


def working_days_for(level: str, award_kind: str, on: date, rules: tuple[DeadlineRule, ...] | None = None) -> int:
    """The rule for this level (and award kind, when one is set) in force on `on`."""
    candidates = [
        r
        for r in (rules if rules is not None else load_rules())
        if r.level == level and r.award_kind in (None, award_kind) and r.effective_from <= on
    ]
    if not candidates:
        raise LookupError(f"no deadline rule for level {level} on {on.isoformat()}")
    best = max(candidates, key=lambda r: (r.award_kind is not None, r.effective_from))
    return best.working_days


def due_at(opened_at: datetime, level: str, award_kind: str, calendar: WorkingCalendar | None = None) -> datetime:
    """When a task opened at `opened_at` at this level is due."""
    days = working_days_for(level, award_kind, opened_at.astimezone(VIETNAM_TZ).date())
    cal = calendar or default_calendar()
    try:
        return cal.due_at(opened_at, days)
    except MissingHolidays as exc:
        # Keep the pipeline flowing; the deadline then ignores that year's holidays until the file is added.
        log.error("deadline.holidays_missing", extra={"year": exc.year})
        weekends_only = WorkingCalendar(years=frozenset(range(exc.year - 1, exc.year + 2)))
        return weekends_only.due_at(opened_at, days)
