"""Decision numbering and prize amounts: pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from shared.contracts.values import NomineeKind, UnitRef
from shared.rules.catalog import Award, PrizeKind
from shared.rules.forwarding import proposal_symbol
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
    amount_vnd: int  # đồng: the money, or a gift's value
    on: date
    kind: PrizeKind = "coefficient"


def prize_for(award: Award, nominee_kind: NomineeKind, base_salary_vnd: int, on: date) -> Prize:
    """Coefficient x base salary in force on `on`, rounded as the rule in force then says (parameters.toml); or the
    catalogue's flat amount or gift value (0 when the catalogue does not know it: the unit sets it on the draft)."""
    if award.prize is not None:
        return Prize("0", base_salary_vnd, award.prize.amount_for(nominee_kind) or 0, on, award.prize.kind)
    coefficient = award.coefficient_for(nominee_kind)
    rounding = prize_rounding_on(on)
    amount = prize_amount(coefficient, base_salary_vnd, rounding.step_vnd if rounding else 0)
    return Prize(str(coefficient), base_salary_vnd, amount, on)


@dataclass(frozen=True)
class PrizeLine:
    """What a nominee of a draft decision would receive: the catalogue's amount, the unit's own (set on the draft,
    where the catalogue knows none), none at all (the catalogue confirms the award carries no prize), or unknown."""

    amount_vnd: int | None  # None: unknown
    source: Literal["catalogue", "unit", "none", "unknown"]
    kind: PrizeKind = "coefficient"  # a gift's line is its value

    @property
    def known(self) -> bool:
        return self.amount_vnd is not None


def prize_line(award: Award, nominee_kind: NomineeKind, base_salary_vnd: int, on: date, set_by_unit: int | None) -> PrizeLine:
    """The prize a signature would grant: coefficient x base salary when the catalogue has a coefficient; else the
    amount the unit set on the draft; else none when the catalogue confirms there is none; else unknown, which blocks
    signing (a decision never states an amount, or its absence, that nobody knows)."""
    kind = award.prize_kind
    if kind == "none":
        return PrizeLine(0, "none", kind)  # the catalogue says there is none (if unconfirmed, its source says so)
    amount = prize_for(award, nominee_kind, base_salary_vnd, on).amount_vnd
    if amount > 0:
        return PrizeLine(amount, "catalogue", kind)
    if set_by_unit is not None:
        return PrizeLine(set_by_unit, "unit", kind)
    if award.prize is None and award.coefficient_confirmed:
        return PrizeLine(0, "none")
    return PrizeLine(None, "unknown", kind)


def proposal_number_for(issuer: UnitRef, year: int, last_number: int) -> DecisionNumber:
    """A tờ trình's number in the issuer's one register of the year, with its own symbol: '16/TTr-LĐLĐ' after
    '15/QĐ-LĐLĐ'."""
    return DecisionNumber(number=last_number + 1, year=year, suffix=proposal_symbol(issuer.decision_suffix))
