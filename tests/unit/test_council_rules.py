"""Council rules per kind of council as dated data: which rule applies, and that an unconfirmed one warns, not blocks."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from services.registration.domain.nomination import council_warning
from services.review.domain.council import RecordedVote, applied_for, gate_problem
from shared.contracts.events import CouncilVote
from shared.contracts.values import CouncilKind, Level
from shared.rules import council
from shared.rules.catalog import CouncilRule
from shared.rules.council import applied_rule, default_kind, judge, unit_rule_on
from shared.rules.rulebook import Rulebook
from tests.integration.conftest import snapshot
from tests.unit.factories import award

SHIPPED = Rulebook()  # shared/data/councils.toml as shipped: every threshold unconfirmed
DAY = date(2026, 3, 2)


def test_each_level_votes_through_its_usual_council() -> None:
    assert default_kind("grassroots") == "bch_cdcs"
    assert {default_kind(lv) for lv in ("district", "city", "national")} == {"tdkt"}


@pytest.mark.parametrize(
    ("level", "kind", "name", "threshold", "base"),
    [
        ("grassroots", "bch_cdcs", "Ban Chấp hành công đoàn cơ sở", Fraction(1, 2), "all_members"),
        ("grassroots", "joint", "Hội đồng Thi đua – Khen thưởng liên tịch", Fraction(7, 10), "present"),
        ("district", "tdkt", "Hội đồng Thi đua – Khen thưởng của công đoàn cấp trên", Fraction(7, 10), "present"),
        ("national", "tdkt", "Hội đồng Thi đua – Khen thưởng của công đoàn cấp trên", Fraction(7, 10), "present"),
    ],
)
def test_the_shipped_rule_of_each_council_kind(
    level: Level, kind: CouncilKind, name: str, threshold: Fraction, base: str
) -> None:
    found = unit_rule_on(level, kind, DAY)
    assert found is not None
    assert found.name.startswith(name)
    assert (found.threshold, found.base, found.quorum) == (threshold, base, Fraction(2, 3))
    assert not found.confirmed  # rules.md §3, §8.2: no union threshold is confirmed
    assert found.source


def test_a_kind_of_council_no_entry_covers_has_no_rule() -> None:
    assert unit_rule_on("district", "bch_cdcs", DAY) is None  # a Ban Chấp hành CĐCS sits at the grassroots only
    assert unit_rule_on("district", "tdkt", date(2023, 12, 31)) is None  # before the first entry


def test_a_confirmed_version_installed_later_applies_from_its_date(tmp_path: Path) -> None:
    rules = tmp_path / "councils.toml"
    rules.write_text(
        council.RULES_FILE.read_text(encoding="utf-8")
        + """
