"""`thidua seed-reports` generates the seeds' scale deterministically: 285 CĐCS in Thanh Xuân, Sơn Tây's 2024
innovations as seed 003 counts them per sector, and keys that make a second run record nothing."""

from __future__ import annotations

from collections import Counter

from shared.contracts.commands import Reorganisation
from shared.rules.reference import load_units
from thidua.seedreports import cdcs_by_parent, demo_entries, units_reorganisation, wards_reorganisation


def test_thanh_xuan_has_285_cdcs_in_three_sectors_and_son_tay_120() -> None:
    cdcs = cdcs_by_parent(2024)
    assert len(cdcs["HN-THANHXUAN"]) == 285
    assert len(cdcs["HN-SONTAY"]) == 120
    assert set(Counter(cdcs["HN-THANHXUAN"].values())) == {"public_administration", "school", "enterprise"}


def test_son_tay_2024_innovations_are_the_seed_figures_per_sector() -> None:
    sector = {code: s for units in cdcs_by_parent(2024).values() for code, s in units.items()}
    son_tay = cdcs_by_parent(2024)["HN-SONTAY"]
    counted = Counter(
        sector[code]
        for code, rows in demo_entries(2024).items()
        if code in son_tay
        for r in rows
        if r["award_code"] == "sang_kien_co_so" and r["decided_on"].startswith("2024")
    )
    assert counted == {"public_administration": 75, "school": 446, "enterprise": 1301}


def test_the_same_seed_gives_the_same_rows_with_unique_keys() -> None:
    first, again = demo_entries(7), demo_entries(7)
    assert first == again
    keys = [r["entry_key"] for rows in first.values() for r in rows]
    assert len(keys) == len(set(keys)) > 10_000
    assert all(len(k) <= 64 for k in keys)


def test_the_generated_reorganisations_are_valid_commands_with_codes_not_in_the_unit_file() -> None:
    existing = {u.code for u in load_units()}
    units = Reorganisation.model_validate(units_reorganisation(2024))
    wards = Reorganisation.model_validate(wards_reorganisation(2024))
    assert len(units.create) == 401  # 283 in Thanh Xuân (+ its 2 in the unit file), 118 in Sơn Tây (+ 2)
    assert not {u.code for u in units.create} & existing
    assert {m.to for m in wards.move} == {"HN-P-THANHXUAN", "HN-P-KHUONGDINH", "HN-P-PHUONGLIET", "HN-P-SONTAY", "HN-P-TUNGTHIEN"}
    assert {m.unit for m in wards.move} == {u.code for u in units.create}  # no generated CĐCS left under a closed district
