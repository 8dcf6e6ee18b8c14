"""A CĐCS's members from a spreadsheet ("Đoàn viên / Người lao động"): the office fills the template (one person a
row) and uploads it; registration matches each row to the person it describes or adds them.

Pure: a workbook's bytes become the rows registration's `import_people` takes, or the problems named by row and column
in Vietnamese ("Dòng 7, Ngày sinh: …"); registration's own refusals ("rows.5.birth_date") are mapped back to the same
row and column. The file is read by the bounded reader of the grassroots register (`register_import.sheet_rows`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import closing
from io import BytesIO
from typing import Any

from pydantic import ValidationError

from services.portal.register_import import (
    FIRST_ROW,
    UNREADABLE,
    RowProblem,
    Unreadable,
    cell_date,
    cell_text,
    sheet_rows,
)
from shared.contracts.errors import ValidationFailed
from shared.contracts.people import IMPORT_ROWS_MAX, ImportRow
from shared.rules.text import normalize_name

COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("full_name", "Họ và tên", 30),
    ("birth_date", "Ngày sinh (dd/mm/yyyy)", 20),
    ("gender", "Giới tính (Nam/Nữ)", 16),
    ("id_number", "Số định danh cá nhân (12 số, không bắt buộc)", 28),
    ("position", "Chức vụ, nghề nghiệp", 30),
)
TITLES = {field: title for field, title, _ in COLUMNS}
FIELDS = tuple(TITLES)
GENDERS = {"nam": "male", "nu": "female", "male": "male", "female": "female"}
# A number typed into a cell formatted as a number loses its leading zeros (a CCCD begins with the province's code,
# 001 to 096): 12 digits (CCCD) or 9 (CMND) once padded again.
PADDED = {10: 12, 11: 12, 7: 9, 8: 9}


def template_workbook() -> bytes:
    from openpyxl import Workbook  # with the first workbook, not at start-up (memory)
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Đoàn viên"
    sheet.append([title for _, title, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, (_, _, width) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = width
    sheet.append(["Nguyễn Văn An", "12/03/1985", "Nam", "001085012345", "Tổ trưởng tổ bảo dưỡng"])
    for row in range(1, 3 + IMPORT_ROWS_MAX):  # the number column as text, so that a leading zero is kept
        sheet.cell(row=row, column=FIELDS.index("id_number") + 1).number_format = "@"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _id_number(value: Any) -> str | None:
    text = cell_text(value).replace(" ", "").replace(".", "")
    if not text:
        return None
    if isinstance(value, int | float) and len(text) in PADDED:
        text = text.zfill(PADDED[len(text)])
    return text


def too_many_rows(row: int) -> ValidationFailed:
    return ValidationFailed.on(
        "file",
        f"Tệp có hơn {IMPORT_ROWS_MAX} dòng (dòng {row}); mỗi lần nhập tối đa {IMPORT_ROWS_MAX} người, hãy tách tệp",
        code="people_too_many_rows",
    )


def _person_row(number: int, cells: dict[str, Any], problems: list[RowProblem]) -> dict[str, Any] | None:
    """One row as registration takes it, or None with what is wrong in it added to `problems`."""
    found: list[RowProblem] = []
    birth_date = cell_date(cells.get("birth_date")) if cell_text(cells.get("birth_date")) else None
    if cell_text(cells.get("birth_date")) and birth_date is None:
        found.append(RowProblem(number, TITLES["birth_date"], "Ngày phải có dạng dd/mm/yyyy, ví dụ 12/03/1985"))
    gender_text = normalize_name(cell_text(cells.get("gender")))
    if gender_text and gender_text not in GENDERS:
        found.append(RowProblem(number, TITLES["gender"], "Ghi “Nam” hoặc “Nữ”"))
    row = {
        "row": number,
        "full_name": cell_text(cells.get("full_name")),
        "birth_date": birth_date,
        "gender": GENDERS.get(gender_text),
        "id_number": _id_number(cells.get("id_number")),
        "position": cell_text(cells.get("position")) or None,
    }
    if not found:
        try:
            ImportRow.model_validate(row)
        except ValidationError as exc:
            for error in exc.errors():
                field = str(error["loc"][0]) if error["loc"] else "full_name"
                found.append(RowProblem(number, TITLES.get(field, field), _message(field)))
    problems.extend(found)
    return None if found else row


def _message(field: str) -> str:
    return {
        "full_name": "Cần ghi họ và tên (2 đến 200 ký tự, trên một dòng)",
        "id_number": "Số định danh cá nhân gồm 12 chữ số (hoặc CMND 9 chữ số)",
        "position": "Chức vụ tối đa 200 ký tự, trên một dòng",
    }.get(field, "Giá trị không hợp lệ")


def rows_from_xlsx(data: bytes, *, clock: Callable[[], float] = time.monotonic) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """(the valid rows for registration, each with its Excel row number; the problems of the others).

    Raises `WorkbookTooLarge`, `WorkbookTooSlow` or a `ValidationFailed` (on `file`) for more than the rows allowed."""
    rows: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen = 0
    try:
        with closing(sheet_rows(data, clock, len(COLUMNS))) as found:
            for number, values in found:
                seen += 1
                if seen > IMPORT_ROWS_MAX:
                    raise too_many_rows(number)
                row = _person_row(number, dict(zip(FIELDS, values, strict=False)), problems)
                if row is not None:
                    rows.append(row)
    except Unreadable:
        return [], [UNREADABLE]
    if not seen:
        problems.append(RowProblem(FIRST_ROW, "Tệp", "Tệp không có dòng nào"))
    return rows, problems


_ROW_FIELD = re.compile(r"^rows\.(\d+)\.(\w+)")


def problems_from_reply(fields: list[dict[str, str]], rows: list[dict[str, Any]]) -> list[RowProblem]:
    """Registration's field errors ("rows.3.birth_date") as rows and columns of the uploaded sheet."""
    found: list[RowProblem] = []
    for f in fields:
        match = _ROW_FIELD.match(f.get("field", ""))
        if match and int(match.group(1)) < len(rows):
            number = int(rows[int(match.group(1))]["row"])
            found.append(RowProblem(number, TITLES.get(match.group(2), match.group(2)), f.get("message", "")))
        else:
            found.append(RowProblem(1, f.get("field", ""), f.get("message", "")))
    return found


def skipped_problems(skipped: list[dict[str, Any]]) -> list[RowProblem]:
    """The rows registration skipped (when only valid rows were imported), by row and column."""
    return [RowProblem(int(s["row"]), TITLES.get(s["field"], s["field"]), s["message"]) for s in skipped]
