"""Eligibility, explained: an award's criteria and quotas, and the rules between awards, judged against a nomination.

One module on purpose (about 630 lines): one judgement per kind of criterion of the catalogue's closed union, side
by side, so a new kind is added to `catalog.py` and judged here in one place.

Pure: the caller brings the award (as the catalogue in force defines it), the nominee with the facts the
submitter declared, the nominee's other nominations and awards known to the system, and the quota counts;
`evaluate` returns one `EligibilityCheck` per rule, each "pass", "fail" or "warning", with a Vietnamese
explanation that names the numbers, and the source of the rule ("(chưa xác nhận)" when the catalogue says so).

- A criterion whose `on_fail` is "block" fails; one marked "warn" gives a warning instead, and so does one whose
  source is unconfirmed (`confirmed = false`): a rule nobody could confirm never refuses anybody (`failure_status`).
  A fact the criterion needs that was not declared is a warning ("Chưa khai báo …"), never a refusal, so callers
  that declare nothing keep working and the approver sees what is missing.
- Exclusions (months employed, absence, discipline, pledge, membership) judge individuals only.
- The rules between awards (one achievement, toàn diện vs chuyên đề) are dated configuration in
  `data/eligibility.toml`, not catalogue criteria.
- `evaluate_declared` is the part that needs nothing but the nomination itself: review re-runs it at each level.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.events import DISCIPLINE_FORMS, EligibilityCheck, Nominee
from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK, Level, NomineeKind, UnitRef
from shared.rules.catalog import (
    DUTY_RATING_VI,
    ActiveMembership,
    Award,
    AwardKind,
    ConsecutiveTitles,
    Criterion,
    DutyRatingCriterion,
    InnovationBenefit,
    MaxAbsence,
    MinMonthsEmployed,
    MinUnionServiceYears,
    NoDiscipline,
    OncePerLifetime,
    PledgeRegistered,
    Quota,
    RecognisedInnovation,
    TitleSameYear,
)
from shared.rules.dated import require_in_force
from shared.rules.periods import start_year
from shared.rules.text import normalize_name

RULES_FILE = Path(__file__).resolve().parents[1] / "data" / "eligibility.toml"
UNCONFIRMED = " (chưa xác nhận)"
STATUS_LABELS_VI: dict[str, str] = {"pass": "Đạt", "fail": "Không đạt", "warning": "Lưu ý"}
DISCIPLINE_VI: dict[str, str] = {
    "khien_trach": "khiển trách",
    "canh_cao": "cảnh cáo",
    "ha_bac_luong": "hạ bậc lương",
    "giang_chuc": "giáng chức",
    "cach_chuc": "cách chức",
    "buoc_thoi_viec": "buộc thôi việc",
}
DUTY_RANK: dict[str, int] = {"hoan_thanh": 0, "hoan_thanh_tot": 1, "hoan_thanh_xuat_sac": 2}
INDIVIDUAL_ONLY = (MinMonthsEmployed, MaxAbsence, NoDiscipline, PledgeRegistered, ActiveMembership, MinUnionServiceYears)
TitleName = Callable[[str], str]


# Configuration: rules between awards, dated


class _DatedRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    effective_from: date
    on_fail: Literal["block", "warn"] = "block"
    source: str = Field(min_length=1)
    confirmed: bool = True


class OneAchievementRule(_DatedRule):
    pass


class ComprehensiveVsTopicalRule(_DatedRule):
    exempt_kinds: tuple[AwardKind, ...] = ("ad_hoc",)
    exempt_campaign_awards: bool = True


class _RulesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    one_achievement: list[OneAchievementRule] = Field(min_length=1)
    comprehensive_vs_topical: list[ComprehensiveVsTopicalRule] = Field(min_length=1)


@dataclass(frozen=True)
class EligibilityRules:
    """The rules between awards in force on one date."""

    one_achievement: OneAchievementRule
    comprehensive_vs_topical: ComprehensiveVsTopicalRule


@cache
def _rules_file(path: Path) -> _RulesFile:
    with path.open("rb") as f:
        return _RulesFile.model_validate(tomllib.load(f))


_R = TypeVar("_R", bound=_DatedRule)


def _latest(rules: Sequence[_R], on: date, what: str) -> _R:
    return require_in_force(rules, on, f"{what} eligibility rule")


def rules_on(on: date, path: Path = RULES_FILE) -> EligibilityRules:
    loaded = _rules_file(path)
    return EligibilityRules(
        _latest(loaded.one_achievement, on, "one_achievement"),
        _latest(loaded.comprehensive_vs_topical, on, "comprehensive_vs_topical"),
    )


# What the caller brings besides the nomination


class PriorNomination(BaseModel):
    """Another nomination of the same nominee known to the system: in progress ("active") or decided ("granted")."""

    model_config = ConfigDict(frozen=True)

    id: str
    award_code: str
    award_name: str
    award: Award | None = None  # as the catalogue in force defines it; None when the code is no longer there
    period: str
    status: Literal["active", "granted"]
    achievements: str = ""


class QuotaUsage(BaseModel):
    """How many other nominations already count against a quota; `used` None when the system cannot count them."""

    model_config = ConfigDict(frozen=True)

    quota: Quota
    unit: UnitRef | None = None
    used: int | None = None
    exact: bool = False  # counted by the nomination's own topic or campaign, not approximated by the period


def _source(source: str, confirmed: bool) -> str:
    return source if confirmed or "chưa xác nhận" in source else source + UNCONFIRMED


def failure_status(on_fail: str, confirmed: bool) -> Literal["fail", "warning"]:
    """What a failed rule does: refuse only when it says "block" and its source is confirmed; otherwise warn. An
    administrator makes an unconfirmed rule refuse by installing a version with `confirmed = true` and its source."""
    return "fail" if on_fail == "block" and confirmed else "warning"


def _year(period: str) -> int:
    """The year year-based rules compare: a school year or term counts as its start year (shared/rules/periods.py)."""
    return start_year(period)


def _years(years: Iterable[int]) -> str:
    return ", ".join(str(y) for y in sorted(set(years))) or "không năm nào"


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def _default_name(code: str) -> str:
    return code


# One criterion against the declared facts

Outcome = Literal["pass", "fail", "undeclared"]


@dataclass(frozen=True)
class _Judged:
    outcome: Outcome
    detail: str
    field: str


def run_ending_at(years: set[int], end: int) -> int:
    """How many consecutive years of `years` end at `end` (0 when `end` is not among them)."""
    count = 0
    while end - count in years:
        count += 1
    return count


def chain_satisfied(years: set[int], needed: int, year: int) -> bool:
    """N consecutive years ending in the assessed year, or in the year before (the title of the assessed year is
    often decided at the same year-end review as this nomination)."""
    return max(run_ending_at(years, year), run_ending_at(years, year - 1)) >= needed


def _title_years(nominee: Nominee, title: str, prior: Sequence[PriorNomination]) -> set[int] | None:
    granted = {_year(p.period) for p in prior if p.status == "granted" and p.award_code == title}
    if nominee.title_history is None and not granted:
        return None
    return {t.year for t in nominee.title_history or () if t.title == title} | granted


def _judge(  # noqa: PLR0912 - one case per kind of the closed `Criterion` union, read side by side
    c: Criterion, award: Award, nominee: Nominee, year: int, prior: Sequence[PriorNomination], name: TitleName
) -> _Judged:
    match c:
        case ConsecutiveTitles():
            field = "nominee.title_history"
            years = _title_years(nominee, c.title, prior)
            if years is None:
                return _Judged("undeclared", f"Chưa khai báo các năm đạt “{name(c.title)}”", field)
            end = year if run_ending_at(years, year) >= run_ending_at(years, year - 1) else year - 1
            best = run_ending_at(years, end)
            chain = f" ({end - best + 1}–{end})" if best > 1 else ""
            return _Judged(
                "pass" if chain_satisfied(years, c.years, year) else "fail",
                f"Đạt “{name(c.title)}” các năm {_years(years)}: {best} năm liên tục{chain}, "
                f"cần {c.years} năm liên tục đến năm {year} hoặc {year - 1}",
                field,
            )
        case TitleSameYear():
            field = "nominee.title_history"
            years = _title_years(nominee, c.title, prior)
            if years is None:
                return _Judged("undeclared", f"Chưa khai báo danh hiệu “{name(c.title)}” năm {year}", field)
            held = year in years
            return _Judged(
                "pass" if held else "fail",
                f"“{name(c.title)}” năm {year}: " + ("đã đạt" if held else f"chưa đạt (đã khai báo: {_years(years)})"),
                field,
            )
        case DutyRatingCriterion():
            field = "nominee.duty_ratings"
            if nominee.duty_ratings is None:
                return _Judged("undeclared", f"Chưa khai báo xếp loại hoàn thành nhiệm vụ năm {year}", field)
            good = {r.year for r in nominee.duty_ratings if DUTY_RANK[r.rating] >= DUTY_RANK[c.min_rating]}
            run = run_ending_at(good, year)
            return _Judged(
                "pass" if run >= c.consecutive_years else "fail",
                f"Xếp loại {DUTY_RATING_VI[c.min_rating]} trở lên các năm {_years(good)}: {run} năm liên tục đến {year}, "
                f"cần {c.consecutive_years}",
                field,
            )
        case RecognisedInnovation():
            field = "nominee.innovation_recognised"
            need = LEVEL_NAMES_VI[c.min_level].lower()
            if nominee.innovation_recognised is None:
                return _Judged("undeclared", "Chưa khai báo sáng kiến (đề tài) được công nhận", field)
            if not nominee.innovation_recognised:
                return _Judged("fail", f"Không có sáng kiến được công nhận; cần công nhận từ {need} trở lên", field)
            if nominee.innovation_level is None:
                return _Judged(
                    "undeclared", "Có sáng kiến được công nhận nhưng chưa khai báo cấp công nhận", "nominee.innovation_level"
                )
            ok = LEVEL_RANK[nominee.innovation_level] >= LEVEL_RANK[c.min_level]
            when = f" năm {nominee.innovation_year}" if nominee.innovation_year else ""
            return _Judged(
                "pass" if ok else "fail",
                f"Sáng kiến được công nhận ở {LEVEL_NAMES_VI[nominee.innovation_level].lower()}{when}; cần từ {need} trở lên",
                "nominee.innovation_level",
            )
        case InnovationBenefit():
            return _judge_benefit(c, nominee)
        case OncePerLifetime():
            return _once_per_lifetime(award, nominee, prior)
        case MinMonthsEmployed():
            field = "nominee.months_employed"
            if nominee.months_employed is None:
                return _Judged("undeclared", "Chưa khai báo số tháng công tác", field)
            ok = nominee.months_employed >= c.months
            return _Judged("pass" if ok else "fail", f"Công tác {nominee.months_employed} tháng, cần từ {c.months} tháng", field)
        case MaxAbsence():
            field = "nominee.absence_working_days"
            if nominee.absence_working_days is None:
                return _Judged("undeclared", "Chưa khai báo số ngày nghỉ", field)
            exempt = min(nominee.absence_exempt_working_days or 0, nominee.absence_working_days) if c.exempt else 0
            counted = nominee.absence_working_days - exempt
            excluded = f" (trừ {exempt} ngày {', '.join(c.exempt)})" if exempt else ""
            return _Judged(
                "pass" if counted < c.below else "fail",
                f"Nghỉ {counted} ngày làm việc{excluded}, quy định dưới {c.below} ngày",
                field,
            )
        case NoDiscipline():
            return _judge_discipline(c, nominee)
        case PledgeRegistered():
            field = "nominee.pledge_registered"
            if nominee.pledge_registered is None:
                return _Judged("undeclared", f"Chưa khai báo đăng ký thi đua năm {year}", field)
            return _Judged(
                "pass" if nominee.pledge_registered else "fail",
                f"Đăng ký thi đua năm {year}: " + ("đã đăng ký" if nominee.pledge_registered else "không đăng ký"),
                field,
            )
        case ActiveMembership():
            field = "nominee.union_member_active"
            if nominee.union_member_active is None:
                return _Judged("undeclared", "Chưa khai báo tình trạng đoàn viên", field)
            return _Judged(
                "pass" if nominee.union_member_active else "fail",
                "Đoàn viên "
                + ("đang sinh hoạt, đóng đoàn phí" if nominee.union_member_active else "không sinh hoạt hoặc chưa đóng đoàn phí"),
                field,
            )
        case MinUnionServiceYears():
            field = "nominee.union_service_years"
            if nominee.union_service_years is None:
                return _Judged("undeclared", "Chưa khai báo số năm công tác trong tổ chức Công đoàn", field)
            return _Judged(
                "pass" if nominee.union_service_years >= c.years else "fail",
                f"Công tác trong tổ chức Công đoàn {nominee.union_service_years} năm, cần từ {c.years} năm",
                field,
            )
    raise TypeError(f"no eligibility judgement for criterion {type(c).__name__}")


def _judge_benefit(c: InnovationBenefit, nominee: Nominee) -> _Judged:
    field = "nominee.innovation_benefit_vnd"
    single, total, span = (
        nominee.innovation_benefit_vnd,
        nominee.innovation_benefit_cumulative_vnd,
        nominee.innovation_benefit_cumulative_years,
    )
    parts: list[str] = []
    passed = False
    if c.min_single_vnd is not None and single is not None:
        passed |= single >= c.min_single_vnd
        parts.append(f"một giải pháp làm lợi {_vnd(single)} (cần ≥ {_vnd(c.min_single_vnd)})")
    if c.cumulative_min_vnd is not None and c.cumulative_years is not None and total is not None and span is not None:
        passed |= span >= c.cumulative_years and total >= c.cumulative_min_vnd
        parts.append(f"{span} năm liên tục làm lợi {_vnd(total)} (cần {c.cumulative_years} năm, ≥ {_vnd(c.cumulative_min_vnd)})")
    if not parts:
        return _Judged("undeclared", "Chưa khai báo giá trị làm lợi của sáng kiến", field)
    return _Judged("pass" if passed else "fail", "; ".join(parts), field)


def _judge_discipline(c: NoDiscipline, nominee: Nominee) -> _Judged:
    field = "nominee.disciplined"
    from_rank = DISCIPLINE_FORMS.index(c.from_level)
    parts: list[str] = []
    outcome: Outcome = "pass"
    if nominee.disciplined is None:
        outcome = "undeclared"
        parts.append("chưa khai báo kỷ luật")
    elif not nominee.disciplined:
        parts.append("không bị kỷ luật")
    elif nominee.discipline_form is None:
        if from_rank == 0:
            outcome = "fail"
            parts.append("bị kỷ luật")
        else:
            outcome = "undeclared"
            parts.append("bị kỷ luật nhưng chưa khai báo hình thức")
    else:
        field = "nominee.discipline_form"
        heavy = DISCIPLINE_FORMS.index(nominee.discipline_form) >= from_rank
        outcome = "fail" if heavy else "pass"
        parts.append(f"bị kỷ luật hình thức {DISCIPLINE_VI[nominee.discipline_form]}")
    if c.administrative_sanction:
        if nominee.administrative_sanction:
            outcome = "fail"
            field = "nominee.administrative_sanction"
            parts.append("bị xử phạt hành chính")
        elif nominee.administrative_sanction is None:
            outcome = outcome if outcome == "fail" else "undeclared"
            parts.append("chưa khai báo xử phạt hành chính")
        else:
            parts.append("không bị xử phạt hành chính")
    detail = "; ".join(parts)
    return _Judged(outcome, detail[:1].upper() + detail[1:] + f" (không xét từ {DISCIPLINE_VI[c.from_level]} trở lên)", field)


def _once_per_lifetime(award: Award, nominee: Nominee, prior: Sequence[PriorNomination]) -> _Judged:
    field = "nominee.title_history"
    declared = sorted(t.year for t in nominee.title_history or () if t.title == award.code)
    known = [p for p in prior if p.award_code == award.code]
    if declared or known:
        seen = [f"đã được tặng năm {y}" for y in declared] + [
            f"{'đã được tặng' if p.status == 'granted' else 'có hồ sơ đang xét'} kỳ {p.period}" for p in known
        ]
        return _Judged("fail", "Mỗi người chỉ được tặng một lần: " + "; ".join(seen), field)
    if nominee.title_history is None:
        return _Judged(
            "undeclared", "Chưa khai báo quá trình khen thưởng; hệ thống chưa có hồ sơ, quyết định nào trước đây", field
        )
    return _Judged("pass", "Chưa từng được tặng (theo khai báo và dữ liệu của hệ thống)", field)


def _check(c: Criterion, judged: _Judged) -> EligibilityCheck:
    if judged.outcome == "pass":
        status: Literal["pass", "fail", "warning"] = "pass"
    elif judged.outcome == "undeclared":
        status = "warning"
    else:
        status = failure_status(c.on_fail, c.confirmed)
    return EligibilityCheck(
        rule=c.type, status=status, message=judged.detail, source=_source(c.source, c.confirmed), field=judged.field
    )


def applies_to(c: Criterion, kind: NomineeKind) -> bool:
    return kind == "individual" or not isinstance(c, INDIVIDUAL_ONLY)


def evaluate_declared(
    award: Award, nominee: Nominee, period: str, *, prior: Sequence[PriorNomination] = (), title_name: TitleName = _default_name
) -> list[EligibilityCheck]:
    """The award's criteria against the declared facts (and, when given, the titles the system granted)."""
    year = _year(period)
    checks: list[EligibilityCheck] = []
    for c in award.criteria:
        if not applies_to(c, nominee.kind):
            continue
        checks.append(_check(c, _judge(c, award, nominee, year, prior, title_name)))
    return checks