[[rules]]
effective_from = 2026-06-01
name = "Hội đồng TĐKT LĐLĐ (quy chế đã xác nhận)"
levels = ["district"]
council_kinds = ["tdkt"]
quorum = "2/3"
threshold = "9/10"
base = "all_members"
secret_ballot = true
source = "Quy chế Hội đồng TĐKT số 12/QC-LĐLĐ (ví dụ)"
confirmed = true
""",
        encoding="utf-8",
    )
    before = unit_rule_on("district", "tdkt", date(2026, 5, 31), rules)
    after = unit_rule_on("district", "tdkt", date(2026, 6, 1), rules)
    assert before is not None
    assert not before.confirmed
    assert after is not None
    assert after.confirmed
    assert after.threshold == Fraction(9, 10)
    assert unit_rule_on("city", "tdkt", date(2026, 6, 1), rules) == unit_rule_on("city", "tdkt", date(2026, 6, 1))
    applied = Rulebook(council_rules=rules).council_rule(award("giay_khen_ldld_huyen"), "district", date(2026, 6, 2))
    assert applied is not None
    assert applied.rule.confirmed
    assert applied.rule.secret_ballot
    assert applied.name == "Hội đồng TĐKT LĐLĐ (quy chế đã xác nhận) (áp dụng từ 01/06/2026)"
    assert "chỉ cảnh báo" not in applied.label


def test_the_catalogue_default_gives_way_to_the_council_kinds_thresholds() -> None:
    district_award = award("giay_khen_ldld_huyen")  # union-2025.1: council_default (every level votes)
    at_cdcs = SHIPPED.council_rule(district_award, "grassroots", DAY)
    at_district = SHIPPED.council_rule(district_award, "district", DAY)
    joint = SHIPPED.council_rule(district_award, "grassroots", DAY, "joint")
    assert at_cdcs is not None
    assert at_district is not None
    assert joint is not None
    assert (at_cdcs.rule.threshold, at_cdcs.rule.base, at_cdcs.rule.strictly_more) == (Fraction(1, 2), "all_members", True)
    assert (at_district.rule.threshold, at_district.rule.base) == (Fraction(7, 10), "present")
    assert joint.name.startswith("Hội đồng Thi đua – Khen thưởng liên tịch")
    assert at_cdcs.rule.vote_required
    assert at_cdcs.rule.levels is None
    assert at_cdcs.label.startswith("Theo quy định: Ban Chấp hành công đoàn cơ sở (áp dụng từ 01/01/2024)")
    assert at_cdcs.label.endswith("(tỷ lệ chưa xác nhận: chỉ cảnh báo, không chặn)")


def test_an_awards_own_council_rule_is_kept() -> None:
    own = CouncilRule(quorum=Fraction(2, 3), threshold=Fraction(9, 10), base="all_members", secret_ballot=True, source="NĐ 91")
    unit_rule = unit_rule_on("district", "tdkt", DAY)
    applied = applied_rule(own, None, unit_rule)
    assert applied is not None
    assert applied.rule == own
    assert applied.name == "Quy định của hình thức khen thưởng trong danh mục"
    assert applied_rule(None, None, unit_rule) is None


def test_review_judges_by_the_holders_council_on_the_meeting_day() -> None:
    nom = snapshot("n1", award_code="giay_khen_ldld_huyen").model_copy(update={"catalog_version": "union-2025.1"})
    found = applied_for(nom, SHIPPED, "district", DAY)
    assert found is not None
    assert found.name.startswith("Hội đồng Thi đua – Khen thưởng của công đoàn cấp trên")
    assert applied_for(nom.model_copy(update={"catalog_version": "no-such"}), SHIPPED, "district", DAY) is None


def rule(confirmed: bool) -> CouncilRule:
    return CouncilRule(quorum=Fraction(2, 3), threshold=Fraction(7, 10), base="present", source="x", confirmed=confirmed)


@pytest.mark.parametrize(
    ("vote", "missed"),
    [
        (CouncilVote(members=9, present=5, votes_for=5), ["quorum"]),
        (CouncilVote(members=9, present=9, votes_for=6, votes_against=3), ["threshold"]),
        (CouncilVote(members=9, present=5, votes_for=2, votes_against=3), ["quorum", "threshold"]),
    ],
)
def test_an_unconfirmed_threshold_warns_where_a_confirmed_one_blocks(vote: CouncilVote, missed: list[str]) -> None:
    blocked, warned = judge(rule(True), vote), judge(rule(False), vote)
    assert not blocked.passed
    assert not blocked.warnings
    assert warned.passed
    assert [c.code for c in warned.warnings] == missed
    assert all(not c.passed for c in warned.warnings)  # the numbers still say it missed
    assert warned.explanation.endswith("(cảnh báo: tỷ lệ chưa xác nhận: chỉ cảnh báo, không chặn)")
    assert not warned.rule_confirmed
    assert blocked.rule_confirmed


def test_a_vote_that_meets_an_unconfirmed_rule_carries_no_warning() -> None:
    result = judge(rule(False), CouncilVote(members=9, present=9, votes_for=7, votes_against=2))
    assert result.passed
    assert not result.warnings
    assert "cảnh báo" not in result.explanation


def recorded(result_rule: CouncilRule, vote: CouncilVote) -> RecordedVote:
    result = judge(result_rule, vote)
    return RecordedVote("LĐLĐ thị xã Sơn Tây", DAY, vote, result.passed, result.explanation, bool(result.warnings))


def test_the_review_gate_lets_a_warned_vote_through_and_stops_a_failed_one() -> None:
    short = CouncilVote(members=9, present=9, votes_for=6, votes_against=3)
    assert gate_problem(rule(False), "district", recorded(rule(False), short)) is None
    problem = gate_problem(rule(True), "district", recorded(rule(True), short))
    assert problem is not None
    assert problem[0] == "council_vote_failed"


def test_a_cdcs_vote_missing_an_unconfirmed_rule_travels_as_a_warning_check() -> None:
    district_award = award("giay_khen_ldld_huyen")
    cdcs_rule = SHIPPED.council_rule(district_award, "grassroots", DAY)
    assert cdcs_rule is not None
    short = CouncilVote(members=9, present=9, votes_for=4, votes_against=5)  # 4/9 of all members, not more than 1/2
    warning = council_warning(district_award, short, cdcs_rule.rule)
    assert warning is not None
    assert (warning.rule, warning.status, warning.field) == ("council_vote", "warning", "council_vote")
    assert "Đồng ý 4/9 tổng số thành viên (44,4 %), cần trên 50 %: không đạt" in warning.message
    assert warning.source.endswith("(chưa xác nhận)")
    assert council_warning(district_award, CouncilVote(members=9, present=9, votes_for=5), cdcs_rule.rule) is None
    assert council_warning(district_award, None, cdcs_rule.rule) is None
