"""The grassroots register from a spreadsheet: the template's rows become awards' rows; a mistake is named by its
Excel row and column in Vietnamese, and awards' refusals come back on the same row and column."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO

from openpyxl import Workbook

from services.portal.register_import import problems_from_reply, rows_from_xlsx, template_workbook

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
