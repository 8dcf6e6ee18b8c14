from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.review.domain.deadlines import CampaignDeadline, DeadlinePolicy, DeadlineRule, due_at, end_of_day, working_days_for
from services.review.usecases.policy import policy_of
from shared.contracts.values import VIETNAM_TZ
from shared.rules.rulebook import Rulebook

SHIPPED = policy_of(Rulebook())  # the files shipped in shared/data, as the composition root reads them
POLICY, CALENDAR = SHIPPED.deadlines, SHIPPED.calendar


def with_campaigns(*campaigns: CampaignDeadline) -> DeadlinePolicy:
    return DeadlinePolicy(rules=POLICY.rules, reminders=POLICY.reminders, campaigns=campaigns)


def test_default_deadlines_are_ten_fifteen_and_twenty_working_days() -> None:
    on = date(2026, 3, 2)
    assert [working_days_for(level, "yearly", on, POLICY.rules) for level in ("district", "city", "national")] == [10, 15, 20]


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
    assert due_at(opened, "district", "yearly", POLICY, CALENDAR).astimezone(VIETNAM_TZ).date() == date(2026, 3, 6)


def test_a_year_without_holidays_still_gets_a_deadline_counting_weekends_only() -> None:
    opened = datetime(2031, 3, 3, 3, 0, tzinfo=UTC)  # Monday
    assert due_at(opened, "district", "yearly", POLICY, CALENDAR).astimezone(VIETNAM_TZ).date() == date(2031, 3, 17)


CAMPAIGN = CampaignDeadline(
    code="HN-TEST",
    name="Đợt thi đua thử",
    award_codes=["cong_nhan_gioi_thu_do"],
    starts_on=date(2026, 5, 1),
    ends_on=date(2026, 9, 30),
    review_ends_on={"district": date(2026, 10, 13)},
)


def test_a_campaign_sets_its_own_end_date_for_its_awards_within_its_window() -> None:
    opened = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
    due = due_at(opened, "district", "campaign", with_campaigns(CAMPAIGN), CALENDAR, award_code="cong_nhan_gioi_thu_do")
    assert due == end_of_day(date(2026, 10, 13))


@pytest.mark.parametrize(
    ("opened_on", "award_code", "level"),
    [
        (date(2026, 10, 1), "cong_nhan_gioi_thu_do", "district"),  # after the campaign's window
        (date(2026, 9, 1), "giay_khen_ldld_huyen", "district"),  # not one of its awards
        (date(2026, 9, 1), "cong_nhan_gioi_thu_do", "city"),  # no end date set for the level
    ],
)
def test_otherwise_the_working_day_rule_applies(opened_on: date, award_code: str, level: str) -> None:
    opened = datetime.combine(opened_on, datetime.min.time(), tzinfo=VIETNAM_TZ).replace(hour=9)
    with_campaign = due_at(opened, level, "campaign", with_campaigns(CAMPAIGN), CALENDAR, award_code=award_code)
    assert with_campaign == due_at(opened, level, "campaign", with_campaigns(), CALENDAR)


def test_the_configured_example_campaign_is_read_from_the_deadlines_file() -> None:
    [campaign] = POLICY.campaigns
    assert campaign.applies("cong_nhan_gioi_thu_do", "district", date(2023, 6, 1))
    assert not campaign.applies("cong_nhan_gioi_thu_do", "district", date(2023, 10, 1))