# Rules between awards: the nominee's other nominations and awards


def same_achievement(a: str, b: str) -> bool:
    return normalize_name(a) == normalize_name(b)


def _one_achievement(
    rule: OneAchievementRule, award: Award, period: str, achievements: str, prior: Sequence[PriorNomination]
) -> EligibilityCheck:
    same_period = [p for p in prior if p.period == period]
    repeated = [p for p in same_period if same_achievement(p.achievements, achievements)]
    base = "Một thành tích chỉ được đề nghị một hình thức khen thưởng"
    if repeated:
        listed = "; ".join(f"“{p.award_name}” ({'đã khen' if p.status == 'granted' else 'đang xét'})" for p in repeated)
        status: Literal["pass", "fail", "warning"] = failure_status(rule.on_fail, rule.confirmed)
        message = f"{base}: cùng thành tích đã được đề nghị trong kỳ {period}: {listed}"
    elif same_period:
        listed = "; ".join(f"“{p.award_name}”" for p in same_period)
        status = "warning"
        message = f"{base}: đối tượng còn hồ sơ khác trong kỳ {period} ({listed}) với thành tích khác; cần đối chiếu không trùng"
    else:
        status = "pass"
        message = f"{base}: không có hồ sơ, quyết định nào khác của đối tượng trong kỳ {period}"
    return EligibilityCheck(
        rule="one_achievement", status=status, message=message, source=_source(rule.source, rule.confirmed), field="achievements"
    )


