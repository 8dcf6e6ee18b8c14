"""Official documents render Vietnamese text intact in PDF and keep amounts as numbers in .xlsx."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date

import pypdf
import pytest
from openpyxl import load_workbook

from shared.rules.documents import Column, OfficialDocument, SignatureBlock, Table, date_line, to_pdf, to_xlsx, vnd

NAMES = ("Nguyễn Thị Hường", "Trần Văn Đức", "Lê Thị Ngọc Ánh", "Phạm Quốc Vượng")


def _doc(**changes: object) -> OfficialDocument:
    base: dict[str, object] = {
        "kind": "Quyết định",
        "subject": "Về việc khen thưởng thành tích xuất sắc năm 2025",
        "issuer": "Liên đoàn Lao động thành phố Hà Nội",
        "issuer_parent": "Tổng Liên đoàn Lao động Việt Nam",
        "number_text": "15/QĐ-LĐLĐ",
        "place": "Hà Nội",
        "issued_on": date(2026, 1, 5),
        "basis": ("Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",),
        "resolve_line": "QUYẾT ĐỊNH:",
        "paragraphs": ("Điều 1. Tặng Bằng khen cho 4 cá nhân (có danh sách kèm theo).",),
        "tables": (
            Table(
                columns=(Column("STT", 0.5, "C"), Column("Họ và tên", 3), Column("Số tiền (đồng)", 1.5, money=True)),
                rows=tuple((str(i), name, 1_170_000) for i, name in enumerate(NAMES, start=1)),
                heading="B. CÁ NHÂN",
                total=("", "Tổng cộng", 4_680_000),
            ),
        ),
        "signature": SignatureBlock("TM. Ban Thường vụ", "Chủ tịch", "Nguyễn Phi Thường"),
    }
    base.update(changes)
    return OfficialDocument(**base)  # type: ignore[arg-type]


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))


def test_pdf_keeps_every_vietnamese_letter() -> None:
    text = _pdf_text(to_pdf(_doc()))
    for expected in (*NAMES, "QUYẾT ĐỊNH", "Độc lập - Tự do - Hạnh phúc", "Số: 15/QĐ-LĐLĐ", "4.680.000", "Nguyễn Phi Thường"):
        assert expected in text


def test_decomposed_input_is_printed_composed() -> None:
    decomposed = unicodedata.normalize("NFD", "Lê Thị Ngọc Ánh")
    table = Table(columns=(Column("Họ và tên"),), rows=((decomposed,),))
    assert "Lê Thị Ngọc Ánh" in _pdf_text(to_pdf(_doc(tables=(table,))))


def test_many_rows_break_pages_and_number_them() -> None:
    rows = tuple((str(i), f"Đoàn viên số {i}", 500_000) for i in range(1, 121))
    table = Table(columns=(Column("STT", 0.5), Column("Họ và tên", 3), Column("Số tiền", 1.5, money=True)), rows=rows)
    data = to_pdf(_doc(tables=(table,)))
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 2
    # The page number from page 2 on, alone on the first line of the page (NĐ 30/2020: none on the first page)
    assert [page.extract_text().split("\n")[0].strip() for page in reader.pages[1:3]] == ["2", "3"]
    assert not reader.pages[0].extract_text().split("\n")[0].strip().isdigit()
    assert "Đoàn viên số 120" in _pdf_text(data)


def test_watermark_marks_a_revoked_document() -> None:
    assert "ĐÃ THU HỒI" in _pdf_text(to_pdf(_doc(watermark="ĐÃ THU HỒI")))
    assert "ĐÃ THU HỒI" not in _pdf_text(to_pdf(_doc()))


def test_xlsx_keeps_amounts_as_numbers() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(_doc())))
    sheet = book.active
    assert sheet is not None
    values = [row for row in sheet.iter_rows(values_only=True)]
    flat = [v for row in values for v in row if v is not None]
    assert "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI" in flat
    assert "Số: 15/QĐ-LĐLĐ" in flat
    name_rows = [row for row in values if row[1] in NAMES]
    assert [row[2] for row in name_rows] == [1_170_000] * 4
    assert (None, "Tổng cộng", 4_680_000) in values  # an empty cell reads back as None


def test_vietnamese_number_and_date_forms() -> None:
    assert vnd(1_234_567) == "1.234.567"
    assert vnd(0) == "0"
    assert date_line("Hà Nội", date(2026, 2, 5)) == "Hà Nội, ngày 05 tháng 02 năm 2026"
    assert date_line("Hà Nội", date(2026, 11, 25)) == "Hà Nội, ngày 25 tháng 11 năm 2026"


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://attacker.example/x","Bấm vào đây")', "=cmd|' /C calc'!A0", "=1+1", "=SUM(A1:A9)"],
)
def test_a_name_or_achievement_that_looks_like_a_formula_stays_text_in_the_xlsx(text: str) -> None:
    table = Table(columns=(Column("Họ và tên"), Column("Thành tích")), rows=((text, text),))
    doc = OfficialDocument(
        kind="Quyết định",
        subject="khen thưởng",
        issuer="LĐLĐ",
        number_text="1/QĐ-LĐLĐ",
        place="Hà Nội",
        issued_on=date(2026, 5, 4),
        tables=(table,),
    )
    data = to_xlsx(doc)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no cell is written as a formula
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row if c.value == text]
    assert len(cells) == 2
    assert all(c.data_type == "s" for c in cells)
