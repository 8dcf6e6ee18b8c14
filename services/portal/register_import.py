"""The grassroots register from a spreadsheet: the office fills the template (one award a row) and uploads it.

Pure: a workbook's bytes become the rows awards' `record_grassroots` takes, or the problems named by row and
column in Vietnamese ("Dòng 7, Ngày quyết định: …"); awards' own refusals ("entries.5.award_code") are mapped back
to the same row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from shared.rules.text import normalize_name

FIRST_ROW = 2  # row 1 is the header
MAX_ROWS = 2000
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("award_code", "Hình thức (mã hoặc tên)", 34),
    ("nominee_kind", "Cá nhân/Tập thể", 16),
    ("nominee_name", "Họ tên / Tên tập thể", 30),
    ("decided_on", "Ngày quyết định (dd/mm/yyyy)", 20),
    ("decision_number", "Số quyết định", 16),
    ("title", "Tên sáng kiến, nội dung", 40),
)
TITLES = {field: title for field, title, _ in COLUMNS}
KINDS = {"ca nhan": "individual", "tap the": "collective", "individual": "individual", "collective": "collective"}


@dataclass(frozen=True)
class RowProblem:
    row: int  # as Excel numbers it
    column: str
    message: str

    def text(self) -> str:
        return f"Dòng {self.row}, {self.column}: {self.message}"


def template_workbook(example_award: tuple[str, str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sổ khen thưởng cơ sở"
    sheet.append([title for _, title, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, (_, _, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.append([example_award[0], "Cá nhân", "Nguyễn Văn An", "20/12/2024", "12/QĐ-CĐCS", "Cải tiến quy trình kiểm tra"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return datetime.strptime(_text(value), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


def rows_from_xlsx(data: bytes, awards: dict[str, str]) -> tuple[list[dict[str, Any]], list[int], list[RowProblem]]:
    """(rows for awards, the Excel row number of each, problems). `awards`: code -> name of the awards to accept by name."""
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError):
        return [], [], [RowProblem(1, "Tệp", "Không đọc được tệp .xlsx (hãy dùng tệp mẫu, lưu dạng Excel .xlsx)")]
    sheet = book.worksheets[0]
    by_name = {normalize_name(name): code for code, name in awards.items()}
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    for number, values in enumerate(sheet.iter_rows(min_row=FIRST_ROW, values_only=True), start=FIRST_ROW):
        cells = dict(zip((f for f, _, _ in COLUMNS), values, strict=False))
        if not any(_text(v) for v in cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            problems.append(RowProblem(number, "Tệp", f"Mỗi lần tải tối đa {MAX_ROWS} dòng; tách tệp và tải tiếp"))
            break
        award = _text(cells.get("award_code"))
        kind_text = normalize_name(_text(cells.get("nominee_kind")) or "Cá nhân")
        decided_on = _date(cells.get("decided_on"))
        if kind_text not in KINDS:
            problems.append(RowProblem(number, TITLES["nominee_kind"], "Ghi “Cá nhân” hoặc “Tập thể”"))
        if decided_on is None:
            problems.append(RowProblem(number, TITLES["decided_on"], "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2024"))
        row = {
            "award_code": by_name.get(normalize_name(award), award),
            "nominee_kind": KINDS.get(kind_text, "individual"),
            "nominee_name": _text(cells.get("nominee_name")),
            "decided_on": decided_on or "",
            "decision_number": _text(cells.get("decision_number")) or None,
            "title": _text(cells.get("title")) or None,
        }
        rows.append(row)
        numbers.append(number)
    book.close()
    if not rows and not problems:
        problems.append(RowProblem(FIRST_ROW, "Tệp", "Tệp không có dòng nào"))
    return rows, numbers, problems


_ENTRY_FIELD = re.compile(r"^entries\.(\d+)\.(\w+)")


def problems_from_reply(fields: list[dict[str, str]], numbers: list[int]) -> list[RowProblem]:
    """Awards' field errors ("entries.3.decided_on") as rows and columns of the uploaded sheet."""
    found: list[RowProblem] = []
    for f in fields:
        match = _ENTRY_FIELD.match(f.get("field", ""))
        if match and int(match.group(1)) < len(numbers):
            found.append(RowProblem(numbers[int(match.group(1))], TITLES.get(match.group(2), match.group(2)), f["message"]))
        else:
            found.append(RowProblem(1, f.get("field", ""), f.get("message", "")))
    return found