SCOPE_VI: dict[str, str] = {"comprehensive": "toàn diện", "topical": "chuyên đề"}


def exempt_from_scope_rule(rule: ComprehensiveVsTopicalRule, award: Award) -> bool:
    """Ad hoc awards and awards of a campaign ("theo đợt") do not count as toàn diện or chuyên đề."""
    by_campaign = rule.exempt_campaign_awards and any(q.per == "campaign" for q in award.quotas)
    return award.scope is None or award.kind in rule.exempt_kinds or by_campaign


def scope_conflicts(
    rule: ComprehensiveVsTopicalRule, award: Award, period: str, prior: Sequence[PriorNomination]
) -> list[PriorNomination]:
    """The nominee's other nominations of the same year that make this one a second, different-scope award at its level."""
    if exempt_from_scope_rule(rule, award):
        return []
    return [
        p
        for p in prior
        if p.award is not None
        and _year(p.period) == _year(period)
        and p.award.awarding_level == award.awarding_level
        and p.award.scope is not None
        and p.award.scope != award.scope
        and not exempt_from_scope_rule(rule, p.award)
    ]


def _comprehensive_vs_topical(
    rule: ComprehensiveVsTopicalRule, award: Award, period: str, prior: Sequence[PriorNomination]
) -> EligibilityCheck | None:
    if exempt_from_scope_rule(rule, award):
        return None
    assert award.scope is not None
    level = LEVEL_NAMES_VI[award.awarding_level].lower()
    base = f"Không đồng thời khen toàn diện và chuyên đề ở {level} trong một năm (trừ khen đột xuất, theo đợt)"
    conflicts = scope_conflicts(rule, award, period, prior)
    if conflicts:
        listed = "; ".join(
            f"“{p.award_name}” ({SCOPE_VI[p.award.scope] if p.award and p.award.scope else ''}, "
            f"{'đã khen' if p.status == 'granted' else 'đang xét'}, kỳ {p.period})"
            for p in conflicts
        )
        status: Literal["pass", "fail", "warning"] = failure_status(rule.on_fail, rule.confirmed)
        message = f"{base}: hồ sơ này là khen {SCOPE_VI[award.scope]}, năm {_year(period)} đã có {listed}"
    else:
        status = "pass"
        other = SCOPE_VI["topical" if award.scope == "comprehensive" else "comprehensive"]
        message = f"{base}: năm {_year(period)} không có khen {other} nào ở cấp này"
    return EligibilityCheck(
        rule="comprehensive_vs_topical",
        status=status,
        message=message,
        source=_source(rule.source, rule.confirmed),
        field="award_code",
    )


