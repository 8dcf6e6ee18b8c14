"""The grassroots register from a spreadsheet: the template's rows become awards' rows; a mistake is named by its
Excel row and column in Vietnamese, and awards' refusals come back on the same row and column."""

from __future__ import annotations

import time
import zipfile
from datetime import datetime
from io import BytesIO

import pytest
from openpyxl import Workbook

from services.portal.register_import import (
    MAX_ROWS,
    WorkbookTooLarge,
    WorkbookTooSlow,
    problems_from_reply,
    rows_from_xlsx,
    template_workbook,
)
from shared.contracts.errors import ValidationFailed
from tests.register_files import empty_rows_up_to, largest_accepted_register, register, unpacking_bomb

AWARDS = {"sang_kien_co_so": "Sáng kiến cấp cơ sở", "giay_khen_cdcs": "Giấy khen của Ban Chấp hành công đoàn cơ sở"}


def workbook(*rows: tuple[object, ...]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Hình thức", "Cá nhân/Tập thể", "Họ tên", "Ngày", "Số", "Nội dung"])
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_template_reads_back_as_one_row() -> None:
    rows, numbers, problems = rows_from_xlsx(template_workbook(("sang_kien_co_so", "Sáng kiến cấp cơ sở")), AWARDS)
    assert problems == []
    assert numbers == [2]
    assert rows == [
        {
            "award_code": "sang_kien_co_so",
            "nominee_kind": "individual",
            "nominee_name": "Nguyễn Văn An",
            "decided_on": "2024-12-20",
            "decision_number": "12/QĐ-CĐCS",
            "title": "Cải tiến quy trình kiểm tra",
        }
    ]


def test_awards_by_name_kinds_without_diacritics_excel_dates_and_blank_lines() -> None:
    rows, numbers, problems = rows_from_xlsx(
        workbook(
            ("giấy khen của ban chấp hành công đoàn cơ sở", "tap the", "Tổ Toán", datetime(2025, 12, 19), 15, None),
            (None, None, None, None, None, None),
            ("sang_kien_co_so", "", "Lê Thị Hoa", "05/05/2025", None, "Tiết kiệm điện"),
        ),
        AWARDS,
    )
    assert problems == []
    assert numbers == [2, 4]
    assert [(r["award_code"], r["nominee_kind"], r["decided_on"], r["decision_number"]) for r in rows] == [
        ("giay_khen_cdcs", "collective", "2025-12-19", "15"),
        ("sang_kien_co_so", "individual", "2025-05-05", None),
    ]


def test_bad_cells_are_named_by_row_and_column() -> None:
    _, _, problems = rows_from_xlsx(workbook(("sang_kien_co_so", "nhóm", "Lê Văn Nam", "2025-13-01", None, None)), AWARDS)
    assert [p.text() for p in problems] == [
        "Dòng 2, Cá nhân/Tập thể: Ghi “Cá nhân” hoặc “Tập thể”",
        "Dòng 2, Ngày quyết định (dd/mm/yyyy): Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2024",
    ]


def test_a_file_that_is_not_a_workbook_is_refused_in_vietnamese() -> None:
    _, _, [problem] = rows_from_xlsx(b"not a zip", AWARDS)
    assert problem.text().startswith("Dòng 1, Tệp: Không đọc được tệp .xlsx")


def test_awards_refusals_map_back_to_the_sheet_rows() -> None:
    fields = [{"field": "entries.1.award_code", "message": "“Giấy khen …” không do công đoàn cơ sở tự quyết định"}]
    [problem] = problems_from_reply(fields, numbers=[2, 5])
    assert problem.text() == "Dòng 5, Hình thức (mã hoặc tên): “Giấy khen …” không do công đoàn cơ sở tự quyết định"


def test_more_rows_than_the_register_takes_are_refused_on_the_file_field_naming_the_row() -> None:
    rows, _, problems = rows_from_xlsx(register(MAX_ROWS), AWARDS)
    assert (len(rows), problems) == (MAX_ROWS, [])
    with pytest.raises(ValidationFailed) as refused:
        rows_from_xlsx(register(MAX_ROWS + 1, first_row=5), AWARDS)  # blank rows above do not count
    assert refused.value.code == "register_too_many_rows"
    [field] = refused.value.fields
    assert field.field == "file"
    assert "dòng 2005 là dòng có dữ liệu thứ 2001" in field.message


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_any_sheet_is_parsed() -> None:
    bomb = unpacking_bomb()  # 130 KB that unpacks to 128 MB
    started = time.monotonic()
    with pytest.raises(WorkbookTooLarge) as refused:
        rows_from_xlsx(bomb, AWARDS)
    assert time.monotonic() - started < 1.0  # parsing 128 MB of XML would take some 18 s
    assert (refused.value.status, refused.value.code, refused.value.fields[0].field) == (413, "workbook_too_large", "file")
    assert rows_from_xlsx(largest_accepted_register(), AWARDS)[1][-1] == MAX_ROWS + 1  # up to the limit, read in full


def test_parts_compressed_otherwise_than_excel_does_are_not_unpacked() -> None:
    """bzip2 and LZMA unpack a whole chunk at once, however large it grows: such a file is not read at all."""
    book = zipfile.ZipFile(BytesIO(register(3)))
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as recompressed:
        for part in book.infolist():
            recompressed.writestr(part.filename, book.read(part), zipfile.ZIP_BZIP2)
    _, _, [problem] = rows_from_xlsx(out.getvalue(), AWARDS)
    assert problem.text().startswith("Dòng 1, Tệp: Không đọc được tệp .xlsx")


def test_a_sheet_naming_its_last_row_past_excels_is_read_no_further_than_excels() -> None:
    """Rows missing between two rows are read as empty ones: a sheet naming row 4 billion is read to row 1,048,576."""
    rows, _, problems = rows_from_xlsx(empty_rows_up_to(4_000_000_000), AWARDS)
    assert (rows, [p.text() for p in problems]) == ([], ["Dòng 2, Tệp: Tệp không có dòng nào"])


def test_only_the_templates_six_columns_are_read() -> None:
    wide = ("sang_kien_co_so", "Cá nhân", "Lê Thị Hoa", "05/05/2025", "1/QĐ", "Tiết kiệm điện", "thừa", "thừa nữa")
    rows, _, problems = rows_from_xlsx(workbook(wide), AWARDS)
    assert problems == []
    assert rows[0]["title"] == "Tiết kiệm điện"


def test_reading_that_takes_longer_than_the_limit_is_stopped() -> None:
    ticks = iter(range(0, 10**9, 10))  # ten seconds later at every look at the clock

    with pytest.raises(WorkbookTooSlow) as refused:
        rows_from_xlsx(register(200), AWARDS, clock=lambda: float(next(ticks)))
    assert (refused.value.status, refused.value.fields[0].field) == (422, "file")
