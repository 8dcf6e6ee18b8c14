"""How long a level has to decide and when reminders go out.

All of it is dated configuration in `data/deadlines.toml`: working days per level and award kind, and the reminder
schedule. What happens once a task is overdue (its superiors alerted, their periods) is domain.authority's.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from shared.contracts.values import VIETNAM_TZ
from shared.rules.calendar import MissingHolidays, WorkingCalendar, default_calendar
from shared.rules.dated import require_in_force
from shared.rules.reference import DATA_DIR as SHARED_DATA

DEADLINES_FILE = SHARED_DATA / "deadlines.toml"
log = logging.getLogger("thidua.deadlines")


class DeadlineRule(BaseModel):
    effective_from: date
    level: str
    award_kind: str | None = None
    working_days: int = Field(ge=1)


class ReminderRule(BaseModel):
    effective_from: date
    share: float = Field(gt=0, lt=1)
    due_day_time: time


class CampaignDeadline(BaseModel):
    """A campaign's own end dates per level, replacing the working-day rule for its awards."""

    code: str
    name: str
    award_codes: list[str]
    starts_on: date
    ends_on: date
    review_ends_on: dict[str, date]

    def applies(self, award_code: str, level: str, on: date) -> bool:
        return award_code in self.award_codes and self.starts_on <= on <= self.ends_on and level in self.review_ends_on


@dataclass(frozen=True)
class DeadlinePolicy:
    rules: tuple[DeadlineRule, ...]
    reminders: tuple[ReminderRule, ...]
    campaigns: tuple[CampaignDeadline, ...] = ()


@cache
def load_policy(path: Path = DEADLINES_FILE) -> DeadlinePolicy:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return DeadlinePolicy(
        rules=tuple(DeadlineRule.model_validate(r) for r in raw["rules"]),
        reminders=tuple(ReminderRule.model_validate(r) for r in raw["reminders"]),
        campaigns=tuple(CampaignDeadline.model_validate(c) for c in raw.get("campaigns", [])),
    )


def load_rules(path: Path = DEADLINES_FILE) -> tuple[DeadlineRule, ...]:
    return load_policy(path).rules


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


def due_at(
    opened_at: datetime,
    level: str,
    award_kind: str,
    calendar: WorkingCalendar | None = None,
    *,
    award_code: str = "",
    campaigns: tuple[CampaignDeadline, ...] | None = None,
) -> datetime:
    """When a task opened at `opened_at` at this level is due: a campaign's end date for the level when
    the award belongs to a campaign running that day, else the working days of the level's rule."""
    day = opened_at.astimezone(VIETNAM_TZ).date()
    for campaign in campaigns if campaigns is not None else load_policy().campaigns:
        if campaign.applies(award_code, level, day):
            return end_of_day(campaign.review_ends_on[level])
    return after_working_days(opened_at, working_days_for(level, award_kind, day), calendar)


def after_working_days(start: datetime, days: int, calendar: WorkingCalendar | None = None) -> datetime:
    cal = calendar or default_calendar()
    try:
        return cal.due_at(start, days)
    except MissingHolidays as exc:
        # Keep the pipeline flowing; the deadline then ignores that year's holidays until the file is added.
        log.error("deadline.holidays_missing", extra={"year": exc.year})
        weekends_only = WorkingCalendar(years=frozenset(range(exc.year - 1, exc.year + 2)))
        return weekends_only.due_at(start, days)


def reminder_times(opened_at: datetime, due: datetime, rule: ReminderRule | None = None) -> dict[str, datetime]:
    """When to remind: `before_due` at the configured share of the time, `due_day` on the morning of the due date.

    A reminder that would come before the task opened (a due date set for today) is left out.
    """
    rule = rule or require_in_force(load_policy().reminders, opened_at.astimezone(VIETNAM_TZ).date(), "reminder rule")
    times = {
        "before_due": opened_at + (due - opened_at) * rule.share,
        "due_day": datetime.combine(due.astimezone(VIETNAM_TZ).date(), rule.due_day_time, tzinfo=VIETNAM_TZ),
    }
    return {kind: at for kind, at in times.items() if opened_at <= at < due}


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in Vietnam time: a due date a person picks means "by the end of that day"."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VIETNAM_TZ) - timedelta(microseconds=1)
