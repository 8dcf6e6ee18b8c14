"""A decision or tờ trình as a document: A/B tables, totals, counts per award, the tờ trình's own number series,
the dated legal basis, revocation rules; the rendered PDF's text read back with pypdf."""

from __future__ import annotations

import io
from datetime import date

import pydantic
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from services.awards.domain.decision import number_for, proposal_number_for
from services.awards.domain.document import (
    DocumentData,
    Entry,
    Revocation,
    build_document,
    count_by_award,
    plain_authority,
    recipients_phrase,
    split_by_kind,
    total_vnd,
)
from services.awards.domain.legal_basis import frame_for, parse_legal_basis
from services.awards.domain.revocation import Recovery, check_recovered, check_revocation
from services.awards.usecases.context import legal_basis_of
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.values import Level, NomineeKind
from shared.rules.documents import to_pdf, to_xlsx
from shared.rules.rulebook import Rulebook
from tests.unit.factories import actor, unit

GK = ("giay_khen_ldld_huyen", "Giấy khen của BCH LĐLĐ huyện")
BK = ("bang_khen_ldld_tp", "Bằng khen của LĐLĐ Thành phố")
SHIPPED = legal_basis_of(Rulebook())  # shared/data/legal_basis.toml, as the composition root has awards read it


def entry(
    name: str, kind: NomineeKind = "individual", award: tuple[str, str] = GK, amount: int = 702_000, unit_name: str = "CĐCS A"
) -> Entry:
    return Entry(
        nominee_name=name,
        nominee_kind=kind,
        unit_name=unit_name,
        award_code=award[0],
        award_name=award[1],
        prize_amount_vnd=amount,
    )


def data(entries: tuple[Entry, ...], **changes: object) -> DocumentData:
    base: dict[str, object] = {
        "kind": "decision",
        "number_text": "7/QĐ-LĐLĐ",
        "issuer_name": "Liên đoàn Lao động thị xã Sơn Tây",
        "issuer_parent_name": "Liên đoàn Lao động Thành phố Hà Nội",
        "issued_on": date(2026, 3, 2),
        "place": "Hà Nội",
        "basis": ("Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;",),
        "authority": "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY",
        "signer_role": ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"),
        "signer_name": "Nguyễn Văn Hùng",
        "entries": entries,
        "base_salary_vnd": 2_340_000,
        "periods": ("2026",),
    }
    base.update(changes)
    return DocumentData(**base)  # type: ignore[arg-type]


MIXED = (
    entry("Trần Thị Bích"),
    entry("Tổ Công đoàn Phân xưởng 2", "collective", amount=1_404_000),
    entry("Lê Văn Đức", award=BK, amount=2_340_000),
    entry("Công đoàn bộ phận Kỹ thuật", "collective", award=BK, amount=4_680_000, unit_name="CĐCS B"),
    entry("Âu Thị Hà"),
)


# Grouping and totals


def test_collectives_and_individuals_go_to_separate_tables_sorted_by_award_then_unit_then_name() -> None:
    collectives, individuals = split_by_kind(MIXED)
    assert [e.nominee_name for e in collectives] == ["Tổ Công đoàn Phân xưởng 2", "Công đoàn bộ phận Kỹ thuật"]
    assert [e.nominee_name for e in individuals] == ["Trần Thị Bích", "Âu Thị Hà", "Lê Văn Đức"]


def test_a_document_counts_each_award_with_its_collectives_individuals_and_amount() -> None:
    counts = count_by_award(MIXED)
    assert [(c.award_name, c.collectives, c.individuals, c.amount_vnd) for c in counts] == [
        (GK[1], 1, 2, 702_000 * 2 + 1_404_000),
        (BK[1], 1, 1, 2_340_000 + 4_680_000),
    ]


@given(st.lists(st.tuples(st.sampled_from(["individual", "collective"]), st.integers(0, 50_000_000), st.booleans()), max_size=40))
def test_the_tables_total_rows_add_up_to_the_whole_decision(rows: list[tuple[NomineeKind, int, bool]]) -> None:
    entries = tuple(entry(f"Người {i}", kind, BK if other else GK, amount) for i, (kind, amount, other) in enumerate(rows))
    doc = build_document(data(entries))
    totals = [t.total[-1] for t in doc.tables if t.total is not None]
    assert sum(int(t) for t in totals) == total_vnd(entries)
    assert sum(len(t.rows) for t in doc.tables) == len(entries)
    assert [t.heading for t in doc.tables] == [
        h
        for h, kind in (("A. TẬP THỂ", "collective"), ("B. CÁ NHÂN", "individual"))
        if any(e.nominee_kind == kind for e in entries)
    ]


@pytest.mark.parametrize(
    ("collectives", "individuals", "phrase"),
    [(2, 3, "2 tập thể và 3 cá nhân"), (0, 3, "3 cá nhân"), (1, 0, "1 tập thể")],
)
def test_recipients_are_counted_in_words(collectives: int, individuals: int, phrase: str) -> None:
    assert recipients_phrase(collectives, individuals) == phrase


