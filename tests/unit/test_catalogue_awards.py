"""Issue 18 part 1: every award the seed articles report is in the catalogue in force after the 07/2025
reorganisation, with its level, route and prize kind; names are composed from the issuing unit, in full; the new
version files pass `thidua catalog check`; the KNC's years of service are data, and a warning when unmet."""

from __future__ import annotations

import argparse
import io
import shutil
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from services.awards.domain.decision import number_for
from services.awards.domain.issuing import issue_document, plan_documents
from shared.contracts.events import AwardGranted, NominationSnapshot, Nominee
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import UnitRef
from shared.rules.catalog import DEFAULT_CATALOG_DIR, Award, PrizeKind, catalog_version, catalogs_on, unit_place
from shared.rules.eligibility import evaluate_declared, facts_needed
from shared.rules.reference import DATA_DIR
from shared.rules.rulebook import Rulebook
from tests.unit.factories import TREE, actor, path, unit
from thidua import catalogctl

AFTER_REORGANISATION = date(2025, 7, 1)
SEEDS = Path("/work/shared/seeds")  # the articles, for the reader; the figures below are quoted from them


@dataclass(frozen=True)
class Reported:
    """An award a seed article reports, with the figure it gives, and what the catalogue must say of it."""

    seed: str
    figure: str
    code: str
    level: str
    prize: PrizeKind
    outcome: str = "decision"


REPORTED = [
    Reported(
        "004_35a62c9a0935ea71.txt",
        "247 lượt “Công nhân giỏi quận Bắc Từ Liêm”",
        "cong_nhan_gioi_cap_tren_co_so",
        "district",
        "flat",
    ),
    Reported(
        "004_35a62c9a0935ea71.txt", "6.115 sáng kiến được khen thưởng cấp quận", "sang_kien_cap_tren_co_so", "district", "flat"
    ),
    Reported("004_35a62c9a0935ea71.txt", "16 lượt “Công nhân giỏi Thủ đô”", "cong_nhan_gioi_thu_do", "city", "coefficient"),
    Reported("004_35a62c9a0935ea71.txt", "917 sáng kiến cấp Thành phố", "sang_kien_sang_tao_thu_do", "city", "coefficient"),
    Reported(
        "003_b0e395b4c359ba64.txt",
        "618 “Lao động giỏi, Lao động sáng tạo” cấp thị xã",
        "lao_dong_gioi_sang_tao_cap_tren_co_so",
        "district",
        "flat",
    ),
    Reported("003_b0e395b4c359ba64.txt", "2.219 “Sáng kiến, sáng tạo” cấp cơ sở", "sang_kien_co_so", "grassroots", "coefficient"),
    Reported(
        "000_f443baccb0e7894f.txt",
        "100 nữ CNVCLĐ tiêu biểu “Giỏi việc nước, đảm việc nhà”",
        "gioi_viec_nuoc_dam_viec_nha_cap_tren_co_so",
        "district",
        "coefficient",
    ),
    Reported(
        "000_f443baccb0e7894f.txt",
        "53 công nhân giỏi, sáng kiến sáng tạo, tổng 53 triệu đồng",
        "bieu_duong_cong_nhan_gioi_sang_kien",
        "district",
        "flat",
    ),
    Reported("000_f443baccb0e7894f.txt", "3 công nhân được LĐLĐ Thành phố tuyên dương", "tuyen_duong_ldld_tp", "city", "gift"),
    Reported("000_f443baccb0e7894f.txt", "38 CĐCS “Công đoàn cơ sở vững mạnh”", "cdcs_vung_manh", "district", "coefficient"),
    Reported(
        "000_f443baccb0e7894f.txt",
        "64 cá nhân xuất sắc trong hoạt động Công đoàn",
        "can_bo_cong_doan_tieu_bieu",
        "district",
        "flat",
    ),
    Reported(
        "000_f443baccb0e7894f.txt",
        "14 tập thể, 28 cá nhân: Cờ của Tổng Liên đoàn",
        "co_thi_dua_tong_ldld",
        "national",
        "coefficient",
    ),
    Reported("000_f443baccb0e7894f.txt", "… Bằng khen của Tổng Liên đoàn", "bang_khen_tong_ldld", "national", "coefficient"),
    Reported("000_f443baccb0e7894f.txt", "… Bằng khen của LĐLĐ thành phố Hà Nội", "bang_khen_ldld_tp", "city", "coefficient"),
    Reported(
        "000_f443baccb0e7894f.txt",
        "công trình chào mừng các ngày lễ lớn",
        "cong_trinh_chao_mung_cap_tren_co_so",
        "district",
        "none",
    ),
    Reported("001_bfafa456d464a790.txt", "526 công trình cấp cơ sở", "cong_trinh_chao_mung_co_so", "grassroots", "none"),
    Reported("001_bfafa456d464a790.txt", "Hội thi thợ giỏi: 111 giải, 564 triệu đồng", "giai_thi_tho_gioi", "city", "flat"),
    Reported("001_bfafa456d464a790.txt", "100 Công nhân giỏi Thủ đô", "cong_nhan_gioi_thu_do", "city", "coefficient"),
    Reported("001_bfafa456d464a790.txt", "10 chủ tịch CĐCS tiêu biểu", "chu_tich_cdcs_tieu_bieu", "city", "coefficient"),
    Reported(
        "rules.md §1.2",
        "Kỷ niệm chương “Vì sự nghiệp xây dựng tổ chức Công đoàn”",
        "ky_niem_chuong_cong_doan",
        "national",
        "none",
    ),
    Reported("rules.md §1.2", "Giải thưởng Nguyễn Đức Cảnh", "giai_thuong_nguyen_duc_canh", "national", "flat"),
    Reported("rules.md §1.2", "Đoàn viên công đoàn xuất sắc", "doan_vien_cong_doan_xuat_sac", "grassroots", "none"),
    Reported("rules.md §1.2", "Tổ công đoàn vững mạnh", "to_cong_doan_vung_manh", "grassroots", "none"),
    Reported(
        "issue 18", "Huân chương Lao động qua Tổng Liên đoàn", "huan_chuong_lao_dong", "national", "coefficient", "proposal"
    ),
    Reported(
        "issue 18",
        "Chiến sĩ thi đua toàn quốc qua Tổng Liên đoàn",
        "chien_si_thi_dua_toan_quoc",
        "national",
        "coefficient",
        "proposal",
    ),
]


