"""Reference data: the unit tree, the dated award catalogue, the base salary and prize rounding."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.values import LEVEL_RANK, Level
from shared.rules.catalog import catalog_on
from shared.rules.reference import Unit, UnitTree, base_salary_on, load_units, prize_amount

REQUIRED_UNITS = [
    "TLD",
    "HN",
    "HN-SONTAY",
    "HN-THANHXUAN",
    "HN-MYDUC",
    "HN-BACTULIEM",
    "HN-SONTAY-DST",
    "HN-HADONG-VANQUAN",
]


def make_unit(code: str, level: Level, parent: str | None = None) -> Unit:
    return Unit(code=code, name=code, short_name=code, level=level, parent=parent)


# Unit tree


def test_the_demo_unit_tree_loads_and_holds_every_required_unit() -> None:
    codes = {u.code for u in load_units()}
    assert set(REQUIRED_UNITS) <= codes


def test_path_of_a_grassroots_union_climbs_to_the_root_nearest_first() -> None:
    tree = UnitTree(load_units())
    assert [u.code for u in tree.path("HN-SONTAY-DST")] == ["HN-SONTAY-DST", "HN-SONTAY", "HN", "TLD"]
    assert [u.level for u in tree.path("HN-SONTAY-DST")] == ["grassroots", "district", "city", "national"]


def test_every_unit_in_the_demo_tree_reaches_the_national_root_through_rising_levels() -> None:
    tree = UnitTree(load_units())
    for code in tree.units:
        chain = tree.path(code)
        assert chain[-1].code == "TLD"
        ranks = [LEVEL_RANK[u.level] for u in chain]
        assert ranks == sorted(ranks)
        assert len(set(ranks)) == len(ranks)


def test_path_of_an_unknown_unit_is_empty() -> None:
    assert UnitTree(load_units()).path("NOWHERE") == []


def test_unit_tree_rejects_a_unit_with_an_unknown_parent() -> None:
    with pytest.raises(ValueError, match="unknown parent"):
        UnitTree([make_unit("TLD", "national"), make_unit("X", "grassroots", parent="GHOST")])


@pytest.mark.parametrize(
    ("parent_level", "child_level"), [("district", "district"), ("district", "city"), ("grassroots", "district")]
)
def test_unit_tree_rejects_a_child_not_below_its_parent(parent_level: Level, child_level: Level) -> None:
    with pytest.raises(ValueError, match="not below its parent"):
        UnitTree([make_unit("P", parent_level), make_unit("C", child_level, parent="P")])


def test_unit_tree_accepts_a_child_listed_before_its_parent() -> None:
    tree = UnitTree([make_unit("C", "grassroots", parent="P"), make_unit("P", "district")])
    assert [u.code for u in tree.path("C")] == ["C", "P"]


def test_load_units_refuses_a_file_whose_tree_is_broken(tmp_path: Path) -> None:
    broken = tmp_path / "units.toml"
    broken.write_text(
        '[[units]]\ncode = "A"\nname = "A"\nshort_name = "A"\nlevel = "grassroots"\nparent = "MISSING"\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="unknown parent"):
        load_units(broken)


# Award catalogue


def write_catalog(directory: Path, version: str, effective_from: str, award_name: str) -> None:
    (directory / f"{version}.toml").write_text(
        f'version = "{version}"\neffective_from = {effective_from}\ncatalog = "union"\n\n'
        f'[[awards]]\ncode = "giay_khen"\nname = "{award_name}"\nnominee_kinds = ["individual"]\n'
        'awarding_level = "district"\nindividual_coefficient = "0.3"\ncollective_coefficient = "0.6"\n',
        encoding="utf-8",
    )


def test_catalog_on_picks_the_latest_version_already_in_force(tmp_path: Path) -> None:
    write_catalog(tmp_path, "v2", "2026-01-01", "Mới")
    write_catalog(tmp_path, "v1", "2024-07-01", "Cũ")
    assert catalog_on(date(2024, 7, 1), tmp_path).version == "v1"
    assert catalog_on(date(2025, 12, 31), tmp_path).version == "v1"
    assert catalog_on(date(2026, 1, 1), tmp_path).version == "v2"
    latest = catalog_on(date(2030, 1, 1), tmp_path).get("giay_khen")
    assert latest is not None
    assert latest.name == "Mới"


def test_catalog_on_a_date_before_the_first_version_is_a_lookup_error(tmp_path: Path) -> None:
    write_catalog(tmp_path, "v1", "2024-07-01", "Cũ")
    with pytest.raises(LookupError):
        catalog_on(date(2024, 6, 30), tmp_path)


def test_the_shipped_catalogue_starts_on_the_first_of_july_2024() -> None:
    assert catalog_on(date(2024, 7, 1)).version == "union-2024.1"
    with pytest.raises(LookupError):
        catalog_on(date(2024, 6, 30))


@pytest.mark.parametrize(
    ("code", "level", "kinds"),
    [
        ("giay_khen_ldld_huyen", "district", ["individual", "collective"]),
        ("cong_nhan_gioi_thu_do", "city", ["individual"]),
        ("bang_khen_tong_ldld", "national", ["individual", "collective"]),
    ],
)
def test_each_required_award_is_in_the_catalogue_with_its_awarding_level(code: str, level: str, kinds: list[str]) -> None:
    found = catalog_on(date(2025, 1, 1)).get(code)
    assert found is not None
    assert found.awarding_level == level
    assert sorted(found.nominee_kinds) == sorted(kinds)


def test_an_unknown_award_code_is_not_in_the_catalogue() -> None:
    assert catalog_on(date(2025, 1, 1)).get("huan_chuong_lao_dong") is None


# Base salary


@pytest.mark.parametrize(
    ("on", "salary"),
    [
        (date(2023, 7, 1), 1_800_000),
        (date(2024, 6, 30), 1_800_000),
        (date(2024, 7, 1), 2_340_000),
        (date(2030, 1, 1), 2_340_000),
    ],
)
def test_base_salary_is_the_value_in_force_on_the_date(on: date, salary: int) -> None:
    assert base_salary_on(on) == salary


def test_there_is_no_base_salary_before_the_first_dated_value() -> None:
    with pytest.raises(LookupError):
        base_salary_on(date(2023, 6, 30))


@pytest.mark.parametrize("on", [date(2020, 1, 1), date(2023, 7, 1), date(2025, 1, 1)])
def test_a_base_salary_override_applies_on_every_date(on: date) -> None:
    assert base_salary_on(on, override=5_000_000) == 5_000_000


# Prize rounding


@pytest.mark.parametrize(
    ("coefficient", "base", "amount"),
    [
        ("0.3", 2_340_000, 702_000),
        ("2.0", 1_800_000, 3_600_000),
        ("0.5", 1, 1),  # half rounds up (banker's rounding would give 0)
        ("2.5", 1, 3),  # half rounds up (banker's rounding would give 2)
        ("1.5", 1, 2),
        ("0.49", 1, 0),
        ("0.333", 1_000, 333),
        ("0.0005", 1_000, 1),
        ("0", 2_340_000, 0),
    ],
)
def test_prize_amount_is_coefficient_times_salary_rounded_half_up(coefficient: str, base: int, amount: int) -> None:
    assert prize_amount(Decimal(coefficient), base) == amount


@given(
    coefficient=st.decimals(min_value=0, max_value=20, places=3, allow_nan=False, allow_infinity=False),
    base=st.integers(0, 10_000_000),
)
def test_prize_amount_is_the_nearest_dong_with_ties_going_up(coefficient: Decimal, base: int) -> None:
    exact = coefficient * base
    amount = prize_amount(coefficient, base)
    assert isinstance(amount, int)
    assert exact - Decimal("0.5") < amount <= exact + Decimal("0.5")  # ties go up