# Quotas


def quota_unit(quota: Quota, award: Award, unit_path: Sequence[UnitRef]) -> UnitRef | None:
    """The unit whose nominations count against a quota, or None when the system cannot count them (a share of a
    title the grassroots decides, which never passes through the workflow)."""
    if quota.share_percent is not None:
        return None
    level: Level = (quota.proposing_level or "grassroots") if quota.per == "proposing_unit_year" else award.awarding_level
    return next((u for u in unit_path if u.level == level), None)


APPROXIMATE: dict[str, str] = {
    "topic_year": "hồ sơ chưa ghi chuyên đề nên đếm chung mọi chuyên đề",
    "campaign": "hồ sơ chưa ghi đợt thi đua nên đếm theo kỳ xét",
}


def judge_quota(usage: QuotaUsage, award: Award, period: str, title_name: TitleName = _default_name) -> EligibilityCheck:
    q = usage.quota
    source = _source(q.source, q.confirmed)
    rule = f"Hạn mức “{award.name}”: {q.describe()}"
    if q.share_of:
        rule = rule.replace(q.share_of, f"“{title_name(q.share_of)}”")
    if usage.used is None or usage.unit is None or q.limit is None:
        why = (
            f"hệ thống chưa có số người đạt “{title_name(q.share_of)}” của đơn vị"
            if q.share_of
            else "không xác định được đơn vị tính"
        )
        return EligibilityCheck(rule="quota", status="warning", message=f"{rule}: chưa tính được ({why})", source=source)
    position = usage.used + 1
    within = position <= q.limit
    note = f" ({APPROXIMATE[q.per]})" if q.per in APPROXIMATE and not usage.exact else ""
    counted = f"đã có {usage.used} hồ sơ kỳ {period} thuộc {usage.unit.short_name}, hồ sơ này là thứ {position}"
    if within:
        status: Literal["pass", "fail", "warning"] = "pass"
        message = f"{rule}: {counted}, còn {q.limit - position} chỗ{note}"
    else:
        status = failure_status(q.on_fail, q.confirmed) if not note else "warning"
        message = f"{rule}: {counted}, vượt hạn mức {q.limit}{note}"
    return EligibilityCheck(rule="quota", status=status, message=message, source=source)


