"""The grassroots register from a spreadsheet: the office fills the template (one award a row) and uploads it.

Pure: a workbook's bytes become the rows awards' `record_grassroots` takes, or the problems named by row and
column in Vietnamese ("Dòng 7, Ngày quyết định: …"); awards' own refusals ("entries.5.award_code") are mapped back
to the same row and column.

Reading is bounded whatever the file holds, because it costs CPU time (the portal runs it in a worker process): the
file's size (checked by the caller on upload), its parts unpacked (a zip bomb is refused before any XML is parsed),
the columns read (the template's six), the rows read (stopped at Excel's last row, or at the first row past the
register's 2,000) and the time spent. A file refused as a whole raises an error on the field `file`.
"""

from __future__ import annotations

import re
import time
import zlib
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.etree.ElementTree import ParseError
from zipfile import ZIP_DEFLATED, ZIP_STORED, BadZipFile, ZipFile

from shared.contracts.errors import DomainError, FieldError, ValidationFailed
from shared.rules.attachments import format_size
from shared.rules.text import normalize_name

FIRST_ROW = 2  # row 1 is the header
MAX_ROWS = 2000
# 2,000 rows with the longest texts awards accepts, as openpyxl writes them (inline strings): 1.5 MB, 3.5 MB unpacked.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_UNPACKED_BYTES = 6 * 1024 * 1024
MAX_PARTS = 100
EXCEL_LAST_ROW = 1_048_576  # a sheet naming rows beyond is not read beyond
MAX_PARSE_SECONDS = 20.0
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("award_code", "Hình thức (mã hoặc tên)", 34),
    ("nominee_kind", "Cá nhân/Tập thể", 16),
    ("nominee_name", "Họ tên / Tên tập thể", 30),
    ("decided_on", "Ngày quyết định (dd/mm/yyyy)", 20),
    ("decision_number", "Số quyết định", 16),
    ("title", "Tên sáng kiến, nội dung", 40),
)
TITLES = {field: title for field, title, _ in COLUMNS}
FIELDS = tuple(TITLES)
KINDS = {"ca nhan": "individual", "tap the": "collective", "individual": "individual", "collective": "collective"}


@dataclass(frozen=True)
class RowProblem:
    row: int  # as Excel numbers it
    column: str
    message: str

    def text(self) -> str:
        return f"Dòng {self.row}, {self.column}: {self.message}"