@pytest.mark.parametrize("reported", REPORTED, ids=lambda r: f"{r.seed}:{r.code}")
def test_every_award_the_seeds_report_is_in_the_catalogue_after_the_reorganisation(reported: Reported) -> None:
    award = catalogs_on(AFTER_REORGANISATION).get(reported.code)
    assert award is not None, f"{reported.seed}: {reported.figure}"
    assert award.catalog_version in ("union-2025.2", "state-2025.1")
    assert (award.awarding_level, award.prize_kind, award.outcome) == (reported.level, reported.prize, reported.outcome)
    assert award.route[0] == "grassroots"
    assert award.route[-1] == award.awarding_level
    assert award.decided_by
    if award.prize is not None:  # a prize that is no coefficient says where it comes from
        assert award.prize.source


def test_the_seed_articles_quoted_here_exist() -> None:
    if not SEEDS.is_dir():
        pytest.skip("the seed articles are not on this machine")
    for reported in REPORTED:
        if reported.seed.endswith(".txt"):
            assert (SEEDS / reported.seed).is_file(), reported.seed


def test_state_awards_proposed_through_the_tong_lien_doan_pass_every_union_level() -> None:
    for code in ("huan_chuong_lao_dong", "chien_si_thi_dua_toan_quoc"):
        award = catalogs_on(AFTER_REORGANISATION).get(code)
        assert award is not None
        assert award.route == ["grassroots", "district", "city", "national"]
        assert award.catalog == "state"
        assert award.submittable


def test_the_flat_amount_of_the_bieu_duong_is_the_seeds_average_and_unconfirmed() -> None:
    award = catalogs_on(AFTER_REORGANISATION).get("bieu_duong_cong_nhan_gioi_sang_kien")
    assert award is not None
    assert award.prize is not None
    assert (award.prize.amount_for("individual"), award.prize.confirmed) == (1_000_000, False)
    assert "53 triệu" in award.prize.source


def test_older_versions_stay_for_the_nominations_they_judged() -> None:
    assert catalogs_on(date(2025, 6, 30)).versions == {"union": "union-2025.1", "state": "state-2024.1"}
    assert catalogs_on(AFTER_REORGANISATION).versions == {"union": "union-2025.2", "state": "state-2025.1"}
    old = catalog_version("union-2025.1").get("giay_khen_ldld_huyen")
    assert old is not None
    assert old.name == "Giấy khen của Liên đoàn Lao động cấp huyện"


ABBREVIATIONS = ("LĐLĐ", "CĐCS", "TLĐ", "BCH", " TP ", "CNVCLĐ", "CĐ ")


