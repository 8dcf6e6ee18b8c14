"""Campaign windows and quotas, pledges and cluster votes as eligibility checks, over random inputs."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.registration.domain.emulation import (
    ClusterLeadRule,
    ClusterStanding,
    PledgeRecord,
    PledgeRule,
    judge_campaign_quota,
    judge_campaign_window,
    judge_cluster_lead,
    judge_pledge,
    judge_unit_headroom,
    registration_is_late,
    supersede_declared_pledge,
)
from services.registration.usecases.context import emulation_rules_of
from shared.contracts.commands import Campaign, CampaignTarget, PledgeTarget
from shared.contracts.events import EligibilityCheck
from shared.rules.catalog import Award, catalogs_on
from shared.rules.eligibility import failures
from shared.rules.reference import load_seed_campaigns
from shared.rules.rulebook import Rulebook

CATALOGS = catalogs_on(date(2026, 5, 1))
SEED = {c.code: c for c in load_seed_campaigns()}
SHIPPED = emulation_rules_of(Rulebook())  # the emulation file shipped in shared/data, as a service reads it
PEAK = SEED["HN-2023-CAO-DIEM-150"]
POLICIES = st.sampled_from(["block", "warn"])


def award(code: str) -> Award:
    found = CATALOGS.get(code)
    assert found is not None
    return found


def name(code: str) -> str:
    found = CATALOGS.get(code)
    return found.name if found else code


def pledge_rule(
    missing: str = "warn", unconfirmed: str = "warn", title_not_pledged: str = "warn", *, confirmed: bool = False
) -> PledgeRule:
    return PledgeRule(
        effective_from=date(2024, 1, 1),
        deadline_month=3,
        deadline_day=31,
        missing=missing,
        unconfirmed=unconfirmed,
        title_not_pledged=title_not_pledged,
        source="thử",
        confirmed=confirmed,
    )


# Campaigns


def test_the_2023_peak_campaign_is_seeded_with_its_plan_window_and_three_quotas() -> None:
    assert PEAK.plan_ref == "80/KH-LĐLĐ"
    assert (PEAK.starts_on, PEAK.ends_on) == (date(2023, 5, 1), date(2023, 9, 30))
    assert {t.award_code: t.quota for t in PEAK.targets} == {
        "cong_nhan_gioi_thu_do": 100,
        "sang_kien_sang_tao_thu_do": 100,
        "chu_tich_cdcs_tieu_bieu": 10,
    }
    assert all(CATALOGS.get(t.award_code) is not None for t in PEAK.targets)


def test_campaign_codes_and_windows_agree_with_the_review_deadlines_file() -> None:
    with Rulebook().deadline_rules.open("rb") as f:
        review = tomllib.load(f).get("campaigns", [])
    assert review, "deadlines.toml has campaigns"
    for entry in review:
        seeded = SEED[entry["code"]]
        assert (seeded.starts_on, seeded.ends_on) == (entry["starts_on"], entry["ends_on"])
        assert set(entry["award_codes"]) <= {t.award_code for t in seeded.targets}


def test_a_nomination_after_the_window_is_refused_with_both_dates() -> None:
    check = judge_campaign_window(PEAK, date(2023, 10, 1))
    assert check.status == "fail"
    assert "nhận hồ sơ từ 01/05/2023 đến 30/09/2023" in check.message
    assert check.message.endswith("hôm nay 01/10/2023 đã kết thúc")
    assert check.field == "campaign_code"
    assert check.source == "Kế hoạch 80/KH-LĐLĐ"


@given(st.dates(min_value=date(2022, 1, 1), max_value=date(2024, 12, 31)))
def test_the_window_includes_both_ends_and_nothing_outside(day: date) -> None:
    check = judge_campaign_window(PEAK, day)
    assert (check.status == "pass") == (date(2023, 5, 1) <= day <= date(2023, 9, 30))


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=600))
def test_the_quota_admits_exactly_quota_nominations(quota: int, used: int) -> None:
    campaign = PEAK.model_copy(update={"targets": [CampaignTarget(award_code="cong_nhan_gioi_thu_do", quota=quota)]})
    check = judge_campaign_quota(campaign, campaign.targets[0], used, "Công nhân giỏi Thủ đô")
    assert (check.status == "pass") == (used < quota)
    if check.status == "fail":
        assert f"đã đủ chỉ tiêu {used}/{quota} “Công nhân giỏi Thủ đô”" in check.message
    else:
        assert f"thứ {used + 1}/{quota}, còn {quota - used - 1}" in check.message


def test_a_campaign_whose_end_precedes_its_start_or_repeats_an_award_is_refused() -> None:
    data = PEAK.model_dump()
    with pytest.raises(ValidationError):
        Campaign.model_validate(data | {"ends_on": date(2023, 4, 30)})
    with pytest.raises(ValidationError):
        Campaign.model_validate(data | {"targets": [data["targets"][0], data["targets"][0]]})


# Pledges


def test_the_pledge_deadline_is_dated_configuration_marked_unconfirmed() -> None:
    rule = SHIPPED.pledge_on(date(2026, 1, 1))
    assert rule.deadline(2026) == date(2026, 3, 31)
    assert rule.confirmed is False
    assert rule.late == "refuse"
    assert rule.late_policy == "accept_flagged"  # no source gives 31/3: a late pledge is recorded as late, not refused
    assert rule.model_copy(update={"confirmed": True}).late_policy == "refuse"


@given(st.integers(min_value=2024, max_value=2030), st.dates(min_value=date(2023, 1, 1), max_value=date(2031, 12, 31)))
def test_a_registration_is_late_only_after_the_deadline_of_its_year(year: int, on: date) -> None:
    rule = pledge_rule()
    assert registration_is_late(rule, year, on) == (on > date(year, 3, 31))


PLEDGE_STATES = st.one_of(
    st.none(),
    st.builds(
        PledgeRecord,
        year=st.just(2026),
        status=st.sampled_from(["submitted", "confirmed", "returned"]),
        targets=st.lists(
            st.sampled_from(["giay_khen_ldld_huyen", "bang_khen_ldld_tp", "cong_nhan_gioi_thu_do"]), unique=True
        ).map(lambda codes: tuple(PledgeTarget(award_code=c, count=3) for c in codes)),
    ),
)


@given(PLEDGE_STATES, POLICIES, POLICIES, POLICIES, st.booleans())
def test_a_yearly_title_passes_only_with_a_confirmed_pledge_naming_it_and_fails_only_where_a_confirmed_policy_blocks(
    pledge: PledgeRecord | None, missing: str, unconfirmed: str, title_not_pledged: str, confirmed: bool
) -> None:
    rule = pledge_rule(missing, unconfirmed, title_not_pledged, confirmed=confirmed)
    check = judge_pledge(rule, award("giay_khen_ldld_huyen"), 2026, pledge, name)
    assert check is not None
    ok = pledge is not None and pledge.status == "confirmed" and pledge.pledged("giay_khen_ldld_huyen") is not None
    assert (check.status == "pass") == ok
    if pledge is None:
        policy = missing
    elif pledge.status != "confirmed":
        policy = unconfirmed
    else:
        policy = title_not_pledged
    if not ok:
        assert check.status == ("fail" if policy == "block" and confirmed else "warning")
    assert check.source == ("thử" if confirmed else "thử (chưa xác nhận)")


def test_a_campaign_award_needs_no_pledge() -> None:
    assert judge_pledge(pledge_rule("block"), award("chu_tich_cdcs_tieu_bieu"), 2026, None, name) is None


def test_the_recorded_pledge_replaces_the_declared_fact() -> None:
    declared = EligibilityCheck(rule="pledge_registered", status="warning", message="Chưa khai báo", source="x")
    other = EligibilityCheck(rule="min_months_employed", status="pass", message="ok", source="x")
    recorded = EligibilityCheck(rule="pledge", status="pass", message="đã xác nhận", source="y")
    assert supersede_declared_pledge([declared, other], recorded, held=True) == [other, recorded]
    missing = EligibilityCheck(rule="pledge", status="warning", message="chưa có giao ước", source="y")
    assert supersede_declared_pledge([declared, other], missing, held=False) == [declared, other, missing]
    assert supersede_declared_pledge([declared, other], None, held=False) == [declared, other]


# Clusters


def test_only_the_flags_need_a_cluster_vote_and_tld_s_flag_blocks() -> None:
    on = date(2026, 5, 1)
    tld = SHIPPED.cluster_on("co_thi_dua_tong_ldld", on)
    assert tld is not None
    assert tld.on_fail == "block"
    city = SHIPPED.cluster_on("co_thi_dua_ldld_tp", on)
    assert city is not None
    assert city.on_fail == "warn"
    assert city.confirmed is False
    assert SHIPPED.cluster_on("bang_khen_tong_ldld", on) is None


STANDINGS = st.lists(
    st.builds(
        ClusterStanding,
        cluster_name=st.sampled_from(["Cụm 1", "Cụm 2", "Cụm 5"]),
        voted=st.booleans(),
        leaders=st.just(("Công đoàn A",)),
        leading=st.booleans(),
    ).filter(lambda s: s.voted or not s.leading),
    max_size=3,
)


@given(STANDINGS, POLICIES)
def test_a_flag_passes_exactly_when_some_cluster_voted_the_unit_leading(standings: list[ClusterStanding], policy: str) -> None:
    rule = ClusterLeadRule(effective_from=date(2024, 1, 1), award="co_thi_dua_tong_ldld", on_fail=policy, source="s")
    check = judge_cluster_lead(rule, "Công đoàn DST", 2026, standings)
    leading = any(s.leading for s in standings)
    assert (check.status == "pass") == leading
    assert bool(failures([check])) == (not leading and policy == "block")
    if not standings:
        assert "không thuộc cụm thi đua nào năm 2026" in check.message


def test_the_combined_refusal_names_every_failed_rule() -> None:
    checks = [
        judge_campaign_window(PEAK, date(2026, 11, 25)),
        judge_campaign_quota(PEAK, PEAK.targets[2], 10, "Chủ tịch CĐCS tiêu biểu"),
        judge_pledge(pledge_rule("block", confirmed=True), award("giay_khen_ldld_huyen"), 2026, None, name),
        judge_cluster_lead(
            ClusterLeadRule(effective_from=date(2024, 1, 1), award="co_thi_dua_tong_ldld", source="s"), "A", 2026, []
        ),
    ]
    assert [c.rule for c in failures([c for c in checks if c])] == ["campaign_window", "campaign_quota", "pledge", "cluster_lead"]


@given(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2023, 12, 31)),
    st.integers(min_value=0, max_value=12),
    PLEDGE_STATES,
    POLICIES,
    STANDINGS,
    POLICIES,
    st.booleans(),
)
def test_a_submission_is_refused_exactly_when_one_of_window_quota_pledge_or_cluster_fails_under_a_blocking_rule(
    day: date,
    used: int,
    pledge: PledgeRecord | None,
    pledge_policy: str,
    standings: list[ClusterStanding],
    cluster_policy: str,
    pledge_confirmed: bool,
) -> None:
    target = PEAK.target("chu_tich_cdcs_tieu_bieu")
    assert target is not None
    rule = pledge_rule(pledge_policy, pledge_policy, pledge_policy, confirmed=pledge_confirmed)
    cluster = ClusterLeadRule(effective_from=date(2024, 1, 1), award="co_thi_dua_tong_ldld", on_fail=cluster_policy, source="s")
    judged = [
        judge_campaign_window(PEAK, day),
        judge_campaign_quota(PEAK, target, used, "Chủ tịch CĐCS tiêu biểu"),
        judge_pledge(rule, award("giay_khen_ldld_huyen"), 2026, pledge, name),
        judge_cluster_lead(cluster, "Công đoàn DST", 2026, standings),
    ]
    checks = [c for c in judged if c is not None]
    pledge_ok = pledge is not None and pledge.status == "confirmed" and pledge.pledged("giay_khen_ldld_huyen") is not None
    refused = (
        not PEAK.open_on(day)
        or used >= 10
        or (not pledge_ok and pledge_policy == "block" and pledge_confirmed)
        or (not any(s.leading for s in standings) and cluster_policy == "block")
    )
    assert bool(failures(checks)) == refused
    assert all(c.message and c.source for c in checks)


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=60))
def test_a_proposing_unit_gets_no_more_than_its_own_share_of_a_target(share: int, used: int) -> None:
    target = CampaignTarget(award_code="cong_nhan_gioi_thu_do", quota=100, per_unit_quota=share)
    check = judge_unit_headroom(PEAK, target, "LĐLĐ thị xã Sơn Tây", used, "Công nhân giỏi Thủ đô")
    assert check is not None
    assert (check.status == "pass") == (used < share)
    if check.status == "fail":
        assert check.message.startswith(f"LĐLĐ thị xã Sơn Tây đã đủ chỉ tiêu {used}/{share} “Công nhân giỏi Thủ đô”")
    assert judge_unit_headroom(PEAK, PEAK.targets[0], "X", used, "Y") is None