def template_workbook(example_award: tuple[str, str]) -> bytes:
    from openpyxl import Workbook  # with the first workbook, not at start-up (memory)
    from openpyxl.styles import Font

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


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return datetime.strptime(cell_text(value), "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


class WorkbookTooLarge(DomainError):
    code = "workbook_too_large"
    status = 413
    title = "Tệp .xlsx quá lớn khi giải nén"

    def __init__(self) -> None:
        message = (
            f"Nội dung tệp khi giải nén vượt {format_size(MAX_UNPACKED_BYTES)} (tối đa {MAX_PARTS} phần);"
            " hãy chỉ giữ trang tính sổ khen thưởng và các dòng có dữ liệu"
        )
        super().__init__(message, fields=[FieldError(field="file", message=message)])


class WorkbookTooSlow(DomainError):
    code = "workbook_too_slow"
    status = 422
    title = "Tệp .xlsx đọc quá lâu"

    def __init__(self) -> None:
        message = (
            f"Đọc tệp quá {MAX_PARSE_SECONDS:.0f} giây mà chưa xong; hãy chỉ giữ trang tính sổ khen thưởng và các dòng có dữ liệu"
        )
        super().__init__(message, fields=[FieldError(field="file", message=message)])


def too_many_rows(row: int) -> ValidationFailed:
    return ValidationFailed.on(
        "file",
        f"Tệp có hơn {MAX_ROWS} dòng (dòng {row} là dòng có dữ liệu thứ {MAX_ROWS + 1}); mỗi lần tải tối đa {MAX_ROWS} dòng,"
        " hãy tách tệp và tải tiếp",
        code="register_too_many_rows",
    )


class Unreadable(Exception):
    """Not a workbook openpyxl can read (told as a problem of row 1, as before any limit existed)."""


UNREADABLE = RowProblem(1, "Tệp", "Không đọc được tệp .xlsx (hãy dùng tệp mẫu, lưu dạng Excel .xlsx)")
_BROKEN = (
    BadZipFile,
    OSError,
    KeyError,
    ValueError,
    IndexError,
    TypeError,
    EOFError,
    ParseError,
    zlib.error,
    NotImplementedError,
    RuntimeError,
)


def check_unpacked_size(data: bytes) -> None:
    """Refuse a workbook whose parts unpack to more than `MAX_UNPACKED_BYTES` (a zip bomb), before any is unpacked.

    The sizes the archive declares are enough: `zipfile`, which openpyxl reads through, never gives more than a part's
    declared size (a part that lies is cut there and fails its CRC). Only deflate (what Excel writes) and stored parts
    are read: bzip2 and LZMA unpack a whole chunk at once, however large it grows."""
    try:
        with ZipFile(BytesIO(data)) as archive:
            parts = archive.infolist()
    except _BROKEN as exc:
        raise Unreadable() from exc
    if any(p.compress_type not in (ZIP_DEFLATED, ZIP_STORED) for p in parts):
        raise Unreadable()
    if len(parts) > MAX_PARTS or sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
        raise WorkbookTooLarge()


def sheet_rows(data: bytes, clock: Callable[[], float], width: int = len(COLUMNS)) -> Generator[tuple[int, tuple[Any, ...]]]:
    """(Excel row number, the first `width` columns) of every row below the header with something in it (the people
    import of `people_import` reads its template by the same bounded reader)."""
    from openpyxl import load_workbook  # with the first workbook, not at start-up (memory)

    check_unpacked_size(data)
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except _BROKEN as exc:
        raise Unreadable() from exc
    deadline = clock() + MAX_PARSE_SECONDS
    try:
        sheet = book.worksheets[0]
        cells = sheet.iter_rows(min_row=FIRST_ROW, max_row=EXCEL_LAST_ROW, max_col=width, values_only=True)
        for number, values in enumerate(cells, start=FIRST_ROW):
            if number % 32 == 0:
                time.sleep(0)  # let the event loop's thread have the GIL now rather than at the next forced switch
                if clock() > deadline:
                    raise WorkbookTooSlow()
            if any(v is not None and cell_text(v) for v in values):
                yield number, values
    except _BROKEN as exc:
        raise Unreadable() from exc
    finally:
        book.close()


def rows_from_xlsx(
    data: bytes, awards: dict[str, str], *, clock: Callable[[], float] = time.monotonic
) -> tuple[list[dict[str, Any]], list[int], list[RowProblem]]:
    """(rows for awards, the Excel row number of each, problems). `awards`: code -> name of the awards to accept by name.

    Raises `WorkbookTooLarge`, `WorkbookTooSlow` or a `ValidationFailed` for more than `MAX_ROWS` rows (on `file`)."""
    by_name = {normalize_name(name): code for code, name in awards.items()}
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    problems: list[RowProblem] = []
    try:
        with closing(sheet_rows(data, clock)) as found:  # closed (with the workbook) however reading stops
            for number, values in found:
                if len(rows) >= MAX_ROWS:
                    raise too_many_rows(number)
                rows.append(_register_row(number, dict(zip(FIELDS, values, strict=False)), by_name, problems))
                numbers.append(number)
    except Unreadable:
        return [], [], [UNREADABLE]
    if not rows and not problems:
        problems.append(RowProblem(FIRST_ROW, "Tệp", "Tệp không có dòng nào"))
    return rows, numbers, problems


def _register_row(number: int, cells: dict[str, Any], by_name: dict[str, str], problems: list[RowProblem]) -> dict[str, Any]:
    """One row as awards takes it; what is wrong in it goes to `problems`."""
    award = cell_text(cells.get("award_code"))
    kind_text = normalize_name(cell_text(cells.get("nominee_kind")) or "Cá nhân")
    decided_on = cell_date(cells.get("decided_on"))
    if kind_text not in KINDS:
        problems.append(RowProblem(number, TITLES["nominee_kind"], "Ghi “Cá nhân” hoặc “Tập thể”"))
    if decided_on is None:
        problems.append(RowProblem(number, TITLES["decided_on"], "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2024"))
    return {
        "award_code": by_name.get(normalize_name(award), award),
        "nominee_kind": KINDS.get(kind_text, "individual"),
        "nominee_name": cell_text(cells.get("nominee_name")),
        "decided_on": decided_on or "",
        "decision_number": cell_text(cells.get("decision_number")) or None,
        "title": cell_text(cells.get("title")) or None,
    }


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
