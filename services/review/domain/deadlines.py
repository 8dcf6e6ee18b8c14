"""How long a level has to decide and when reminders go out.

All of it is dated configuration (`shared/data/deadlines.toml`, the file the Rulebook names; `parse_policy` reads its
entries): working days per level and award kind, and the reminder schedule. What happens once a task is overdue (its
superiors alerted, their periods) is domain.authority's. Nothing here reads a file: the policy and the calendar are
handed in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field

from shared.contracts.values import VIETNAM_TZ
from shared.rules.calendar import MissingHolidays, WorkingCalendar
from shared.rules.dated import most_specific, require_in_force

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

    def reminder_on(self, day: date) -> ReminderRule:
        return require_in_force(self.reminders, day, "reminder rule")


def parse_policy(raw: Mapping[str, Any]) -> DeadlinePolicy:
    """The policy of a deadlines file's entries (`[[rules]]`, `[[reminders]]`, `[[campaigns]]`)."""
    return DeadlinePolicy(
        rules=tuple(DeadlineRule.model_validate(r) for r in raw["rules"]),
        reminders=tuple(ReminderRule.model_validate(r) for r in raw["reminders"]),
        campaigns=tuple(CampaignDeadline.model_validate(c) for c in raw.get("campaigns", [])),
    )


def working_days_for(level: str, award_kind: str, on: date, rules: tuple[DeadlineRule, ...]) -> int:
    """The rule for this level (and award kind, when one is set) in force on `on`."""
    candidates = [r for r in rules if r.level == level and r.award_kind in (None, award_kind)]
    best = most_specific(candidates, on, lambda r: (r.award_kind is not None,))
    if best is None:
        raise LookupError(f"no deadline rule for level {level} on {on.isoformat()}")
    return best.working_days


def due_at(
    opened_at: datetime,
    level: str,
    award_kind: str,
    policy: DeadlinePolicy,
    calendar: WorkingCalendar,
    *,
    award_code: str = "",
) -> datetime:
    """When a task opened at `opened_at` at this level is due: a campaign's end date for the level when
    the award belongs to a campaign running that day, else the working days of the level's rule."""
    day = opened_at.astimezone(VIETNAM_TZ).date()
    for campaign in policy.campaigns:
        if campaign.applies(award_code, level, day):
            return end_of_day(campaign.review_ends_on[level])
    return after_working_days(opened_at, working_days_for(level, award_kind, day, policy.rules), calendar)


def after_working_days(start: datetime, days: int, calendar: WorkingCalendar) -> datetime:
    try:
        return calendar.due_at(start, days)
    except MissingHolidays as exc:
        # Keep the pipeline flowing; the deadline then ignores that year's holidays until the file is added.
        log.error("deadline.holidays_missing", extra={"year": exc.year})
        weekends_only = WorkingCalendar(years=frozenset(range(exc.year - 1, exc.year + 2)))
        return weekends_only.due_at(start, days)


def reminder_times(opened_at: datetime, due: datetime, rule: ReminderRule) -> dict[str, datetime]:
    """When to remind: `before_due` at the configured share of the time, `due_day` on the morning of the due date
    (`rule`: the policy's reminder rule in force on the day the task opened).

    A reminder that would come before the task opened (a due date set for today) is left out.
    """
    times = {
        "before_due": opened_at + (due - opened_at) * rule.share,
        "due_day": datetime.combine(due.astimezone(VIETNAM_TZ).date(), rule.due_day_time, tzinfo=VIETNAM_TZ),
    }
    return {kind: at for kind, at in times.items() if opened_at <= at < due}


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in Vietnam time: a due date a person picks means "by the end of that day"."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=VIETNAM_TZ) - timedelta(microseconds=1)
