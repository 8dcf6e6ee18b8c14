"""Award periods: parsing per kind, canonical text, ordering, the current period, and intake by the award's kind."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from services.registration.domain.nomination import validate_intake
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Nominee
from shared.rules import periods
from shared.rules.eligibility import chain_satisfied, run_ending_at
from shared.rules.periods import Period, PeriodError
from shared.rules.rulebook import Rulebook
from tests.unit.factories import award, path, unit

RULES = Rulebook().period_rules_on(date(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "kind", "canonical"),
    [
        ("2025", "calendar_year", "2025"),
        ("2024-2025", "school_year", "2024-2025"),
        ("2024 – 2025", "school_year", "2024-2025"),
        ("2024/2025", "school_year", "2024-2025"),
        ("2023-2028", "term", "2023-2028"),
        ("2023 — 2028", "term", "2023-2028"),
    ],
)
def test_a_period_of_its_kind_is_written_back_in_one_form(text: str, kind: periods.PeriodKind, canonical: str) -> None:
    assert periods.normalize(text, kind) == canonical


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("2024-2025", "calendar_year", "năm, ví dụ 2025"),
        ("2025", "school_year", "năm học, ví dụ 2024-2025"),
        ("2024-2026", "school_year", "hai năm liền nhau, ví dụ 2024-2025"),
        ("2025-2024", "school_year", "hai năm liền nhau"),
        ("2025", "term", "giai đoạn, ví dụ 2023-2028"),
        ("2028-2023", "term", "năm kết thúc sau năm bắt đầu"),
        ("2020-2035", "term", "tối đa 10 năm"),
        ("năm 2025", "calendar_year", "ví dụ 2025"),
        ("２０２５", "calendar_year", "ví dụ 2025"),  # full-width digits are not a year
        ("1999", "calendar_year", "không hợp lệ"),
        ("2024-2025 ", "school_year", "ví dụ 2024-2025"),
    ],
)
def test_a_period_of_the_wrong_shape_is_refused_in_vietnamese(text: str, kind: periods.PeriodKind, words: str) -> None:
    with pytest.raises(PeriodError) as raised:
        periods.parse(text, kind)
    assert words in raised.value.message


def test_periods_order_by_start_then_end_year_across_kinds() -> None:
    stored = ["2025", "2024-2025", "2023-2028", "2024", "2023-2024", "không rõ"]
    assert sorted(stored, key=periods.sort_key) == ["2023-2024", "2023-2028", "2024", "2024-2025", "2025", "không rõ"]
    assert Period(2024, 2024, "calendar_year") < Period(2024, 2025, "school_year") < Period(2025, 2025, "calendar_year")


def test_the_kind_of_a_stored_period_is_read_from_its_shape() -> None:
    assert periods.kind_of("2025") == "calendar_year"
    assert periods.kind_of("2024-2025") == "school_year"
    assert periods.kind_of("2023-2028") == "term"
    assert periods.kind_of("") is None


def test_the_previous_period_is_of_the_same_kind() -> None:
    assert Period(2025, 2025, "calendar_year").previous().text == "2024"
    assert Period(2024, 2025, "school_year").previous().text == "2023-2024"
    assert Period(2023, 2028, "term").previous().text == "2018-2023"


def test_a_school_year_runs_from_the_configured_start_day() -> None:
    assert RULES.school_year_starts == "09-01"
    assert not RULES.school_year_confirmed  # 1/9–31/8 is the usual year, unconfirmed by the seeds
    school_year = periods.parse("2024-2025", "school_year")
    assert school_year.bounds(RULES) == (date(2024, 9, 1), date(2025, 8, 31))
    assert periods.parse("2023-2028", "term").bounds(RULES) == (date(2023, 1, 1), date(2028, 12, 31))


@pytest.mark.parametrize(
    ("today", "kind", "expected"),
    [
        (date(2025, 8, 31), "school_year", "2024-2025"),
        (date(2025, 9, 1), "school_year", "2025-2026"),
        (date(2026, 1, 15), "school_year", "2025-2026"),
        (date(2026, 1, 15), "calendar_year", "2026"),
        (date(2026, 1, 15), "term", "2023-2028"),
    ],
)
def test_the_current_period_of_each_kind(today: date, kind: periods.PeriodKind, expected: str) -> None:
    assert periods.current(kind, today, RULES).text == expected


def test_a_later_dated_rule_moves_the_school_year_start(tmp_path: Path) -> None:
    rules = tmp_path / "periods.toml"
    rules.write_text(
        Path(periods.RULES_FILE).read_text(encoding="utf-8")
        + '\n[[rules]]\neffective_from = 2026-01-01\nschool_year_starts = "08-15"\n'
        'school_year_source = "Kế hoạch năm học (ví dụ)"\ncurrent_term = "2028-2033"\nterm_source = "ví dụ"\n',
        encoding="utf-8",
    )
    before, after = periods.rules_on(date(2025, 12, 31), rules), periods.rules_on(date(2026, 1, 1), rules)
    assert (before.school_year_starts, after.school_year_starts) == ("09-01", "08-15")
    assert after.school_year_confirmed
    assert periods.current("school_year", date(2026, 8, 20), after).text == "2026-2027"
    assert periods.current("school_year", date(2026, 8, 20), before).text == "2025-2026"
    assert periods.current("term", date(2026, 8, 20), after).text == "2028-2033"


def test_consecutive_school_years_chain_as_their_start_years() -> None:
    # School years 2022-2023, 2023-2024, 2024-2025 are three in a row; calendar year 2022 meets school year "2022-2023".
    years = {periods.start_year(p) for p in ("2022-2023", "2023-2024", "2024-2025")}
    assert run_ending_at(years, periods.start_year("2024-2025")) == 3
    assert chain_satisfied({2022, 2023} | {periods.start_year("2024-2025")}, 3, periods.start_year("2025-2026"))
    assert not chain_satisfied({periods.start_year("2021-2022"), 2023}, 2, 2024)


# Intake by the award's period kind


def intake(award_code: str, period: str, current_year: int = 2025) -> str:
    return validate_intake(
        unit=unit("HN-SONTAY-DST"),
        unit_path=path("HN-SONTAY-DST"),
        award=award(award_code),
        nominee=Nominee(kind="individual", name="Nguyễn Thị Hoa"),
        period=period,
        achievements="Hoàn thành xuất sắc nhiệm vụ năm học, giáo viên dạy giỏi cấp huyện.",
        council_vote=None,
        current_year=current_year,
    )


def period_refusal(award_code: str, period: str) -> str:
    with pytest.raises(ValidationFailed) as raised:
        intake(award_code, period)
    [error] = raised.value.fields
    assert error.field == "period"
    return error.message


def test_the_school_year_award_is_marked_with_its_period_kind() -> None:
    assert award("giay_khen_ldld_huyen_nam_hoc").period_kind == "school_year"
    assert award("giay_khen_ldld_huyen").period_kind == "calendar_year"  # the default


def test_intake_accepts_the_period_of_the_awards_kind_and_returns_it_canonical() -> None:
    assert intake("giay_khen_ldld_huyen_nam_hoc", "2024 - 2025") == "2024-2025"
    assert intake("giay_khen_ldld_huyen", "2025") == "2025"


def test_intake_refuses_a_period_of_another_kind_naming_the_field() -> None:
    assert period_refusal("giay_khen_ldld_huyen_nam_hoc", "2025") == "Kỳ xét của hình thức này là năm học, ví dụ 2024-2025"
    assert "là năm, ví dụ 2025" in period_refusal("giay_khen_ldld_huyen", "2024-2025")


def test_intake_refuses_a_school_year_too_far_back() -> None:
    assert period_refusal("giay_khen_ldld_huyen_nam_hoc", "2018-2019") == "Năm học phải bắt đầu trong khoảng 2020–2026"
    assert period_refusal("giay_khen_ldld_huyen", "2019") == "Kỳ xét phải trong khoảng 2020–2026"