@pytest.mark.parametrize("version", ["union-2025.2", "state-2025.1"])
def test_award_names_and_authorities_are_written_in_full(version: str) -> None:
    for award in catalog_version(version).awards:
        for text in (award.name, award.name_template, award.decided_by):
            assert not any(a in f" {text} " for a in ABBREVIATIONS), f"{award.code}: {text}"


# Names composed from the issuing unit


def reorganised(code: str) -> UnitRef:
    """A unit the 07/2025 reorganisation creates, as its file names it."""
    with (DATA_DIR / "reorganisations" / "2025-07-01-thanh-xuan.toml").open("rb") as f:
        created = {u["code"]: u for u in tomllib.load(f)["create"]}
    u = created[code]
    return UnitRef(code=code, name=u["name"], short_name=u["short_name"], level=u["level"], decision_suffix=u["decision_suffix"])


def award_after(code: str) -> Award:
    found = catalogs_on(AFTER_REORGANISATION).get(code)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("issuer", "award_code", "expected"),
    [
        ("HN-SONTAY-DST", "giay_khen_cdcs", "Giấy khen của Ban Chấp hành Công đoàn Công ty CP tập đoàn DST"),
        ("HN-THANHXUAN", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Liên đoàn Lao động quận Thanh Xuân"),
        ("HN-MYDUC", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Liên đoàn Lao động huyện Mỹ Đức"),
        ("HN-SONTAY", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây"),
        ("HN-CDN-XAYDUNG", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Công đoàn ngành Xây dựng Hà Nội"),
        ("HN-CDVC", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Công đoàn Viên chức thành phố Hà Nội"),
        ("HN-P-THANHXUAN", "giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Công đoàn phường Thanh Xuân"),
        ("HN", "bang_khen_ldld_tp", "Bằng khen của Ban Chấp hành Liên đoàn Lao động Thành phố Hà Nội"),
        ("HN", "co_thi_dua_ldld_tp", "Cờ thi đua của Liên đoàn Lao động Thành phố Hà Nội"),
        ("TLD", "bang_khen_tong_ldld", "Bằng khen của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam"),
        ("TLD", "co_thi_dua_tong_ldld", "Cờ thi đua của Tổng Liên đoàn Lao động Việt Nam"),
        ("HN-BACTULIEM", "cong_nhan_gioi_cap_tren_co_so", "Công nhân giỏi quận Bắc Từ Liêm"),
        ("HN-P-THANHXUAN", "cong_nhan_gioi_cap_tren_co_so", "Công nhân giỏi phường Thanh Xuân"),
        ("HN-SONTAY", "lao_dong_gioi_sang_tao_cap_tren_co_so", "Lao động giỏi, Lao động sáng tạo thị xã Sơn Tây"),
        ("HN-BACTULIEM", "sang_kien_cap_tren_co_so", "Sáng kiến, sáng tạo cấp quận Bắc Từ Liêm"),
    ],
)
def test_an_award_is_named_from_its_issuing_unit_in_full(issuer: str, award_code: str, expected: str) -> None:
    unit_ref = reorganised(issuer) if issuer.startswith("HN-P-") else unit(issuer)
    assert award_after(award_code).name_for(unit_ref.name) == expected


def test_without_an_issuer_or_a_template_the_catalogue_name_is_printed() -> None:
    assert award_after("giay_khen_ldld_huyen").name_for(None) == "Giấy khen của Ban Chấp hành công đoàn cấp trên trực tiếp cơ sở"
    assert award_after("cong_nhan_gioi_thu_do").name_for("Liên đoàn Lao động Thành phố Hà Nội") == "Công nhân giỏi Thủ đô"


def test_a_nomination_names_its_award_as_the_unit_that_decides_it_on_its_path() -> None:
    assert (
        award_after("giay_khen_ldld_huyen").name_on_path(path("HN-THANHXUAN-UBNDPHUONG"))
        == "Giấy khen của Ban Chấp hành Liên đoàn Lao động quận Thanh Xuân"
    )
    after = [unit("HN-THANHXUAN-UBNDPHUONG"), reorganised("HN-P-THANHXUAN"), unit("HN"), unit("TLD")]
    assert award_after("giay_khen_ldld_huyen").name_on_path(after) == "Giấy khen của Ban Chấp hành Công đoàn phường Thanh Xuân"
    assert (
        award_after("bang_khen_tong_ldld").name_on_path(after) == "Bằng khen của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam"
    )


def test_the_place_of_a_unit_is_its_name_without_the_organisation() -> None:
    assert unit_place("Liên đoàn Lao động quận Bắc Từ Liêm") == "quận Bắc Từ Liêm"
    assert unit_place("Công đoàn phường Thanh Xuân") == "phường Thanh Xuân"
    assert unit_place("Tổ sản xuất số 1") == "Tổ sản xuất số 1"
    assert TREE.get("TLD") is not None


def test_a_template_with_an_unknown_placeholder_is_refused() -> None:
    data = award_after("giay_khen_ldld_huyen").model_dump() | {"name_template": "Giấy khen của {unit}"}
    with pytest.raises(ValueError, match="name_template"):
        Award.model_validate(data)


def test_a_prize_kind_other_than_a_coefficient_refuses_a_coefficient() -> None:
    data = award_after("bieu_duong_cong_nhan_gioi_sang_kien").model_dump() | {"individual_coefficient": "0.3"}
    with pytest.raises(ValueError, match="hệ số"):
        Award.model_validate(data)


# The KNC: years of service as data, a warning when not met


def test_the_knc_asks_for_years_of_union_service_and_warns_when_they_are_short() -> None:
    knc = award_after("ky_niem_chuong_cong_doan")
    assert "union_service_years" in facts_needed(knc, "individual")

    def judged(**facts: int) -> str:
        checks = evaluate_declared(knc, Nominee(kind="individual", name="Nguyễn Văn An", **facts), "2026")
        [check] = [c for c in checks if c.rule == "min_union_service_years"]
        assert "chưa xác nhận" in check.source
        return check.status

    assert judged(union_service_years=12) == "pass"
    assert judged(union_service_years=4) == "warning"  # unconfirmed: it warns, never blocks
    assert judged() == "warning"  # not declared


# `thidua catalog check` on the new files, as an office would have checked them before 01/07/2025


@pytest.mark.parametrize("name", ["union-2025-07-01.toml", "state-2025-07-01.toml"])
def test_thidua_catalog_check_accepts_the_new_version_files(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "catalog"
    installed.mkdir()
    for f in DEFAULT_CATALOG_DIR.glob("*.toml"):
        if f.name not in ("union-2025-07-01.toml", "state-2025-07-01.toml"):
            shutil.copy(f, installed / f.name)
    monkeypatch.setenv("THIDUA_CATALOG_DIR", str(installed))
    out = io.StringIO()
    args = argparse.Namespace(catalog_action="check", file=DEFAULT_CATALOG_DIR / name)
    assert catalogctl.run(args, out, today=date(2025, 6, 15)) == 0, out.getvalue()
    assert "Hợp lệ:" in out.getvalue()


def test_a_decision_of_the_ward_union_names_its_awards_after_the_ward_union() -> None:
    """After 07/2025 a CĐCS of Thanh Xuân is reviewed by Công đoàn phường Thanh Xuân: its decision, entries and
    AwardGranted say "… của Ban Chấp hành Công đoàn phường Thanh Xuân", not the district's or a fixed string."""
    ward = reorganised("HN-P-THANHXUAN")
    on = date(2026, 3, 5)
    nomination = NominationSnapshot(
        id="n-1",
        unit_path=[unit("HN-THANHXUAN-UBNDPHUONG"), ward, unit("HN"), unit("TLD")],
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen của Ban Chấp hành Công đoàn phường Thanh Xuân",
        awarding_level="district",
        catalog_version="union-2025.2",
        period="2026",
        nominee=Nominee(kind="individual", name="Nguyễn Thị Hường"),
        achievements="Hoàn thành xuất sắc nhiệm vụ năm 2026.",
    )
    plan = plan_documents([nomination], set(), on, Rulebook())
    [document] = plan.documents
    frame = DecisionFrame(place="Hà Nội", basis=[], authority="", signer_role=[], signer_name="")
    issued = issue_document(
        document,
        decision_id="d-1",
        signer=actor("u-ky", ("signer", "HN-P-THANHXUAN")),
        signed_at=datetime(2026, 3, 5, 9, tzinfo=UTC),
        issuer=ward,
        number=number_for(ward, 2026, 0),
        base_salary_vnd=2_340_000,
        on=on,
        batch_id=None,
        frame=frame,
        new_id=lambda: "e-1",
    )
    expected = "Giấy khen của Ban Chấp hành Công đoàn phường Thanh Xuân"
    assert issued.decision.award_name == expected
    assert [e.printed_name for e in issued.entries] == [expected]
    [granted] = issued.events
    assert isinstance(granted, AwardGranted)
    assert granted.decision.award_name == expected
    assert issued.decision.number_text == "1/QĐ-CĐP"
