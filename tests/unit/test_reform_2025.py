"""The demo tree and the 2025 reform (issue 18): the tree `thidua migrate` loads is the one before the reform, with
the seeds' units where the seeds put them, and every district union of it has one dated file that closes it and
moves each of its CĐCS to a ward or commune union that has a demo login."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from services.portal.users import DEMO_USERS_FILE
from shared.rules.reference import load_units
from thidua.demo_world import APPROVERS, SIGNERS, reorganisation_files

REFORM_DAY = date(2025, 7, 1)


def read(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        return tomllib.load(f)


def logins_by_unit() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for user in read(DEMO_USERS_FILE)["users"]:
        for grant in user["roles"]:
            if grant.get("unit_code"):
                found[grant["unit_code"]].add(grant["role"])
    return found


def district_unions() -> list[str]:
    """The district-level Liên đoàn Lao động of the demo tree (the sector unions are not district unions)."""
    return [u.code for u in load_units() if u.level == "district" and u.name.startswith("Liên đoàn Lao động ")]


def test_the_seeds_units_are_where_the_seeds_put_them() -> None:
    units = {u.code: u for u in load_units()}
    assert units["HN-LONGBIEN-MARIECURIE"].parent == "HN-LONGBIEN"  # seed 001: founded by LĐLĐ quận Long Biên
    assert units["HN-LONGBIEN"].name == "Liên đoàn Lao động quận Long Biên"
    assert units["HN-HADONG-VANQUAN"].parent == "HN-HADONG"  # seed 001: phường Văn Quán (Hà Đông)
    assert units["HN-HADONG"].name == "Liên đoàn Lao động quận Hà Đông"
    assert not {"HN-THANHXUAN-VANQUAN", "HN-CDVC-MARIECURIE"} & set(units)


def test_every_district_union_has_one_file_closing_it_on_the_reform_day_and_moving_each_of_its_cdcs() -> None:
    districts = district_unions()
    assert {"HN-SONTAY", "HN-THANHXUAN", "HN-MYDUC", "HN-BACTULIEM", "HN-DONGANH", "HN-LONGBIEN", "HN-HADONG"} == set(districts)
    closing: dict[str, list[str]] = defaultdict(list)
    moves: dict[str, dict[str, str]] = {}
    for path in reorganisation_files():
        r = read(path)
        for code in r.get("close", []):
            closing[code].append(path.name)
            assert r["effective_on"] == REFORM_DAY, path.name
        moves[path.name] = {m["unit"]: m["to"] for m in r.get("move", [])}
    cdcs = defaultdict(set)
    for u in load_units():
        if u.level == "grassroots" and u.parent:
            cdcs[u.parent].add(u.code)
    for district in districts:
        assert len(closing[district]) == 1, (district, closing[district])
        [name] = closing[district]
        assert cdcs[district], district
        assert cdcs[district] <= set(moves[name]), (district, cdcs[district] - set(moves[name]))


def test_each_file_creates_ward_or_commune_unions_in_the_role_of_direct_superior_and_says_what_is_unconfirmed() -> None:
    for path in reorganisation_files():
        r = read(path)
        header = path.read_text(encoding="utf-8").split("\nid = ")[0]
        assert "UNCONFIRMED" in header, path.name
        assert "https://" in r["source"], path.name
        assert r["create"], path.name
        for u in r["create"]:
            assert u["name"].startswith(("Công đoàn phường ", "Công đoàn xã ")), u
            assert (u["level"], u["parent"]) == ("district", "HN"), u
            assert u["decision_suffix"], u
        targets = {m["to"] for m in r.get("move", [])}
        assert targets <= {u["code"] for u in r["create"]}, path.name


def test_every_new_unit_and_every_new_district_has_a_demo_approver_and_unit_admin() -> None:
    logins = logins_by_unit()
    created = [u["code"] for path in reorganisation_files() for u in read(path)["create"]]
    assert len(created) == len(set(created)) >= 7
    for code in [*created, "HN-HADONG", "HN-LONGBIEN"]:  # the ward unions, and the districts the seeds added
        assert "approver" in logins[code], code
    for code in created:
        assert "unit_admin" in logins[code], code


def test_the_demo_knows_who_reviews_and_signs_wherever_its_cdcs_go_before_and_after_the_reform() -> None:
    logins = logins_by_unit()
    for code, approver in APPROVERS.items():
        assert "approver" in logins[code], (code, approver)
    for code, signer in SIGNERS.items():
        assert "signer" in logins[code], (code, signer)
    moved_to = {m["unit"]: m["to"] for path in reorganisation_files() for m in read(path).get("move", [])}
    for cdcs in ("HN-SONTAY-DST", "HN-HADONG-VANQUAN"):  # the demo's submitters
        parent = next(u.parent for u in load_units() if u.code == cdcs)
        assert {parent, moved_to[cdcs]} <= set(APPROVERS) & set(SIGNERS), cdcs
