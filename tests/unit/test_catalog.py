"""The award catalogues: loading, validation of version files, and which version is in force on a date."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.platform.settings import ServiceSettings
from shared.rules.catalog import (
    CatalogError,
    ConsecutiveTitles,
    MaxAbsence,
    award_in,
    award_on,
    catalog_files,
    catalog_on,
    catalog_version,
    catalogs_on,
    load_catalog_dir,
    load_catalog_file,
)

UNION_AWARD = """
[[awards]]
code = "{code}"
name = "Giấy khen {code}"
categories = ["individual", "collective"]
awarding_level = "{level}"
decided_by = "BCH"
individual_coefficient = "0.3"
collective_coefficient = "0.6"
"""


def write(directory: Path, name: str, body: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def version_file(directory: Path, catalog: str, effective_from: str, *codes: str, level: str = "district") -> Path:
    header = f'version = "{catalog}-{effective_from}"\neffective_from = {effective_from}\ncatalog = "{catalog}"\n'
    awards = "".join(UNION_AWARD.format(code=code, level=level) for code in codes)
    return write(directory, f"{catalog}-{effective_from}.toml", header + awards)


# The shipped catalogues


def test_the_shipped_directory_loads_and_validates() -> None:
    files = catalog_files()
    assert {f.catalog.version for f in files} >= {"union-2024.1", "union-2025.1", "union-2025.2", "state-2024.1", "state-2025.1"}


@pytest.mark.parametrize("code", ["giay_khen_ldld_huyen", "cong_nhan_gioi_thu_do", "bang_khen_tong_ldld"])
def test_the_codes_used_by_the_demo_keep_working_in_the_new_union_version(code: str) -> None:
    award = award_on(code, date(2026, 5, 1))
    assert award is not None
    assert award.catalog_version == "union-2025.2"


@pytest.mark.parametrize(
    "code",
    [
        "giay_khen_cdcs",
        "bang_khen_ldld_tp",
        "co_thi_dua_ldld_tp",
        "co_thi_dua_tong_ldld",
        "bang_khen_chuyen_de_tong_ldld",
        "sang_kien_sang_tao_thu_do",
        "chu_tich_cdcs_tieu_bieu",
        "bang_lao_dong_sang_tao",
        "giai_thuong_nguyen_van_linh",
        "cdcs_vung_manh",
    ],
)
def test_the_new_union_version_has_the_awards_issue_7_names(code: str) -> None:
    award = catalogs_on(date(2026, 5, 1)).get(code)
    assert award is not None
    assert award.catalog == "union"
    assert award.outcome == "decision"


@pytest.mark.parametrize(
    ("code", "union_level"),
    [
        ("lao_dong_tien_tien", "grassroots"),
        ("chien_si_thi_dua_co_so", "grassroots"),
        ("tap_the_lao_dong_xuat_sac", "city"),
        ("bang_khen_thu_tuong", "national"),
    ],
)
def test_state_titles_end_in_a_proposal_to_the_state_at_the_union_level_that_proposes(code: str, union_level: str) -> None:
    award = catalogs_on(date(2026, 5, 1)).get(code)
    assert award is not None
    assert award.catalog == "state"
    assert award.outcome == "proposal"
    assert award.awarding_level == union_level
    assert award.decided_by


def test_the_topical_bang_khen_carries_its_topics_and_both_quotas() -> None:
    award = award_on("bang_khen_chuyen_de_tong_ldld", date(2026, 5, 1))
    assert award is not None
    assert "Giỏi việc nước, đảm việc nhà" in [t.name for t in award.topics]
    assert {(q.per, q.limit) for q in award.quotas} == {("proposing_unit_year", 4), ("topic_year", 300)}


def test_shared_criteria_sets_are_resolved_into_each_award_with_their_parameters() -> None:
    award = award_on("giay_khen_cdcs", date(2026, 5, 1))
    assert award is not None
    absence = next(c for c in award.criteria if isinstance(c, MaxAbsence))
    assert absence.below == 40
    assert absence.exempt == ["thai_san"]
    assert not absence.confirmed


def test_a_state_chain_title_names_the_title_and_the_years() -> None:
    award = award_on("chien_si_thi_dua_cap_tinh", date(2026, 5, 1))
    assert award is not None
    chain = next(c for c in award.criteria if isinstance(c, ConsecutiveTitles))
    assert (chain.title, chain.years) == ("chien_si_thi_dua_co_so", 3)
    assert award.council is not None
    assert (award.council.base, award.council.secret_ballot) == ("all_members", True)


def test_an_award_without_its_own_council_rule_gets_the_catalogue_default() -> None:
    award = award_on("bang_khen_tong_ldld", date(2026, 5, 1))
    assert award is not None
    assert award.council is not None
    assert award.council.base == "present"


def test_the_route_defaults_to_every_level_up_to_the_awarding_level() -> None:
    award = award_on("cong_nhan_gioi_thu_do", date(2026, 5, 1))
    assert award is not None
    assert award.route == ["grassroots", "district", "city"]


def test_a_nomination_judged_by_the_old_version_can_still_be_read_by_its_version() -> None:
    old = catalog_version("union-2024.1")
    assert old.effective_from == date(2024, 7, 1)
    assert [a.code for a in old.awards] == ["giay_khen_ldld_huyen", "cong_nhan_gioi_thu_do", "bang_khen_tong_ldld"]
    assert catalog_on(date(2024, 12, 31)).version == "union-2024.1"
    assert catalog_on(date(2025, 1, 1)).version == "union-2025.1"


def test_before_the_union_catalogue_starts_only_the_state_one_is_in_force() -> None:
    found = catalogs_on(date(2024, 3, 1))
    assert found.union is None
    assert found.state is not None
    assert found.get("bang_khen_tong_ldld") is None


# Version selection


def test_each_catalogue_picks_its_own_version_in_force(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk")
    version_file(tmp_path, "union", "2026-01-01", "gk", "gk2")
    version_file(tmp_path, "state", "2025-03-01", "ldtt")
    on = catalogs_on(date(2025, 6, 1), tmp_path)
    assert on.versions == {"union": "union-2024-07-01", "state": "state-2025-03-01"}
    assert catalogs_on(date(2026, 1, 1), tmp_path).versions["union"] == "union-2026-01-01"
    found = award_on("ldtt", date(2025, 6, 1), tmp_path)
    assert found is not None
    assert (found.catalog, found.catalog_version) == ("state", "state-2025-03-01")
    # The same lookup among version files read once (what a check of a batch of rows does).
    files = catalog_files(tmp_path)
    assert award_in(files, "ldtt", date(2025, 6, 1)) == found
    assert award_in(files, "gk2", date(2025, 12, 31)) is None
    assert award_in(files, "gk2", date(2026, 1, 1)) == award_on("gk2", date(2026, 1, 1), tmp_path)


def test_catalog_on_can_ask_for_the_state_catalogue(tmp_path: Path) -> None:
    version_file(tmp_path, "state", "2025-03-01", "ldtt")
    assert catalog_on(date(2025, 3, 1), tmp_path, "state").version == "state-2025-03-01"
    with pytest.raises(LookupError):
        catalog_on(date(2025, 3, 1), tmp_path)  # no union catalogue there


def test_the_directory_comes_from_thidua_catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    version_file(tmp_path, "union", "2024-07-01", "only_here")
    monkeypatch.setenv("THIDUA_CATALOG_DIR", str(tmp_path))
    rules = ServiceSettings().rulebook()  # what a service's composition root builds at start-up
    assert rules.award_on("only_here", date(2025, 1, 1)) is not None
    assert rules.award_on("bang_khen_tong_ldld", date(2025, 1, 1)) is None
    assert award_on("bang_khen_tong_ldld", date(2025, 1, 1)) is not None  # the rule itself reads no environment


def test_a_version_added_to_the_directory_is_seen_without_a_restart(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk")
    assert catalog_on(date(2030, 1, 1), tmp_path).version == "union-2024-07-01"
    version_file(tmp_path, "union", "2027-01-01", "gk")
    assert catalog_on(date(2030, 1, 1), tmp_path).version == "union-2027-01-01"


@settings(max_examples=60, deadline=None)
@given(
    union_offsets=st.lists(st.integers(0, 3000), min_size=1, max_size=5, unique=True),
    state_offsets=st.lists(st.integers(0, 3000), min_size=1, max_size=5, unique=True),
    probe=st.integers(-100, 3500),
)
def test_exactly_the_latest_started_version_of_each_catalogue_is_in_force(
    tmp_path_factory: pytest.TempPathFactory, union_offsets: list[int], state_offsets: list[int], probe: int
) -> None:
    directory = tmp_path_factory.mktemp("catalog")
    start = date(2024, 1, 1)
    for i, offset in enumerate(union_offsets):
        version_file(directory, "union", (start + timedelta(offset)).isoformat(), f"gk_{i}")
    for i, offset in enumerate(state_offsets):
        version_file(directory, "state", (start + timedelta(offset)).isoformat(), f"st_{i}")
    on = start + timedelta(probe)
    found = catalogs_on(on, directory)
    for name, offsets, catalog in (("union", union_offsets, found.union), ("state", state_offsets, found.state)):
        started = [o for o in offsets if start + timedelta(o) <= on]
        if not started:
            assert catalog is None
        else:
            assert catalog is not None
            assert catalog.effective_from == start + timedelta(max(started)), name
    # every code resolves to the one catalogue that holds it
    for award in found.awards:
        assert found.get(award.code) == award


# Broken files: each names the file and the field


def problems_of(tmp_path: Path) -> str:
    with pytest.raises(CatalogError) as caught:
        load_catalog_dir(tmp_path)
    return str(caught.value)


def test_an_unknown_field_is_named_with_its_file_and_award(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(path.read_text(encoding="utf-8") + 'coefficent = "1"\n', encoding="utf-8")
    message = problems_of(tmp_path)
    assert "union-2024-07-01.toml: awards[0] (gk).coefficent" in message


def test_an_untyped_criterion_parameter_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(
        path.read_text(encoding="utf-8")
        + '[[awards.criteria]]\ntype = "consecutive_titles"\ntitle = "gk"\nyears = "ba"\nsource = "x"\n',
        encoding="utf-8",
    )
    assert "awards[0] (gk).criteria[0].consecutive_titles.years" in problems_of(tmp_path)


def test_a_criterion_of_an_unknown_type_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(path.read_text(encoding="utf-8") + '[[awards.criteria]]\ntype = "lucky"\nsource = "x"\n', encoding="utf-8")
    assert "awards[0] (gk).criteria[0]" in problems_of(tmp_path)


def test_a_criterion_without_a_source_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(path.read_text(encoding="utf-8") + '[[awards.criteria]]\ntype = "once_per_lifetime"\n', encoding="utf-8")
    assert "criteria[0].once_per_lifetime.source" in problems_of(tmp_path)


def test_a_route_that_does_not_reach_the_awarding_level_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk", level="national")
    path.write_text(path.read_text(encoding="utf-8") + 'route = ["grassroots", "district"]\n', encoding="utf-8")
    assert "awards[0] (gk): Value error, awarding_level national không phải cấp cuối" in problems_of(tmp_path)


def test_an_unknown_level_is_refused(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk", level="province")
    assert "awards[0] (gk).awarding_level" in problems_of(tmp_path)


def test_a_code_in_both_catalogues_in_force_together_is_refused(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk")
    version_file(tmp_path, "state", "2025-01-01", "gk")
    assert "state-2025-01-01.toml: awards.code: gk đã có trong union-2024-07-01.toml" in problems_of(tmp_path)


def test_the_same_code_in_versions_never_in_force_together_is_fine(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk")
    version_file(tmp_path, "union", "2025-01-01", "other")
    version_file(tmp_path, "state", "2025-01-01", "gk")
    load_catalog_dir(tmp_path)


def test_two_versions_of_one_catalogue_on_the_same_date_are_refused(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk")
    write(tmp_path, "union-copy.toml", 'version = "u2"\neffective_from = 2024-07-01\ncatalog = "union"\n')
    assert "effective_from: 2024-07-01 trùng với" in problems_of(tmp_path)


def test_a_duplicate_code_within_a_file_is_refused(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk", "gk")
    assert "awards[1] (gk).code: mã trùng trong tệp" in problems_of(tmp_path)


def test_a_required_document_must_be_a_declared_document_type(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(path.read_text(encoding="utf-8") + 'documents = ["to_trinh"]\n', encoding="utf-8")
    assert "awards[0] (gk).documents: không có loại tài liệu to_trinh" in problems_of(tmp_path)


def test_a_criterion_referring_to_a_missing_title_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(
        path.read_text(encoding="utf-8") + '[[awards.criteria]]\ntype = "title_same_year"\ntitle = "ldtt"\nsource = "x"\n',
        encoding="utf-8",
    )
    assert "awards (gk): tiêu chí, hạn mức nhắc tới ldtt" in problems_of(tmp_path)


def test_a_state_title_must_say_which_authority_decides(tmp_path: Path) -> None:
    path = version_file(tmp_path, "state", "2024-07-01", "ldtt")
    path.write_text(path.read_text(encoding="utf-8").replace('decided_by = "BCH"\n', ""), encoding="utf-8")
    assert "awards[0] (ldtt).decided_by" in problems_of(tmp_path)


def test_a_quota_needs_exactly_one_of_a_limit_or_a_share(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    path.write_text(
        path.read_text(encoding="utf-8") + '[[awards.quotas]]\nper = "awarding_unit_year"\nsource = "x"\n', encoding="utf-8"
    )
    assert "awards[0] (gk).quotas[0]" in problems_of(tmp_path)


def test_a_council_threshold_above_one_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "gk")
    body = '[awards.council]\nquorum = "2/3"\nthreshold = "3/2"\nbase = "present"\nsource = "x"\n'
    path.write_text(path.read_text(encoding="utf-8") + body, encoding="utf-8")
    assert "awards[0] (gk).council.threshold" in problems_of(tmp_path)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    write(tmp_path, "union-2024-07-01.toml", "version = \n")
    assert problems_of(tmp_path).startswith("union-2024-07-01.toml:")


def test_an_invalid_code_is_refused(tmp_path: Path) -> None:
    path = version_file(tmp_path, "union", "2024-07-01", "Giấy khen")
    with pytest.raises(CatalogError, match=r"awards\[0\] \(Giấy khen\)\.code"):
        load_catalog_file(path)


def test_all_problems_of_a_directory_are_reported_at_once(tmp_path: Path) -> None:
    version_file(tmp_path, "union", "2024-07-01", "gk", level="province")
    version_file(tmp_path, "state", "2024-07-01", "gk", "gk")
    with pytest.raises(CatalogError) as caught:
        load_catalog_dir(tmp_path)
    assert len(caught.value.problems) >= 2