def test_article_one_names_every_award_with_its_counts_and_article_two_the_total() -> None:
    doc = build_document(data(MIXED))
    article1, article2, article3 = doc.paragraphs
    assert (
        article1
        == f"Điều 1. Tặng {GK[1]} cho 1 tập thể và 2 cá nhân; {BK[1]} cho 1 tập thể và 1 cá nhân (có danh sách kèm theo)."
    )
    assert "2.340.000 đồng" in article2
    assert "tổng cộng 9.828.000 đồng" in article2
    assert article3.startswith("Điều 3.")
    assert doc.subject == f"Về việc khen thưởng {GK[1]}, {BK[1]} năm 2026"
    assert doc.watermark == ""


def test_a_proposal_lists_no_amounts_and_is_addressed_to_the_deciding_authority() -> None:
    doc = build_document(data(MIXED[:2], kind="proposal", number_text="3/TTr-LĐLĐ", decided_by="Thủ tướng Chính phủ"))
    assert doc.kind == "TỜ TRÌNH"
    assert doc.addressee == "Thủ tướng Chính phủ"
    assert not any("Kính gửi" in line for line in doc.basis)
    assert all(not c.money for t in doc.tables for c in t.columns)
    assert all(t.total is None for t in doc.tables)
    assert "kính trình Thủ tướng Chính phủ xem xét, quyết định tặng" in doc.paragraphs[0]


def test_a_revoked_decision_carries_the_watermark_and_the_revocation_line() -> None:
    revoked = Revocation(reason="Khai man thành tích trong hồ sơ", on=date(2026, 4, 1), by="Lãnh đạo LĐLĐ Sơn Tây")
    doc = build_document(data(MIXED, revocation=revoked))
    assert doc.watermark == "ĐÃ THU HỒI"
    assert (
        doc.closing[-1]
        == "Quyết định này đã bị thu hồi ngày 01/04/2026 (Lãnh đạo LĐLĐ Sơn Tây). Lý do: Khai man thành tích trong hồ sơ"
    )


# The rendered files


def test_the_pdf_text_has_the_number_articles_tables_and_vietnamese_names_intact() -> None:
    revoked = Revocation(reason="Hồ sơ giả mạo chữ ký", on=date(2026, 4, 1), by="Quản trị")
    pdf = to_pdf(build_document(data(MIXED, revocation=revoked)))
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    for expected in (
        "Số: 7/QĐ-LĐLĐ",
        "QUYẾT ĐỊNH",
        "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY",
        "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15.",  # the last căn cứ ends with "."
        "Điều 1. Tặng",
        "A. TẬP THỂ",
        "B. CÁ NHÂN",
        "Tổ Công đoàn Phân xưởng 2",
        "Âu Thị Hà",
        "9.828.000",
        "ĐÃ THU HỒI",
        "Hồ sơ giả mạo chữ ký",
        "Nguyễn Văn Hùng",
    ):
        assert expected in text, expected


def test_the_xlsx_keeps_amounts_as_numbers_under_the_a_and_b_headings() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(build_document(data(MIXED)))))
    sheet = book.active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [v for v in rows[[r[0] for r in rows].index("A. TẬP THỂ")] if v is not None] == ["A. TẬP THỂ"]
    assert any(r[1] == "Lê Văn Đức" and r[5] == 2_340_000 for r in rows)  # STT, name, chức vụ, đơn vị, hình thức, số tiền
    assert any(r[1] == "Cộng: 3" and r[5] == 702_000 * 2 + 2_340_000 for r in rows)
    assert [r[0] for r in rows if r[1] in ("Trần Thị Bích", "Âu Thị Hà", "Lê Văn Đức")] == [1, 2, 3]  # STT numeric


# Number series


@given(last=st.integers(0, 10_000))
def test_a_proposal_has_its_own_series_with_the_ttr_suffix(last: int) -> None:
    assert proposal_number_for(unit("HN"), 2026, last).text == f"{last + 1}/TTr-LĐLĐ"
    assert proposal_number_for(unit("TLD"), 2026, last).text == f"{last + 1}/TTr-TLĐ"
    assert number_for(unit("HN"), 2026, last).text == f"{last + 1}/QĐ-LĐLĐ"


# Legal basis


def test_the_union_regulation_cited_depends_on_the_decision_date() -> None:
    def frame(on: date) -> tuple[str, ...]:
        return frame_for(
            "decision", issuer_code="HN", issuer_name="LĐLĐ", issuer_level="city", catalogs={"union"}, on=on, config=SHIPPED
        ).basis

    assert any("999/QĐ-TLĐ" in line for line in frame(date(2024, 6, 1)))
    assert not any("1689/QĐ-TLĐ" in line for line in frame(date(2024, 6, 1)))
    assert any("1689/QĐ-TLĐ" in line for line in frame(date(2024, 5, 28)))


