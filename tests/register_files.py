"""Grassroots register workbooks for the upload tests, written part by part so that each is exactly what a test needs:
a register of n rows, the largest file the portal accepts, and files built to make a reader work (a zip bomb, a sheet
full of empty rows).

The sheet is written as Excel's XML with inline strings (as openpyxl writes it), into the portal's own template.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from services.portal.register_import import MAX_FILE_BYTES, MAX_ROWS, MAX_UNPACKED_BYTES, template_workbook

SHEET = "xl/worksheets/sheet1.xml"
COLUMNS = "ABCDEF"
HEADER = ("Hình thức", "Cá nhân/Tập thể", "Họ tên", "Ngày quyết định", "Số quyết định", "Nội dung")
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def row_xml(number: int, values: Sequence[str]) -> str:
    cells = "".join(
        f'<c r="{col}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>' for col, v in zip(COLUMNS, values, strict=False)
    )
    return f'<row r="{number}">{cells}</row>'


def styled_empty_row(number: int) -> str:
    """A row with borders but nothing in it, as Excel saves rows someone formatted ahead of time."""
    return f'<row r="{number}">' + "".join(f'<c r="{col}{number}" s="0"/>' for col in COLUMNS) + "</row>"


def sheet_xml(rows: Iterable[str]) -> bytes:
    return (SHEET_START + row_xml(1, HEADER) + "".join(rows) + SHEET_END).encode()


def with_sheet(sheet: bytes) -> bytes:
    """The portal's template workbook with this sheet in place of its own."""
    template = zipfile.ZipFile(io.BytesIO(template_workbook(("sang_kien_co_so", "Sáng kiến cấp cơ sở"))))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        for part in template.infolist():
            book.writestr(part.filename, sheet if part.filename == SHEET else template.read(part), zipfile.ZIP_DEFLATED)
    return out.getvalue()


def innovation(i: int, *, decided_on: str = "20/12/2025") -> tuple[str, ...]:
    return (
        "Sáng kiến cấp cơ sở",
        "Cá nhân",
        f"Nguyễn Thị Phương Thảo {i}",
        decided_on,
        f"{i}/QĐ-CĐCS",
        f"Giải pháp cải tiến quy trình kiểm tra chất lượng sản phẩm tại phân xưởng số {i}",
    )


def register(n: int, *, first_row: int = 2) -> bytes:
    """n rows of innovations, one under the other from `first_row`."""
    return with_sheet(sheet_xml(row_xml(first_row + i, innovation(i)) for i in range(n)))


def largest_accepted_register() -> bytes:
    """The largest file the portal reads in full: the register's 2,000 rows, then formatted empty rows until the parts
    unpacked reach the portal's limit. Every byte of it is parsed, and awards records the 2,000 rows."""
    data_rows = [row_xml(2 + i, innovation(i)) for i in range(MAX_ROWS)]
    others = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(with_sheet(b""))).infolist())
    budget = MAX_UNPACKED_BYTES - others - len(sheet_xml(data_rows)) - 1024
    padding: list[str] = []
    number = 2 + MAX_ROWS
    while budget > 0:
        padding.append(styled_empty_row(number))
        budget -= len(padding[-1])
        number += 1
    data = with_sheet(sheet_xml(data_rows + padding[:-1]))
    unpacked = sum(p.file_size for p in zipfile.ZipFile(io.BytesIO(data)).infolist())
    assert MAX_UNPACKED_BYTES - 4096 < unpacked <= MAX_UNPACKED_BYTES
    assert len(data) <= MAX_FILE_BYTES
    return data


def unpacking_bomb(unpacked_bytes: int = 128 * 1024 * 1024) -> bytes:
    """A small file whose one cell unpacks to `unpacked_bytes` (the sizes it declares are true): by default 128 MB, 21
    times the portal's limit, from a file of 130 KB; read, it would keep the reader busy some 18 s (16 MB take 2.2 s)."""
    return with_sheet(
        (SHEET_START + '<row r="2"><c r="A2" t="inlineStr"><is><t>').encode()
        + b"A" * unpacked_bytes
        + ("</t></is></c></row>" + SHEET_END).encode()
    )


def empty_rows_up_to(last_row: int) -> bytes:
    """A sheet whose only content after the header is its last row's number: every row between is missing."""
    return with_sheet(sheet_xml([f'<row r="{last_row}"><c r="A{last_row}" s="0"/></row>']))
