"""The approver's queue and the nominations list as workbooks ("Tải Excel"), for the JSON API and the console alike.
Pure: the rows the services answered in, the file's bytes out; in the awards report's style (report_workbook.py):
a bold title, the filter it was made with, bold wrapped headers frozen above the rows, dates dd/mm/yyyy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import save_text_only

# At most this many rows in one file: a queue or a list is exported page by page from its service, and a person
# reads a few thousand rows at most; the sheet says so when there were more (filter more narrowly for the rest).
EXPORT_ROW_CAP = 5000

KIND_LABELS = {"individual": "Cá nhân", "collective": "Tập thể"}


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    value: Callable[[dict[str, Any]], Any]
    is_date: bool = False


def vn_day(instant: str | None) -> date | None:
    """An instant on the wire (ISO, with its offset) as the day it was in Vietnam; a real date in the sheet."""
    if not instant:
        return None
    return datetime.fromisoformat(instant).astimezone(VIETNAM_TZ).date()


QUEUE_COLUMNS = (
    Column("Đối tượng", 32, lambda t: t["nominee_name"]),
    Column("Cá nhân / tập thể", 14, lambda t: KIND_LABELS.get(t["nominee_kind"], t["nominee_kind"])),
    Column("Hình thức khen thưởng", 40, lambda t: t["award_name"]),
    Column("CĐCS", 36, lambda t: t["origin_unit_name"]),
    Column("Kỳ", 8, lambda t: t["period"]),
    Column("Vào hộp việc", 14, lambda t: vn_day(t["opened_at"]), is_date=True),
    Column("Hạn xử lý", 14, lambda t: vn_day(t["due_at"]), is_date=True),
    Column("Quá hạn", 9, lambda t: "Quá hạn" if t["overdue"] else ""),
    Column("Trạng thái", 18, lambda t: t["state_label"]),
    Column("Người xử lý", 26, lambda t: t["claimant_name"] or ""),
    Column("Đơn vị giữ hồ sơ", 30, lambda t: t["unit_name"]),
    Column("Lần nộp", 8, lambda t: t["round"]),
)

NOMINATION_COLUMNS = (
    Column("Người/tập thể được đề nghị", 32, lambda n: n["nominee"]["name"]),
    Column("Cá nhân / tập thể", 14, lambda n: KIND_LABELS.get(n["nominee"]["kind"], n["nominee"]["kind"])),
    Column("Chức vụ", 24, lambda n: n["nominee"].get("position") or ""),
    Column("Đơn vị đề nghị", 36, lambda n: n["unit_name"]),
    Column("Hình thức khen thưởng", 40, lambda n: n["award_name"]),
    Column("Kỳ", 8, lambda n: n["period"]),
    Column("Trạng thái", 20, lambda n: n["status_label"]),
    Column("Đang ở", 30, lambda n: n["current_unit_name"] or ""),
    Column("Số quyết định / tờ trình", 24, lambda n: (n.get("decision") or {}).get("number_text") or ""),
    Column("Người nộp", 26, lambda n: n["submitted_by"]),
    Column("Ngày nộp", 14, lambda n: vn_day(n["created_at"]), is_date=True),
    Column("Cập nhật", 14, lambda n: vn_day(n["updated_at"]), is_date=True),
)


def list_workbook(
    title: str,
    lines: Sequence[str],
    columns: Sequence[Column],
    rows: Sequence[dict[str, Any]],
    *,
    more: bool,
    sheet_title: str,
) -> bytes:
    """One sheet: the title, `lines` (what it was made with), the cap when `more` rows were left out, then a numbered
    table whose header stays in view when scrolling."""
    from openpyxl import Workbook  # with the first workbook, not at start-up (memory)
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append([title.upper()])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    for line in lines:
        sheet.append([line])
    count = f"{len(rows):,}".replace(",", ".")
    if more:
        cap = f"{EXPORT_ROW_CAP:,}".replace(",", ".")
        sheet.append(
            [f"Chỉ gồm {cap} dòng đầu theo thứ tự đã chọn (tối đa {cap} dòng một tệp): lọc hẹp hơn để tải phần còn lại."]
        )
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    else:
        sheet.append([f"Số dòng: {count}"])
    sheet.append([])
    sheet.append(["STT", *(c.header for c in columns)])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for number, row in enumerate(rows, start=1):
        sheet.append([number, *(c.value(row) for c in columns)])
    for index, column in enumerate(columns, start=2):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        if column.is_date:
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=index, max_col=index):
                cell.number_format = "DD/MM/YYYY"
    sheet.column_dimensions["A"].width = 6
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    return save_text_only(book)  # names are data: never a live formula
