"""Decision numbering and prize amounts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.awards.domain.decision import number_for, prize_for
from shared.contracts.values import NomineeKind
from tests.unit.factories import award, unit

ON = date(2025, 3, 1)


def test_first_decision_of_the_year_is_number_one_with_the_issuers_suffix() -> None:
    number = number_for(unit("HN"), 2025, 0)
    assert number.number == 1
    assert number.year == 2025
    assert number.text == "1/QĐ-LĐLĐ"


@given(last=st.integers(0, 100_000))
def test_next_decision_number_follows_the_last_one(last: int) -> None:
    number = number_for(unit("HN-SONTAY"), 2025, last)
    assert number.number == last + 1
    assert number.text == f"{last + 1}/QĐ-LĐLĐ"


def test_national_decisions_carry_the_national_suffix() -> None:
    assert number_for(unit("TLD"), 2025, 14).text == "15/QĐ-TLĐ"


def test_an_issuer_without_a_suffix_numbers_plain_qd() -> None:
    assert number_for(unit("HN-SONTAY-DST"), 2025, 2).text == "3/QĐ"


@pytest.mark.parametrize(
    ("award_code", "kind", "coefficient", "amount"),
    [
        ("bang_khen_tong_ldld", "individual", "1.0", 2_340_000),
        ("bang_khen_tong_ldld", "collective", "2.0", 4_680_000),
        ("giay_khen_ldld_huyen", "individual", "0.3", 710_000),
        ("giay_khen_ldld_huyen", "collective", "0.6", 1_410_000),
        ("cong_nhan_gioi_thu_do", "individual", "1.0", 2_340_000),
    ],
)
def test_prize_uses_the_coefficient_for_the_nominee_kind(
    award_code: str, kind: NomineeKind, coefficient: str, amount: int
) -> None:
    prize = prize_for(award(award_code), kind, 2_340_000, ON)
    assert prize.coefficient == coefficient
    assert prize.amount_vnd == amount
    assert prize.base_salary_vnd == 2_340_000
    assert prize.on == ON


def test_a_collective_gets_the_collective_coefficient_not_the_individual_one() -> None:
    bang_khen = award("bang_khen_tong_ldld")
    individual = prize_for(bang_khen, "individual", 1_800_000, ON)
    collective = prize_for(bang_khen, "collective", 1_800_000, ON)
    assert collective.amount_vnd == 2 * individual.amount_vnd == 3_600_000
