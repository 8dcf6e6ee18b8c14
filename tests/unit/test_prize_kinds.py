"""Prize kinds (issue 18): a coefficient of lương cơ sở as before, a flat amount in đồng, a gift with its value, or
none; what a signature would grant, what a decision prints (Điều 2 and the list), and what a report sums."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.awards.domain.decision import prize_for, prize_line
from services.awards.domain.document import Entry, build_document
from services.awards.domain.report import ScopeCount, by_unit, summarise
from shared.rules.catalog import Award, catalogs_on
from tests.unit.test_decision_documents import data

ON = date(2026, 3, 2)
BASE = 2_340_000


def award(code: str) -> Award:
    found = catalogs_on(ON).get(code)
    assert found is not None
    return found


def test_a_flat_amount_is_the_catalogues_amount_whatever_the_base_salary() -> None:
    prize = prize_for(award("bieu_duong_cong_nhan_gioi_sang_kien"), "individual", BASE, ON)
    assert (prize.kind, prize.amount_vnd, prize.coefficient) == ("flat", 1_000_000, "0")
    assert prize_for(award("bieu_duong_cong_nhan_gioi_sang_kien"), "individual", 9_999_999, ON).amount_vnd == 1_000_000


def test_a_coefficient_prize_is_unchanged() -> None:
    prize = prize_for(award("giay_khen_ldld_huyen"), "individual", BASE, ON)
    assert (prize.kind, prize.coefficient, prize.amount_vnd) == ("coefficient", "0.3", 710_000)


def test_an_unknown_flat_amount_or_gift_value_waits_for_the_unit_and_none_needs_nothing() -> None:
    thi_tho_gioi, gift, works = award("giai_thi_tho_gioi"), award("tuyen_duong_ldld_tp"), award("cong_trinh_chao_mung_co_so")
    assert prize_line(thi_tho_gioi, "individual", BASE, ON, None).source == "unknown"  # blocks signing
    assert prize_line(thi_tho_gioi, "individual", BASE, ON, 5_000_000).amount_vnd == 5_000_000
    line = prize_line(gift, "individual", BASE, ON, 500_000)
    assert (line.amount_vnd, line.source, line.kind) == (500_000, "unit", "gift")
    line = prize_line(works, "collective", BASE, ON, None)
    assert (line.amount_vnd, line.source, line.known) == (0, "none", True)


def entry(name: str, code: str, kind: str, amount: int) -> Entry:
    return Entry(
        nominee_name=name,
        nominee_kind="individual",
        unit_name="Công đoàn Công ty CP tập đoàn DST",
        award_code=code,
        award_name=code,
        prize_amount_vnd=amount,
        prize_kind=kind,  # type: ignore[arg-type]
    )


def articles(*entries: Entry) -> str:
    return " ".join(build_document(data(entries)).paragraphs)


def test_a_decision_of_flat_amounts_prints_the_amount_each_and_the_total() -> None:
    text = articles(entry("A", "flat", "flat", 1_000_000), entry("B", "flat", "flat", 1_000_000))
    assert "Điều 2. Kèm theo hình thức khen thưởng tại Điều 1 là tiền thưởng 1.000.000 đồng mỗi cá nhân" in text
    assert "tổng cộng 2.000.000 đồng" in text
    assert "hệ số" not in text


def test_a_decision_with_gifts_prints_their_value_and_keeps_the_coefficient_wording_for_the_rest() -> None:
    text = articles(entry("A", "gk", "coefficient", 710_000), entry("B", "gift", "gift", 500_000))
    assert "tiền thưởng bằng hệ số nhân mức lương cơ sở 2.340.000 đồng theo quy định (cộng 710.000 đồng)" in text
    assert "tặng phẩm trị giá 500.000 đồng mỗi cá nhân (cộng 500.000 đồng)" in text
    document = build_document(data((entry("B", "gift", "gift", 500_000),)))
    [table] = document.tables
    assert table.columns[-1].title == "Tiền thưởng, tặng phẩm (đồng)"
    assert table.rows[0][-1] == "Tặng phẩm trị giá 500.000"


def test_a_decision_of_awards_without_prize_prints_no_prize_line_and_no_money_column() -> None:
    document = build_document(data((entry("A", "none", "none", 0),)))
    assert "không kèm tiền thưởng" in " ".join(document.paragraphs)
    [table] = document.tables
    assert all("tiền" not in c.title.lower() for c in table.columns)


def test_coefficient_only_decisions_print_as_before() -> None:
    text = articles(entry("A", "gk", "coefficient", 710_000))
    assert (
        "Điều 2. Kèm theo hình thức khen thưởng tại Điều 1 là tiền thưởng bằng hệ số nhân mức lương cơ sở 2.340.000 đồng "
        "theo quy định; mức của từng tập thể, cá nhân theo danh sách kèm theo, tổng cộng 710.000 đồng."
    ) in text


ROW = ScopeCount(
    child_code="HN-SONTAY",
    child_name="Liên đoàn Lao động thị xã Sơn Tây",
    award_code="bieu_duong_cong_nhan_gioi_sang_kien",
    award_name="Biểu dương",
    category="individual",
    level="district",
    sector="enterprise",
    nominee_kind="individual",
    year=2026,
    count=53,
    prize_vnd=53_000_000,
)


def test_a_report_sums_flat_amounts_as_money_and_gift_values_apart() -> None:
    gift = replace(ROW, award_code="tuyen_duong_ldld_tp", award_name="Tuyên dương", level="city", count=3, prize_vnd=1_500_000)
    gifts = frozenset({"tuyen_duong_ldld_tp"})
    report = summarise([ROW.group(gifts), gift.group(gifts)])
    total = report["total"]
    assert isinstance(total, dict)
    assert (total["count"], total["prize_vnd"], total["gift_vnd"]) == (56, 53_000_000, 1_500_000)
    by_award = report["by_award"]
    assert isinstance(by_award, list)
    assert [(a["award_code"], a["prize_vnd"], a["gift_vnd"]) for a in by_award] == [
        ("bieu_duong_cong_nhan_gioi_sang_kien", 53_000_000, 0),
        ("tuyen_duong_ldld_tp", 0, 1_500_000),
    ]
    [line] = by_unit([ROW, gift], "HN", None, gifts)
    assert (line["prize_vnd"], line["gift_vnd"]) == (53_000_000, 1_500_000)