# Everything at submission


def evaluate(
    *,
    award: Award,
    nominee: Nominee,
    period: str,
    achievements: str,
    prior: Sequence[PriorNomination],
    quotas: Sequence[QuotaUsage],
    rules: EligibilityRules,
    title_name: TitleName = _default_name,
) -> list[EligibilityCheck]:
    """Every check of a submission: the award's criteria, the rules between awards, then the quotas."""
    checks = [_one_achievement(rules.one_achievement, award, period, achievements, prior)]
    scope = _comprehensive_vs_topical(rules.comprehensive_vs_topical, award, period, prior)
    if scope is not None:
        checks.append(scope)
    checks += evaluate_declared(award, nominee, period, prior=prior, title_name=title_name)
    checks += [judge_quota(u, award, period, title_name) for u in quotas]
    return checks


def failures(checks: Iterable[EligibilityCheck]) -> list[EligibilityCheck]:
    return [c for c in checks if c.status == "fail"]


# What the submission form asks for


def facts_needed(award: Award, kind: NomineeKind) -> list[str]:  # noqa: PLR0912 - one case per criterion kind
    """The declared facts the award's criteria need for this kind of nominee, in criterion order, e.g.
    ["months_employed", "title_years:chien_si_thi_dua_co_so"]; the portal renders one input per fact."""
    facts: list[str] = []
    for c in award.criteria:
        if not applies_to(c, kind):
            continue
        match c:
            case ConsecutiveTitles() | TitleSameYear():
                facts.append(f"title_years:{c.title}")
            case OncePerLifetime():
                facts.append(f"title_years:{award.code}")
            case DutyRatingCriterion():
                facts.append(f"rating_years:{c.min_rating}")
            case RecognisedInnovation():
                facts += ["innovation_recognised", "innovation_level", "innovation_year"]
            case InnovationBenefit():
                facts.append("innovation_benefit_vnd")
                if c.cumulative_min_vnd is not None:
                    facts += ["innovation_benefit_cumulative_vnd", "innovation_benefit_cumulative_years"]
            case MinMonthsEmployed():
                facts.append("months_employed")
            case MaxAbsence():
                facts.append("absence_working_days")
                if c.exempt:
                    facts.append("absence_exempt_working_days")
            case NoDiscipline():
                facts += ["disciplined", "discipline_form"] + (["administrative_sanction"] if c.administrative_sanction else [])
            case PledgeRegistered():
                facts.append("pledge_registered")
            case ActiveMembership():
                facts.append("union_member_active")
            case MinUnionServiceYears():
                facts.append("union_service_years")
    return list(dict.fromkeys(facts))
