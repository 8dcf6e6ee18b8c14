"""Reference data that lives in files, not code: the unit tree and dated parameters (the catalogue is `shared.rules.catalog`)."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.commands import Campaign
from shared.contracts.values import LEVEL_NAMES_VI, LEVEL_RANK, Level, NomineeKind, UnitRef
from shared.rules.catalog import Award, Catalog, CatalogSet, award_on, catalog_on, catalogs_on
from shared.rules.dated import in_force, require_in_force

DATA_DIR = Path(__file__).resolve().parents[1] / "data"

__all__ = [
    "DATA_DIR",
    "LEVEL_NAMES_VI",
    "LEVEL_RANK",
    "Award",
    "Catalog",
    "CatalogSet",
    "DatedValue",
    "Level",
    "NomineeKind",
    "PrizeRounding",
    "Unit",
    "UnitRef",
    "UnitTree",
    "award_on",
    "base_salary_on",
    "catalog_on",
    "catalogs_on",
    "load_seed_campaigns",
    "load_units",
    "prize_amount",
    "prize_rounding_on",
]


class ParentSpan(BaseModel):
    """A unit's parent from `valid_from` (inclusive) until `valid_to` (exclusive); None: open-ended."""

    model_config = ConfigDict(frozen=True)

    parent: str
    valid_from: date | None = None
    valid_to: date | None = None

    def covers(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)


class Unit(UnitRef):
    """A unit of the dated tree. It exists from `valid_from` until `valid_to` (exclusive; None: open-ended).
    `parent` is its current parent; `parent_history`, when given, is every parent it had, dated.
    Level "district" is the role "cấp trên trực tiếp cơ sở": a district union, a ward union, a sector union…"""

    parent: str | None = None
    sector: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    parent_history: tuple[ParentSpan, ...] = ()

    def ref(self) -> UnitRef:
        return UnitRef(
            code=self.code,
            name=self.name,
            short_name=self.short_name,
            level=self.level,
            decision_suffix=self.decision_suffix,
        )

    def exists_on(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (self.valid_to is None or on < self.valid_to)

    def parent_on(self, on: date) -> str | None:
        if not self.exists_on(on):
            return None
        if not self.parent_history:
            return self.parent
        return next((span.parent for span in self.parent_history if span.covers(on)), None)


class UnitTree:
    def __init__(self, units: list[Unit]) -> None:
        self.units = {u.code: u for u in units}
        for u in units:
            for parent in {u.parent, *(span.parent for span in u.parent_history)} - {None}:
                assert parent is not None
                if parent not in self.units:
                    raise ValueError(f"unit {u.code} has unknown parent {parent}")
                if LEVEL_RANK[self.units[parent].level] <= LEVEL_RANK[u.level]:
                    raise ValueError(f"unit {u.code} is not below its parent {parent}")

    def get(self, code: str) -> Unit | None:
        return self.units.get(code)

    def path(self, code: str) -> list[UnitRef]:
        """The unit and its ancestors, nearest first, up to the root."""
        chain: list[UnitRef] = []
        unit = self.units.get(code)
        while unit is not None and len(chain) <= len(self.units):
            chain.append(unit.ref())
            unit = self.units.get(unit.parent) if unit.parent else None
        return chain

    def path_on(self, code: str, on: date) -> list[UnitRef]:
        """The unit and its ancestors as the tree stood on `on`; empty if the unit did not exist then."""
        chain: list[UnitRef] = []
        unit = self.units.get(code)
        while unit is not None and unit.exists_on(on) and len(chain) <= len(self.units):
            chain.append(unit.ref())
            parent = unit.parent_on(on)
            unit = self.units.get(parent) if parent else None
        return chain

    def children_on(self, code: str, on: date) -> list[Unit]:
        return [u for u in self.units.values() if u.parent_on(on) == code]


def load_units(path: Path = DATA_DIR / "units.toml") -> list[Unit]:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    units = [Unit.model_validate(u) for u in raw["units"]]
    UnitTree(units)  # validates parents and levels
    return units


class DatedValue(BaseModel):
    effective_from: date
    value: int
    source: str = ""


@cache
def _base_salaries(path: Path) -> tuple[DatedValue, ...]:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return tuple(sorted((DatedValue.model_validate(v) for v in raw["base_salary_vnd"]), key=lambda v: v.effective_from))


def base_salary_on(on: date, override: int | None = None, path: Path = DATA_DIR / "parameters.toml") -> int:
    if override is not None:
        return override
    return require_in_force(_base_salaries(path), on, "base salary").value


class PrizeRounding(BaseModel):
    """Prizes rounded up to a multiple of `step_vnd` from `effective_from` (parameters.toml, with its source)."""

    effective_from: date
    step_vnd: int = Field(gt=0)
    direction: Literal["up"] = "up"
    source: str = ""
    confirmed: bool = False


@cache
def _prize_roundings(path: Path) -> tuple[PrizeRounding, ...]:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    return tuple(PrizeRounding.model_validate(v) for v in raw.get("prize_rounding", []))


def prize_rounding_on(on: date, path: Path = DATA_DIR / "parameters.toml") -> PrizeRounding | None:
    """The rounding rule in force on `on`; None before every entry (whole đồng)."""
    return in_force(_prize_roundings(path), on)


def prize_amount(coefficient: Decimal, base_salary: int, step_vnd: int = 0) -> int:
    """Prize in whole đồng, rounded half up; with `step_vnd`, then up to its next multiple (10.000: 1.234.567 -> 1.240.000)."""
    amount = int((coefficient * base_salary).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if step_vnd > 0:
        amount = -(-amount // step_vnd) * step_vnd
    return amount


def load_seed_campaigns(path: Path = DATA_DIR / "campaigns.toml") -> list[Campaign]:
    """The example campaigns `thidua migrate` loads into registration (the 2023 peak campaign of LĐLĐ TP Hà Nội)."""
    with path.open("rb") as f:
        return [Campaign.model_validate(c) for c in tomllib.load(f).get("campaigns", [])]
