"""Eligibility, explained: each check with its numbers and source, and the rules that combine, over random inputs."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.events import DISCIPLINE_FORMS, EligibilityCheck, Nominee, TitleHeld
from shared.rules.catalog import Award, ConsecutiveTitles, MaxAbsence, Quota, catalogs_on
from shared.rules.eligibility import (
    ComprehensiveVsTopicalRule,
    PriorNomination,
    QuotaUsage,
    chain_satisfied,
    evaluate,
    evaluate_declared,
    facts_needed,
    failures,
    judge_quota,
    quota_unit,
    rules_on,
    scope_conflicts,
)
from tests.unit.factories import path

CATALOGS = catalogs_on(date(2026, 5, 1))
RULES = rules_on(date(2026, 5, 1))
ACHIEVEMENT = "Hoàn thành xuất sắc nhiệm vụ năm, có sáng kiến được công nhận."


def award(code: str) -> Award:
    found = CATALOGS.get(code)
    assert found is not None
    return found


def confirmed(a: Award) -> Award:
    """The award as an office that confirmed every criterion and quota (installing a version with its sources) has
    it: what a criterion judges, apart from whether an unconfirmed source may refuse anybody."""
    return a.model_copy(
        update={
            "criteria": [c.model_copy(update={"confirmed": True}) for c in a.criteria],
            "quotas": [q.model_copy(update={"confirmed": True}) for q in a.quotas],
        }
    )


def person(**facts: Any) -> Nominee:
    return Nominee(kind="individual", name="Nguyễn Văn An", **facts)


def title_name(code: str) -> str:
    found = CATALOGS.get(code)
    return found.name if found else code


def by_rule(checks: list[EligibilityCheck], rule: str) -> EligibilityCheck:
    return next(c for c in checks if c.rule == rule)


def prior(code: str, period: str = "2026", status: str = "active", achievements: str = "Thành tích khác hẳn") -> PriorNomination:
    a = award(code)
    return PriorNomination(
        id=f"p-{code}", award_code=code, award_name=a.name, award=a, period=period, status=status, achievements=achievements
    )


def check_all(code: str, nominee: Nominee, *, prior_: list[PriorNomination] | None = None) -> list[EligibilityCheck]:
    a = award(code)
    return evaluate(
        award=a,
        nominee=nominee,
        period="2026",
        achievements=ACHIEVEMENT,
        prior=prior_ or [],
        quotas=[QuotaUsage(quota=q) for q in a.quotas],
        rules=RULES,
        title_name=title_name,
    )


# Exclusions, one by one, with their exact messages


def test_absence_of_40_working_days_after_maternity_leave_only_warns_while_its_source_is_unconfirmed() -> None:
    absent = person(absence_working_days=52, absence_exempt_working_days=12)
    absence = by_rule(evaluate_declared(award("giay_khen_ldld_huyen"), absent, "2026"), "max_absence_working_days")
    assert absence.status == "warning"  # a local CĐCS guideline: it may not refuse anybody in Hà Nội until confirmed
    assert (
        by_rule(evaluate_declared(confirmed(award("giay_khen_ldld_huyen")), absent, "2026"), "max_absence_working_days").status
        == "fail"
    )
    assert absence.message == "Nghỉ 40 ngày làm việc (trừ 12 ngày thai_san), quy định dưới 40 ngày"
    assert absence.source == "Hướng dẫn thi đua CĐCS 2021, http://ttytlamhald.vn/Download/MyFile/17269 (chưa xác nhận)"
    assert absence.field == "nominee.absence_working_days"


def test_fewer_than_ten_months_employed_fails() -> None:
    a = confirmed(award("giay_khen_ldld_huyen"))
    check = by_rule(evaluate_declared(a, person(months_employed=9), "2026"), "min_months_employed")
    assert (check.status, check.message) == ("fail", "Công tác 9 tháng, cần từ 10 tháng")


def test_not_registered_in_the_years_pledge_fails() -> None:
    check = by_rule(
        evaluate_declared(confirmed(award("giay_khen_ldld_huyen")), person(pledge_registered=False), "2026"), "pledge_registered"
    )
    assert (check.status, check.message) == ("fail", "Đăng ký thi đua năm 2026: không đăng ký")


def test_a_reprimand_fails_the_no_discipline_rule_and_names_the_form() -> None:
    nominee = person(disciplined=True, discipline_form="khien_trach", administrative_sanction=False)
    check = by_rule(evaluate_declared(confirmed(award("giay_khen_ldld_huyen")), nominee, "2026"), "no_discipline")
    assert check.status == "fail"
    assert check.message == ("Bị kỷ luật hình thức khiển trách; không bị xử phạt hành chính (không xét từ khiển trách trở lên)")
    assert check.field == "nominee.discipline_form"


def test_inactive_membership_is_only_a_warning_because_the_catalogue_says_warn() -> None:
    check = by_rule(
        evaluate_declared(award("giay_khen_ldld_huyen"), person(union_member_active=False), "2026"), "active_membership"
    )
    assert check.status == "warning"
    assert check.message == "Đoàn viên không sinh hoạt hoặc chưa đóng đoàn phí"


def test_facts_not_declared_are_warnings_never_failures() -> None:
    checks = check_all("giay_khen_ldld_huyen", person())

    assert failures(checks) == []
    declared = [c for c in checks if c.rule not in ("one_achievement", "comprehensive_vs_topical")]
    assert {c.status for c in declared} == {"warning"}
    assert by_rule(checks, "min_months_employed").message == "Chưa khai báo số tháng công tác"


def test_a_collective_is_not_judged_by_the_individual_exclusions() -> None:
    collective = Nominee(kind="collective", name="Tổ bảo dưỡng", member_count=12)
    assert evaluate_declared(award("giay_khen_ldld_huyen"), collective, "2026") == []
    assert facts_needed(award("giay_khen_ldld_huyen"), "collective") == []


def test_a_clean_individual_passes_every_exclusion() -> None:
    nominee = person(
        months_employed=12,
        absence_working_days=3,
        disciplined=False,
        administrative_sanction=False,
        pledge_registered=True,
        union_member_active=True,
    )
    checks = check_all("giay_khen_ldld_huyen", nominee)
    assert {c.status for c in checks} == {"pass"}


# Titles, innovations, once in a lifetime


def test_three_consecutive_grassroots_titles_are_needed_for_the_provincial_title() -> None:
    history = [TitleHeld(year=y, title="chien_si_thi_dua_co_so") for y in (2022, 2023, 2025)]
    check = by_rule(
        evaluate_declared(
            confirmed(award("chien_si_thi_dua_cap_tinh")), person(title_history=history), "2026", title_name=title_name
        ),
        "consecutive_titles",
    )
    assert check.status == "fail"
    assert check.message == (
        "Đạt “Chiến sĩ thi đua cơ sở” các năm 2022, 2023, 2025: 1 năm liên tục, cần 3 năm liên tục đến năm 2026 hoặc 2025"
    )


def test_a_title_granted_through_the_system_counts_in_the_chain() -> None:
    history = [TitleHeld(year=y, title="chien_si_thi_dua_co_so") for y in (2023, 2024)]
    granted = prior("chien_si_thi_dua_co_so", period="2025", status="granted")
    checks = evaluate_declared(award("chien_si_thi_dua_cap_tinh"), person(title_history=history), "2026", prior=[granted])
    assert by_rule(checks, "consecutive_titles").status == "pass"


def test_a_grassroots_emulation_fighter_needs_an_advanced_worker_title_and_a_recognised_innovation() -> None:
    nominee = person(title_history=[TitleHeld(year=2026, title="lao_dong_tien_tien")], innovation_recognised=False)
    checks = evaluate_declared(confirmed(award("chien_si_thi_dua_co_so")), nominee, "2026", title_name=title_name)
    assert by_rule(checks, "title_same_year").status == "pass"
    innovation = by_rule(checks, "recognised_innovation")
    assert innovation.status == "fail"
    assert innovation.message == "Không có sáng kiến được công nhận; cần công nhận từ công đoàn cơ sở trở lên"


def test_a_second_nguyen_van_linh_prize_is_refused() -> None:
    nominee = person(title_history=[TitleHeld(year=2019, title="giai_thuong_nguyen_van_linh")])
    check = by_rule(evaluate_declared(award("giai_thuong_nguyen_van_linh"), nominee, "2026"), "once_per_lifetime")
    assert check.status == "fail"
    assert check.message == "Mỗi người chỉ được tặng một lần: đã được tặng năm 2019"


def test_innovation_benefit_passes_by_one_solution_or_by_the_cumulative_sum() -> None:
    a = award("bang_lao_dong_sang_tao")
    single = by_rule(evaluate_declared(a, person(innovation_benefit_vnd=90_000_000), "2026"), "innovation_benefit")
    cumulative = person(
        innovation_benefit_vnd=50_000_000, innovation_benefit_cumulative_vnd=130_000_000, innovation_benefit_cumulative_years=3
    )
    assert single.status == "pass"
    assert single.message == "một giải pháp làm lợi 90.000.000 đ (cần ≥ 80.000.000 đ)"
    assert by_rule(evaluate_declared(a, cumulative, "2026"), "innovation_benefit").status == "pass"
    too_little = by_rule(evaluate_declared(a, person(innovation_benefit_vnd=10_000_000), "2026"), "innovation_benefit")
    assert too_little.status == "warning"  # the amounts are unconfirmed, so the catalogue says warn


# One achievement, one award; toàn diện vs chuyên đề


def test_the_same_achievement_for_a_second_award_in_the_same_period_is_refused() -> None:
    checks = check_all("giay_khen_ldld_huyen", person(), prior_=[prior("bang_khen_ldld_tp", achievements=ACHIEVEMENT.upper())])
    check = by_rule(checks, "one_achievement")
    assert check.status == "fail"
    assert check.message == (
        "Một thành tích chỉ được đề nghị một hình thức khen thưởng: cùng thành tích đã được đề nghị trong kỳ 2026: "
        "“Bằng khen của Ban Chấp hành Liên đoàn Lao động Thành phố Hà Nội” (đang xét)"
    )


def test_another_award_with_a_different_achievement_in_the_period_is_a_warning_to_compare() -> None:
    check = by_rule(check_all("giay_khen_ldld_huyen", person(), prior_=[prior("bang_khen_ldld_tp")]), "one_achievement")
    assert check.status == "warning"


def test_a_comprehensive_and_a_topical_award_of_tong_ldld_in_the_same_year_is_a_warning_while_hd_1217_is_unconfirmed() -> None:
    checks = check_all("bang_khen_chuyen_de_tong_ldld", person(), prior_=[prior("bang_khen_tong_ldld")])
    check = by_rule(checks, "comprehensive_vs_topical")
    assert check.status == "warning"  # refused once an office confirms the rule (test_scope_conflict_iff…)
    held = "“Bằng khen của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam” (toàn diện"
    assert f"hồ sơ này là khen chuyên đề, năm 2026 đã có {held}" in check.message
    assert check.source == "Hướng dẫn 1217/HD-TLĐ ngày 11/08/2016 §1.1 (chưa xác nhận)"


SCOPED = [a for a in CATALOGS.awards if a.submittable]


@given(
    st.sampled_from(SCOPED),
    st.sampled_from(SCOPED),
    st.sampled_from(["yearly", "campaign", "ad_hoc"]),
    st.integers(2024, 2027),
    st.booleans(),
)
def test_scope_conflict_iff_different_scopes_same_level_same_year_and_neither_exempt(
    this: Award, other: Award, other_kind: str, other_year: int, exempt_campaigns: bool
) -> None:
    rule = ComprehensiveVsTopicalRule(
        effective_from=date(2024, 1, 1), source="x", exempt_kinds=("ad_hoc",), exempt_campaign_awards=exempt_campaigns
    )
    other = other.model_copy(update={"kind": other_kind})
    found = scope_conflicts(rule, this, "2026", [prior(other.code, period=str(other_year)).model_copy(update={"award": other})])

    def exempt(a: Award) -> bool:
        return a.scope is None or a.kind == "ad_hoc" or (exempt_campaigns and any(q.per == "campaign" for q in a.quotas))

    expected = (
        not exempt(this)
        and not exempt(other)
        and this.scope != other.scope
        and this.awarding_level == other.awarding_level
        and other_year == 2026
    )
    assert bool(found) == expected


# Consecutive-title chains over random histories


@given(st.sets(st.integers(2010, 2030), max_size=15), st.integers(1, 6), st.integers(2015, 2030))
def test_a_chain_holds_iff_some_window_of_n_years_ending_this_year_or_last_is_all_held(
    years: set[int], n: int, year: int
) -> None:
    windows = [set(range(end - n + 1, end + 1)) for end in (year, year - 1)]
    assert chain_satisfied(years, n, year) == any(w <= years for w in windows)


@given(
    st.lists(st.tuples(st.integers(2015, 2026), st.sampled_from(["chien_si_thi_dua_co_so", "lao_dong_tien_tien"])), max_size=12)
)
def test_the_consecutive_titles_check_only_counts_the_title_the_criterion_names(history: list[tuple[int, str]]) -> None:
    a = confirmed(award("chien_si_thi_dua_cap_tinh"))
    criterion = next(c for c in a.criteria if isinstance(c, ConsecutiveTitles))
    nominee = person(title_history=[TitleHeld(year=y, title=t) for y, t in history])
    check = by_rule(evaluate_declared(a, nominee, "2026"), "consecutive_titles")
    held = {y for y, t in history if t == criterion.title}
    assert (check.status == "pass") == chain_satisfied(held, criterion.years, 2026)
    assert check.status in ("pass", "fail")  # declared, so never "chưa khai báo"


# Exclusions combined


@given(
    months=st.one_of(st.none(), st.integers(0, 24)),
    absence=st.one_of(st.none(), st.integers(0, 120)),
    exempt=st.one_of(st.none(), st.integers(0, 120)),
    form=st.one_of(st.none(), st.sampled_from(DISCIPLINE_FORMS)),
    disciplined=st.one_of(st.none(), st.booleans()),
    sanction=st.one_of(st.none(), st.booleans()),
    pledge=st.one_of(st.none(), st.booleans()),
)
def test_an_individual_is_blocked_iff_a_declared_exclusion_applies(
    months: int | None,
    absence: int | None,
    exempt: int | None,
    form: str | None,
    disciplined: bool | None,
    sanction: bool | None,
    pledge: bool | None,
) -> None:
    nominee = person(
        months_employed=months,
        absence_working_days=absence,
        absence_exempt_working_days=exempt,
        disciplined=disciplined,
        discipline_form=form if disciplined else None,
        administrative_sanction=sanction,
        pledge_registered=pledge,
    )
    blocked = bool(failures(evaluate_declared(confirmed(award("giay_khen_ldld_huyen")), nominee, "2026")))
    assert not failures(evaluate_declared(award("giay_khen_ldld_huyen"), nominee, "2026"))  # as shipped: unconfirmed
    counted_absence = None if absence is None else absence - min(exempt or 0, absence)
    excluded = (
        (months is not None and months < 10)
        or (counted_absence is not None and counted_absence >= 40)
        or bool(disciplined)  # from khiển trách, the lightest form: any discipline
        or bool(sanction)
        or pledge is False
    )
    assert blocked == excluded


@given(st.integers(0, 120), st.integers(0, 120))
def test_exempt_days_never_exceed_the_absence_they_are_part_of(absence: int, exempt: int) -> None:
    criterion = next(c for c in award("giay_khen_ldld_huyen").criteria if isinstance(c, MaxAbsence))
    check = by_rule(
        evaluate_declared(
            award("giay_khen_ldld_huyen"), person(absence_working_days=absence, absence_exempt_working_days=exempt), "2026"
        ),
        "max_absence_working_days",
    )
    assert (check.status == "pass") == (absence - min(exempt, absence) < criterion.below)


# Quotas


def test_the_quota_of_the_proposing_city_counts_its_nominations_and_refuses_the_fifth_once_confirmed() -> None:
    a = confirmed(award("bang_khen_chuyen_de_tong_ldld"))
    per_city = next(q for q in a.quotas if q.per == "proposing_unit_year")
    unit = quota_unit(per_city, a, path("HN-SONTAY-DST"))
    assert unit is not None
    assert unit.code == "HN"

    full = judge_quota(QuotaUsage(quota=per_city, unit=unit, used=4), a, "2026")
    room = judge_quota(QuotaUsage(quota=per_city, unit=unit, used=2), a, "2026")
    assert full.status == "fail"
    assert full.message == (
        "Hạn mức “Bằng khen chuyên đề của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam”: tối đa 4 mỗi đơn vị đề nghị mỗi năm "
        "(đơn vị cấp thành phố): đã có 4 hồ sơ kỳ 2026 thuộc LĐLĐ TP Hà Nội, hồ sơ này là thứ 5, vượt hạn mức 4"
    )
    assert room.status == "pass"
    assert room.message.endswith("hồ sơ này là thứ 3, còn 1 chỗ")
    shipped = award("bang_khen_chuyen_de_tong_ldld")  # QC 1689/QĐ-TLĐ 2019, unconfirmed under 999/QĐ-TLĐ: a warning
    shipped_quota = next(q for q in shipped.quotas if q.per == "proposing_unit_year")
    assert judge_quota(QuotaUsage(quota=shipped_quota, unit=unit, used=4), shipped, "2026").status == "warning"


def test_a_share_quota_cannot_be_counted_and_says_why() -> None:
    a = award("chien_si_thi_dua_co_so")
    share = a.quotas[0]
    assert quota_unit(share, a, path("HN-SONTAY-DST")) is None
    check = judge_quota(QuotaUsage(quota=share), a, "2026", title_name)
    assert check.status == "warning"
    assert "chưa tính được (hệ thống chưa có số người đạt “Lao động tiên tiến” của đơn vị)" in check.message


@given(st.integers(0, 400), st.integers(1, 300), st.sampled_from(["block", "warn"]))
def test_a_counted_quota_fails_only_past_its_limit_and_only_when_it_blocks(used: int, limit: int, on_fail: str) -> None:
    quota = Quota(per="awarding_unit_year", limit=limit, source="x", on_fail=on_fail)
    a = award("cong_nhan_gioi_thu_do")
    check = judge_quota(QuotaUsage(quota=quota, unit=path("HN-SONTAY-DST")[2], used=used), a, "2026")
    over = used + 1 > limit
    assert check.status == ("pass" if not over else "fail" if on_fail == "block" else "warning")


def test_the_form_asks_only_for_the_facts_the_award_needs() -> None:
    assert facts_needed(award("chien_si_thi_dua_cap_tinh"), "individual") == ["title_years:chien_si_thi_dua_co_so"]
    assert facts_needed(award("giay_khen_ldld_huyen"), "individual") == [
        "pledge_registered",
        "months_employed",
        "absence_working_days",
        "absence_exempt_working_days",
        "disciplined",
        "discipline_form",
        "administrative_sanction",
        "union_member_active",
    ]
