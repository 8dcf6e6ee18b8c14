"""The official layout, checked on the rendered PDF (text, positions and fonts read back with pypdf) and against the
printed page: the shipped Times-compatible font is embedded, quốc hiệu stands top right and the issuer top left, the
signature block never stands alone on a page, the list follows the signature as an appendix, nothing says "(đã ký)",
prizes are rounded up to 10.000 đ, an unknown prize reads "chưa xác định", a state-title tờ trình is addressed to the
authority in the data, and the printed page says word for word what the PDF says."""

from __future__ import annotations

import io
import unicodedata
from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from openpyxl import load_workbook

from services.awards.domain.decision import prize_for
from services.awards.domain.document import DocumentData, Entry, build_document
from shared.rules.documents import OfficialDocument, compose, load_layout, to_html, to_pdf, to_xlsx
from shared.rules.reference import prize_amount, prize_rounding_on
from shared.rules.rulebook import Rulebook
from tests import document_samples
from tests.document_samples import SAMPLES, one_person, state_title, thirty_people, unknown_amount

Placed = tuple[str, float, float]  # text, x, y (PDF points, origin bottom left)


def _pages(data: bytes) -> list[list[Placed]]:
    pages = []
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        found: list[Placed] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float, found: list[Placed] = found) -> None:
            if text.strip():
                found.append((unicodedata.normalize("NFC", text.strip()), tm[4], tm[5]))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def _page_of(pages: list[list[Placed]], needle: str) -> list[int]:
    return [i for i, page in enumerate(pages) if any(needle in text for text, _, _ in page)]


