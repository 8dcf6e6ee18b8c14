"""Reports print figures the way the union's own reports do: "2.219 sáng kiến cấp cơ sở (HCSN 75, trường học 446,
doanh nghiệp 1.301)", Vietnamese thousands separators, sectors in the seeds' order; totals add up whatever the mix."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.awards.domain.report import Group, award_label, headline, sector_breakdown, summarise, vn_number


def test_the_seed_sentence_for_son_tay_2024() -> None:
    by_sector = {"enterprise": 1301, "school": 446, "public_administration": 75}
    assert (
        headline(2219, "sáng kiến cấp cơ sở", by_sector)
        == "2.219 sáng kiến cấp cơ sở (HCSN 75, trường học 446, doanh nghiệp 1.301)"
    )


def test_numbers_group_thousands_with_dots() -> None:
    assert [vn_number(n) for n in (0, 75, 1301, 6115, 1_000_000, 564_000_000)] == [
        "0",
        "75",
        "1.301",
        "6.115",
        "1.000.000",
        "564.000.000",
    ]


def test_sectors_without_entries_are_left_out_and_unknown_comes_last() -> None:
    assert sector_breakdown({"school": 0, "enterprise": 3, "unknown": 2}) == "doanh nghiệp 3, chưa phân loại 2"
    assert headline(5, "Giấy khen", {}) == "5 Giấy khen"


def test_an_innovation_award_reads_as_a_common_noun_and_other_awards_keep_their_name() -> None:
    assert award_label("Sáng kiến cấp cơ sở", "innovation") == "sáng kiến cấp cơ sở"
    assert (
        award_label("Giấy khen của Ban Chấp hành công đoàn cơ sở", "individual") == "Giấy khen của Ban Chấp hành công đoàn cơ sở"
    )


def _group(award: str, level: str, sector: str | None, kind: str, year: int, count: int) -> Group:
    return Group(award, award, "innovation" if award == "sk" else kind, level, sector, kind, year, count, count * 1000)


def test_summary_orders_awards_from_the_grassroots_up_and_counts_individuals_and_collectives() -> None:
    report = summarise(
        [
            _group("gk_huyen", "district", "school", "collective", 2024, 2),
            _group("sk", "grassroots", "enterprise", "individual", 2024, 1301),
            _group("sk", "grassroots", "school", "individual", 2024, 440),
            _group("sk", "grassroots", "school", "collective", 2024, 6),
            _group("sk", "grassroots", "public_administration", "individual", 2023, 75),
        ]
    )
    by_award = report["by_award"]
    assert isinstance(by_award, list)
    assert [a["award_code"] for a in by_award] == ["sk", "gk_huyen"]
    assert by_award[0]["headline"] == "1.822 sk (HCSN 75, trường học 446, doanh nghiệp 1.301)"
    assert (by_award[0]["individual"], by_award[0]["collective"]) == (1816, 6)
    assert report["total"] == {
        "count": 1824,
        "prize_vnd": 1_824_000,
        "gift_vnd": 0,
        "individual": 1816,
        "collective": 8,
        "by_sector": {"public_administration": 75, "school": 448, "enterprise": 1301, "unknown": 0},
        "sector_text": "HCSN 75, trường học 448, doanh nghiệp 1.301",
        "headline": "1.824 lượt khen thưởng (HCSN 75, trường học 448, doanh nghiệp 1.301)",
    }
    assert [(y["year"], y["count"]) for y in report["by_year"]] == [(2023, 75), (2024, 1749)]  # type: ignore[attr-defined]


groups = st.builds(
    _group,
    st.sampled_from(["sk", "gk", "bk"]),
    st.sampled_from(["grassroots", "district", "city", "national"]),
    st.sampled_from(["public_administration", "school", "enterprise", None]),
    st.sampled_from(["individual", "collective"]),
    st.integers(2023, 2026),
    st.integers(0, 5000),
)


@given(st.lists(groups, max_size=40))
def test_every_breakdown_adds_up_to_the_total(items: list[Group]) -> None:
    report = summarise(items)
    total = report["total"]
    assert isinstance(total, dict)
    for key in ("by_award", "by_level", "by_sector", "by_year"):
        parts = report[key]
        assert isinstance(parts, list)
        assert sum(p["count"] for p in parts) == total["count"]
        assert sum(p["prize_vnd"] for p in parts) == total["prize_vnd"]
    assert total["individual"] + total["collective"] == total["count"]
    assert sum(total["by_sector"].values()) == total["count"]
