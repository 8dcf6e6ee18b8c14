from __future__ import annotations

from datetime import UTC, date, datetime

from shared.clock import VIETNAM_TZ
from shared.deadlines import DeadlineRule, due_at, working_days_for


def test_default_deadlines_are_ten_fifteen_and_twenty_working_days() -> None:
    on = date(2026, 3, 2)
    assert [working_days_for(level, "yearly", on) for level in ("district", "city", "national")] == [10, 15, 20]


def test_an_award_kind_rule_beats_the_level_rule_and_a_later_rule_replaces_an_earlier_one() -> None:
    rules = (
        DeadlineRule(effective_from=date(2024, 1, 1), level="district", working_days=10),
        DeadlineRule(effective_from=date(2024, 1, 1), level="district", award_kind="ad_hoc", working_days=3),
        DeadlineRule(effective_from=date(2026, 6, 1), level="district", working_days=7),
    )
    assert working_days_for("district", "ad_hoc", date(2026, 3, 2), rules) == 3
    assert working_days_for("district", "yearly", date(2026, 3, 2), rules) == 10
    assert working_days_for("district", "yearly", date(2026, 6, 1), rules) == 7


def test_a_district_task_opened_before_tet_is_due_after_the_holiday_week() -> None:
    opened = datetime(2026, 2, 13, 3, 0, tzinfo=UTC)  # Friday 13/2/2026, 10:00 in Hà Nội
    assert due_at(opened, "district", "yearly").astimezone(VIETNAM_TZ).date() == date(2026, 3, 6)


def test_a_year_without_holidays_still_gets_a_deadline_counting_weekends_only() -> None:
    opened = datetime(2031, 3, 3, 3, 0, tzinfo=UTC)  # Monday
    assert due_at(opened, "district", "yearly").astimezone(VIETNAM_TZ).date() == date(2031, 3, 17)