def test_a_state_title_proposal_cites_no_union_regulation_and_flags_unconfirmed_lines() -> None:
    frame = frame_for(
        "proposal",
        issuer_code="TLD",
        issuer_name="Tổng Liên đoàn",
        issuer_level="national",
        catalogs={"state"},
        on=date(2026, 3, 1),
        config=SHIPPED,
    )
    assert not any("QĐ-TLĐ" in line for line in frame.basis)
    assert any("06/2022/QH15" in line for line in frame.basis)
    assert frame.authority == ""
    assert frame.unconfirmed  # the signer and the Điều lệ line are defaults the office should check


def test_the_authority_line_names_the_issuer_in_capitals() -> None:
    frame = frame_for(
        "decision",
        issuer_code="HN",
        issuer_name="Liên đoàn Lao động Thành phố Hà Nội",
        issuer_level="city",
        catalogs={"union"},
        on=date(2026, 3, 1),
        config=SHIPPED,
    )
    assert frame.authority == "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI"
    assert frame.signer_role == ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH")
    assert frame.place == "Hà Nội"


# Revocation rules

APPROVER = actor("u-1", ("approver", "HN-SONTAY"))
OTHER_APPROVER = actor("u-2", ("approver", "HN"))
SUBMITTER = actor("u-3", ("submitter", "HN-SONTAY"))
ADMIN = actor("u-4", ("admin", None))
REASON = "Khai man thành tích, đã xác minh"


@pytest.mark.parametrize("who", [APPROVER, ADMIN])
def test_an_approver_of_the_issuing_unit_or_an_admin_may_revoke(who: object) -> None:
    assert check_revocation(who, issuer_code="HN-SONTAY", kind="decision", status="issued", reason=f"  {REASON}  ") == REASON  # type: ignore[arg-type]


@pytest.mark.parametrize("who", [OTHER_APPROVER, SUBMITTER])
def test_nobody_else_may_revoke(who: object) -> None:
    with pytest.raises(Forbidden):
        check_revocation(who, issuer_code="HN-SONTAY", kind="decision", status="issued", reason=REASON)  # type: ignore[arg-type]


@pytest.mark.parametrize("reason", ["", "   ", "ngắn quá", "a  b  c  d"])
def test_a_reason_of_fewer_than_ten_characters_is_refused_on_its_field(reason: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_revocation(APPROVER, issuer_code="HN-SONTAY", kind="decision", status="issued", reason=reason)
    assert [(f.field, f.message) for f in refused.value.fields] == [("reason", "Nêu lý do thu hồi, ít nhất 10 ký tự")]


def test_a_decision_is_revoked_only_once_and_a_proposal_never() -> None:
    with pytest.raises(Conflict) as twice:
        check_revocation(APPROVER, issuer_code="HN-SONTAY", kind="decision", status="revoked", reason=REASON)
    assert twice.value.code == "already_revoked"
    with pytest.raises(Conflict) as proposal:
        check_revocation(APPROVER, issuer_code="HN-SONTAY", kind="proposal", status="issued", reason=REASON)
    assert proposal.value.code == "not_a_decision"


def test_a_prize_is_marked_recovered_only_when_due_and_only_once() -> None:
    check_recovered(APPROVER, issuer_code="HN-SONTAY", recovery=Recovery.DUE)
    for state, code in ((Recovery.RECOVERED, "already_recovered"), (None, "not_due")):
        with pytest.raises(Conflict) as refused:
            check_recovered(APPROVER, issuer_code="HN-SONTAY", recovery=state)
        assert refused.value.code == code
    with pytest.raises(Forbidden):
        check_recovered(SUBMITTER, issuer_code="HN-SONTAY", recovery=Recovery.DUE)


def test_a_state_title_letter_is_addressed_to_the_authority_the_legal_basis_file_names() -> None:
    def addressee(codes: frozenset[str], level: Level = "city") -> str:
        return frame_for(
            "proposal",
            issuer_code="HN",
            issuer_name="Liên đoàn Lao động Thành phố Hà Nội",
            issuer_level=level,
            catalogs={"state"},
            on=date(2026, 3, 1),
            award_codes=codes,
            config=SHIPPED,
        ).addressee

    assert addressee(frozenset({"chien_si_thi_dua_cap_tinh"})) == "Ủy ban nhân dân thành phố Hà Nội"
    assert addressee(frozenset({"bang_khen_thu_tuong"}), "national") == "Thủ tướng Chính phủ"
    assert addressee(frozenset()) == ""  # none configured: the document falls back to the authority without notes
    assert plain_authority("Bộ trưởng, Chủ tịch UBND tỉnh (thẩm quyền theo Luật 2022 chưa xác nhận)") == (
        "Bộ trưởng, Chủ tịch UBND tỉnh"
    )


def test_a_legal_basis_file_with_an_unknown_key_or_no_defaults_is_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_legal_basis({"defaults": {"place": "Hà Nội"}, "signer": []})  # a misspelt [[signers]]
    with pytest.raises(pydantic.ValidationError):
        parse_legal_basis({"basis": []})
    assert parse_legal_basis({"defaults": {"place": "Hà Nội"}}).basis == ()
