"""Decision numbering and prize amounts: pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.contracts.values import NomineeKind, UnitRef
from shared.rules.catalog import Award
from shared.rules.reference import prize_amount, prize_rounding_on


@dataclass(frozen=True)
class DecisionNumber:
    """A gapless number per issuing unit per year: '15/QĐ-LĐLĐ'."""

    number: int
    year: int
    suffix: str

    @property
    def text(self) -> str:
        return f"{self.number}/{self.suffix}"


def number_for(issuer: UnitRef, year: int, last_number: int) -> DecisionNumber:
    return DecisionNumber(number=last_number + 1, year=year, suffix=issuer.decision_suffix or "QĐ")


@dataclass(frozen=True)
class Prize:
    coefficient: str
    base_salary_vnd: int
    amount_vnd: int
    on: date


def prize_for(award: Award, nominee_kind: NomineeKind, base_salary_vnd: int, on: date) -> Prize:
    """Coefficient x base salary in force on `on`, rounded as the rule in force then says (parameters.toml)."""
    coefficient = award.coefficient_for(nominee_kind)
    rounding = prize_rounding_on(on)
    amount = prize_amount(coefficient, base_salary_vnd, rounding.step_vnd if rounding else 0)
    return Prize(str(coefficient), base_salary_vnd, amount, on)


def proposal_number_for(issuer: UnitRef, year: int, last_number: int) -> DecisionNumber:
    """A tờ trình's own gapless series per issuer per year: '3/TTr-LĐLĐ' beside '15/QĐ-LĐLĐ'."""
    suffix = issuer.decision_suffix or "QĐ"
    return DecisionNumber(number=last_number + 1, year=year, suffix="TTr" + suffix.removeprefix("QĐ"))