def _pdf_words(data: bytes, watermark: str = "") -> list[str]:
    words = []
    for i, page in enumerate(pypdf.PdfReader(io.BytesIO(data)).pages):
        lines = unicodedata.normalize("NFC", page.extract_text()).split("\n")
        lines = [line for line in lines if not watermark or line.strip() != watermark]
        if i > 0:
            assert lines[0].strip() == str(i + 1)  # the page number, which the printed page leaves to the browser
            lines = lines[1:]
        words += " ".join(lines).split()
    return words


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style" or ("class", "stamp") in attrs:
            self._skip += 1
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")
        if tag in ("style", "div") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_words(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return unicodedata.normalize("NFC", "".join(parser.parts)).split()


@pytest.fixture(scope="module")
def rendered() -> dict[str, bytes]:
    return {name: to_pdf(build()) for name, build in SAMPLES.items()}


def test_the_pdf_embeds_the_shipped_liberation_serif_and_no_other_font(rendered: dict[str, bytes]) -> None:
    for data in rendered.values():
        for page in pypdf.PdfReader(io.BytesIO(data)).pages:
            resources: Any = page["/Resources"]  # pypdf's dictionaries are loosely typed
            fonts = resources["/Font"]
            for ref in fonts.values():
                font = ref.get_object()
                assert "LiberationSerif" in str(font["/BaseFont"])
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                assert "/FontFile2" in descriptor  # embedded (subset), not left to the reader's system fonts


def test_national_name_and_motto_stand_top_right_and_the_issuer_top_left(rendered: dict[str, bytes]) -> None:
    width, height = 595.28, 841.89
    first = _pages(rendered["decision-1-person"])[0]

    def at(needle: str) -> tuple[float, float]:
        return next((x, y) for text, x, y in first if needle in text)

    for needle in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Hà Nội, ngày 05 tháng 3 năm 2026"):
        x, y = at(needle)
        assert x > width * 0.4, needle
        assert y > height * 0.75, needle
    for needle in ("LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ", "Số: 15/QĐ-LĐLĐ"):
        x, y = at(needle)
        assert x < width * 0.4, needle
        assert y > height * 0.75, needle
    # Số/ký hiệu and the date on one row, below the two names; the left margin is the decree's 30 mm
    assert abs(at("Số: 15/QĐ-LĐLĐ")[1] - at("Hà Nội, ngày")[1]) < 3
    assert at("QUYẾT ĐỊNH")[1] < at("Số: 15/QĐ-LĐLĐ")[1]
    left_margin_pt = load_layout().v("margin_left_mm") * 72 / 25.4
    assert min(x for _, x, _ in first) >= left_margin_pt - 0.5


def test_page_numbers_start_on_page_two_centred_in_the_top_margin(rendered: dict[str, bytes]) -> None:
    pages = _pages(rendered["decision-30-people"])
    assert len(pages) >= 3
    assert not any(text.isdigit() and y > 800 for text, _, y in pages[0])
    for number, page in enumerate(pages[1:], start=2):
        text, x, y = max(page, key=lambda placed: placed[2])
        assert text == str(number)
        assert y > 800
        assert 280 < x < 320


@pytest.mark.parametrize("filler", range(0, 12))
def test_the_signature_block_is_never_alone_on_its_page(filler: int) -> None:
    """Whatever the length of the body, the page with the signature also has the last article before it."""
    doc = one_person()
    long = "Căn cứ Quyết định số 12/QĐ-LĐLĐ ngày 02/01/2026 của Ban Thường vụ về việc ban hành kế hoạch thi đua năm 2026"
    doc = replace(doc, basis=(*doc.basis[:-1], *([long] * filler), doc.basis[-1]))
    pages = _pages(to_pdf(doc))
    [signature_page] = _page_of(pages, "TM. BAN THƯỜNG VỤ")
    assert _page_of(pages, "Nguyễn Văn Hùng") == [signature_page]
    assert signature_page in _page_of(pages, "Điều 3.")
    assert signature_page in _page_of(pages, "Nơi nhận:")


def test_a_one_person_decision_fits_its_text_and_signature_on_page_one_and_lists_the_person_after_it(
    rendered: dict[str, bytes],
) -> None:
    pages = _pages(rendered["decision-1-person"])
    assert len(pages) == 2
    assert _page_of(pages, "Nguyễn Văn Hùng") == [0]
    [appendix] = _page_of(pages, "DANH SÁCH")
    assert appendix == 1
    texts = [text for text, _, _ in sorted(pages[1], key=lambda placed: -placed[2])]
    assert texts[:2] == ["2", "DANH SÁCH"]  # the page number, then the appendix's title at the top of its page
    assert any("(Kèm theo Quyết định số 15/QĐ-LĐLĐ ngày 05/3/2026" in text for text in texts)
    assert _page_of(pages, "Nguyễn Thị Hường") == [1]
    assert _page_of(pages, "Chức vụ") == [1]


def test_the_table_header_repeats_on_every_page_of_a_long_list(rendered: dict[str, bytes]) -> None:
    pages = _pages(rendered["decision-30-people"])
    listing = _page_of(pages, "Đỗ Minh Tuấn")  # the 30th
    assert listing
    assert listing[0] > 1
    assert set(_page_of(pages, "Số tiền (đồng)")) >= {1, *listing}


def test_nothing_says_it_was_signed(rendered: dict[str, bytes]) -> None:
    for name, build in SAMPLES.items():
        assert "đã ký" not in " ".join(_pdf_words(rendered[name])).lower(), name
        assert "đã ký" not in str(to_html(build())).lower(), name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_printed_page_says_word_for_word_what_the_pdf_says(name: str, rendered: dict[str, bytes]) -> None:
    doc = SAMPLES[name]()
    pdf, html = Counter(_pdf_words(rendered[name])), Counter(_html_words(str(to_html(doc))))
    assert html == Counter(" ".join(compose(doc).text_lines()).split())
    assert not html - pdf  # every word of the printed page is in the PDF, as often
    # and the PDF has no other words than the column titles it repeats at the top of each page a list runs onto
    titles = {word for table in doc.tables for column in table.columns for word in column.title.split()}
    assert set(pdf - html) <= titles


def test_a_revoked_document_prints_the_same_words_beside_its_stamp() -> None:
    doc = replace(thirty_people(), watermark="ĐÃ THU HỒI", closing=("Quyết định này đã bị thu hồi ngày 01/04/2026.",))
    pdf = Counter(_pdf_words(to_pdf(doc), watermark="ĐÃ THU HỒI"))
    html = str(to_html(doc))
    assert '<div class="stamp" aria-hidden="true">ĐÃ THU HỒI</div>' in html
    words = Counter(_html_words(html))
    assert not words - pdf
    assert set(pdf - words) <= {word for table in doc.tables for column in table.columns for word in column.title.split()}


def test_basis_lines_end_with_semicolons_and_the_last_with_a_full_stop_and_cite_dates() -> None:
    basis = one_person().basis
    lines = [line.text for line in compose(one_person()).basis]
    assert all(line.endswith(";") for line in lines[:-1])
    assert lines[-1].endswith(".")
    assert any("Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ" in line for line in basis)
    assert any("số 06/2022/QH15 ngày 15/6/2022" in line for line in basis)


# Amounts


def test_a_prize_is_rounded_up_to_ten_thousand_dong_from_2024_and_whole_dong_before() -> None:
    assert prize_amount(Decimal("0.3"), 2_340_000, 10_000) == 710_000  # 702.000 -> 710.000
    assert prize_amount(Decimal("1.5"), 2_340_000, 10_000) == 3_510_000  # already a multiple: unchanged
    assert prize_amount(Decimal("0.15"), 1_490_000, 10_000) == 230_000  # 223.500 -> 230.000
    rule = prize_rounding_on(date(2026, 3, 5))
    assert rule is not None
    assert rule.step_vnd == 10_000
    assert rule.source
    assert prize_rounding_on(date(2023, 12, 31)) is None
    award = Rulebook().award_on("giay_khen_ldld_huyen", date(2026, 3, 5))
    assert award is not None
    assert prize_for(award, "individual", 2_340_000, date(2026, 3, 5)).amount_vnd == 710_000


def test_an_unknown_prize_reads_chua_xac_dinh_never_no_prize(rendered: dict[str, bytes]) -> None:
    doc = unknown_amount()
    text = " ".join(_pdf_words(rendered["decision-amount-unknown"]))  # SAMPLES renders unknown_amount() under that name
    assert "chưa xác định" in text
    assert "không kèm tiền thưởng" not in text
    assert "Cộng: 2 chưa xác định" in " ".join(_html_words(str(to_html(doc))))


def test_a_zero_prize_is_no_prize_only_when_the_catalogue_confirms_it() -> None:
    entry = Entry("Nguyễn Văn A", "individual", "CĐCS A", "x", "Giấy khen", 0, amount_known=True)
    data = DocumentData(
        kind="decision",
        number_text="1/QĐ-LĐLĐ",
        issuer_name="LĐLĐ",
        issuer_parent_name="",
        issued_on=date(2026, 3, 5),
        place="Hà Nội",
        basis=(),
        authority="",
        signer_role=(),
        signer_name="",
        entries=(entry,),
    )
    assert "không kèm tiền thưởng" in build_document(data).paragraphs[1]
    unknown = replace(data, entries=(replace(entry, amount_known=False),))
    assert "chưa xác định" in build_document(unknown).paragraphs[1]


# State titles


def test_a_state_title_is_addressed_to_the_authority_in_the_data_without_catalogue_notes(rendered: dict[str, bytes]) -> None:
    doc: OfficialDocument = state_title()
    assert doc.addressee == "Ủy ban nhân dân thành phố Hà Nội"
    text = " ".join(_pdf_words(rendered["state-title-to-trinh"]))
    assert "Kính gửi: Ủy ban nhân dân thành phố Hà Nội" in text
    for note in ("chưa xác nhận", "Bộ trưởng", "thẩm quyền", "NĐ 98/2023/NĐ-CP Đ."):
        assert note not in text


# The spreadsheet


def test_the_xlsx_keeps_stt_and_amounts_as_numbers_under_the_appendix_heading() -> None:
    rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(to_xlsx(thirty_people()))).active.iter_rows()]
    assert [v for v in rows[4] if v is not None] == ["DANH SÁCH"]
    listed = [r for r in rows if isinstance(r[0], int)]
    assert [r[0] for r in listed] == list(range(1, 31))
    assert all(r[-1] == 710_000 for r in listed)


def test_the_samples_module_renders_every_kind() -> None:
    assert set(document_samples.SAMPLES) >= {"decision-1-person", "decision-30-people", "state-title-to-trinh"}


def test_every_layout_value_names_its_source_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    layout = load_layout()
    assert layout.v("margin_left_mm") == 30
    assert layout.v("body_pt") >= 13
    assert all(": " in u and u.split(": ", 1)[1] for u in layout.unconfirmed)  # "name: source"
    broken = tmp_path / "layout.toml"
    broken.write_text('[values.body_pt]\nvalue = 14\nsource = "x"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="missing layout values"):
        load_layout(broken)
