"""`thidua catalog`: list, show, versions, check and install, as an operator runs them."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from shared.rules.catalog import DEFAULT_CATALOG_DIR, catalog_on
from thidua.cli import main

Capsys = pytest.CaptureFixture[str]

NEW_VERSION = """\
version = "union-2099.1"
effective_from = 2099-01-01
catalog = "union"

[[awards]]
code = "giay_khen_ldld_huyen"
name = "Giấy khen của công đoàn cấp trên trực tiếp cơ sở"
categories = ["individual", "collective"]
awarding_level = "district"
individual_coefficient = "0.3"
collective_coefficient = "0.6"
"""


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped catalogue directory, set as THIDUA_CATALOG_DIR."""
    directory = tmp_path / "catalog"
    shutil.copytree(DEFAULT_CATALOG_DIR, directory)
    monkeypatch.setenv("THIDUA_CATALOG_DIR", str(directory))
    return directory


def run(capsys: Capsys, *argv: str) -> tuple[int, str]:
    code = main(["catalog", *argv])
    return code, capsys.readouterr().out


def new_file(tmp_path: Path, text: str = NEW_VERSION) -> Path:
    path = tmp_path / "admin-wrote-this.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_list_shows_both_catalogues_in_force_on_a_date(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "list", "--on", "2026-05-01")
    assert code == 0
    assert "union-2025.2" in out
    assert "state-2025.1" in out
    assert "bang_khen_thu_tuong" in out
    assert "Cấp Trung ương (đề nghị)" in out


def test_list_of_one_catalogue_on_an_old_date_shows_the_old_version(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "list", "--on", "01/10/2024", "--catalog", "union")
    assert code == 0
    assert "union-2024.1" in out
    assert "giay_khen_cdcs" not in out
    assert "lao_dong_tien_tien" not in out


def test_list_as_json(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "list", "--on", "2026-05-01", "--catalog", "state", "--json")
    assert code == 0
    [state] = json.loads(out)
    assert state["version"] == "state-2025.1"


def test_show_prints_criteria_with_sources_documents_quota_and_council(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "show", "chien_si_thi_dua_co_so", "--on", "2026-05-01")
    assert code == 0
    assert "Minh chứng sáng kiến" in out
    assert "nguồn: TT 151/2018/TT-BQP" in out
    assert "tối đa 15% số đạt lao_dong_tien_tien" in out
    assert "Hội đồng TĐKT biểu quyết" in out
    assert "đề nghị Thủ trưởng cơ quan, đơn vị" in out


def test_show_by_the_version_a_nomination_stores(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "show", "bang_khen_tong_ldld", "--version", "union-2024.1")
    assert code == 0
    assert "phiên bản union-2024.1" in out


def test_show_an_award_not_in_that_version(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "show", "giay_khen_cdcs", "--version", "union-2024.1")
    assert code == 1
    assert "Không có hình thức giay_khen_cdcs" in out


def test_versions_lists_files_dates_and_counts(capsys: Capsys, catalog_dir: Path) -> None:
    code, out = run(capsys, "versions", "--json")
    assert code == 0
    rows = {r["version"]: r for r in json.loads(out)}
    assert rows["union-2024.1"] == {
        "file": "union-2024-07-01.toml",
        "catalog": "union",
        "version": "union-2024.1",
        "effective_from": "2024-07-01",
        "awards": 3,
    }


def test_check_accepts_a_valid_future_version_without_installing_it(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, "check", str(new_file(tmp_path)))
    assert code == 0
    assert "Hợp lệ: union-2099.1" in out
    assert not (catalog_dir / "union-2099-01-01.toml").exists()


def test_check_names_the_file_and_field_of_a_broken_version(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, "check", str(new_file(tmp_path, NEW_VERSION.replace('"district"', '"ward"'))))
    assert code == 1
    assert "admin-wrote-this.toml: awards[0] (giay_khen_ldld_huyen).awarding_level" in out


def test_check_refuses_a_code_the_state_catalogue_already_uses(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, "check", str(new_file(tmp_path, NEW_VERSION.replace("giay_khen_ldld_huyen", "lao_dong_tien_tien"))))
    assert code == 1
    assert "lao_dong_tien_tien đã có trong" in out


def test_install_copies_a_valid_version_and_it_is_in_force_from_its_date(
    capsys: Capsys, catalog_dir: Path, tmp_path: Path
) -> None:
    code, out = run(capsys, "install", str(new_file(tmp_path)))
    assert code == 0, out
    assert (catalog_dir / "union-2099-01-01.toml").exists()
    assert catalog_on(date(2099, 1, 1), catalog_dir).version == "union-2099.1"
    assert catalog_on(date(2098, 12, 31), catalog_dir).version == "union-2025.2"


def test_install_refuses_an_effective_date_in_the_past(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, "install", str(new_file(tmp_path, NEW_VERSION.replace("2099-01-01", "2020-01-01"))))
    assert code == 1
    assert "đã qua" in out
    assert not (catalog_dir / "union-2020-01-01.toml").exists()


def test_install_refuses_a_date_that_already_has_a_version(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    assert run(capsys, "install", str(new_file(tmp_path)))[0] == 0
    again = NEW_VERSION.replace("union-2099.1", "union-2099.2")
    code, out = run(capsys, "install", str(new_file(tmp_path, again)))
    assert code == 1
    assert "union-2099-01-01.toml đã có" in out
    assert "trùng với union-2099-01-01.toml" in out


def test_install_refuses_a_version_name_already_used(capsys: Capsys, catalog_dir: Path, tmp_path: Path) -> None:
    code, out = run(capsys, "install", str(new_file(tmp_path, NEW_VERSION.replace("union-2099.1", "union-2024.1"))))
    assert code == 1
    assert "version: union-2024.1 trùng" in out
