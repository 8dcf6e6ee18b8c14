"""The awards report as a workbook (four sheets: summary, by award, by unit, by sector and level), for the JSON API's
`/api/v1/reports/awards.xlsx` and the console's `/bao-cao.xlsx` alike. Pure: a report reply in, the file's bytes out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.rules.documents import save_text_only, vnd

SECTORS = (
    ("public_administration", "HCSN"),
    ("school", "Trường học"),
    ("enterprise", "Doanh nghiệp"),
    ("unknown", "Chưa phân loại"),
)


def period_label(report: dict[str, Any]) -> str:
    start, end = report.get("date_from"), report.get("date_to")
    if start and end and start[4:] == "-01-01" and end[4:] == "-12-31" and start[:4] == end[:4]:
        return f"năm {start[:4]}"

    def vn(d: str) -> str:
        return datetime.fromisoformat(d).strftime("%d/%m/%Y")

    if start and end:
        return f"từ {vn(start)} đến {vn(end)}"
    if start:
        return f"từ {vn(start)}"
    if end:
        return f"đến {vn(end)}"
    return "mọi thời gian"


def report_workbook(report: dict[str, Any], unit_name: str) -> bytes:
    """The report on four sheets (summary, by award, by unit, by sector and level); counts and amounts stay numbers."""
    from openpyxl import Workbook  # with the first workbook, not at start-up (memory)
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    summary.append([f"BÁO CÁO KẾT QUẢ KHEN THƯỞNG — {unit_name}".upper()])
    summary.append([f"Thời gian: {period_label(report)}"])
    summary.cell(row=1, column=1).font = Font(bold=True, size=13)
    summary.append([])
    gifts = report["total"].get("gift_vnd", 0)
    gift_text = f"; tặng phẩm trị giá {vnd(gifts)} đ" if gifts else ""
    summary.append([f"Tổng cộng: {report['total']['headline']}; tiền thưởng {vnd(report['total']['prize_vnd'])} đ{gift_text}"])
    for a in report["by_award"]:
        summary.append([f"- {a['headline']}"])
    summary.column_dimensions["A"].width = 110

    def table(title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            sheet.append(row)
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
        for line in sheet.iter_rows(min_row=2, min_col=2):
            for cell in line:
                if isinstance(cell.value, int):
                    cell.number_format = "#,##0"

    sector_titles = [label for _, label in SECTORS]
    table(
        "Theo hình thức",
        ["Hình thức", "Cấp quyết định", "Số lượng", "Cá nhân", "Tập thể", *sector_titles, "Tiền thưởng (đ)"],
        [
            [a["award_name"], a["level_label"], a["count"], a["individual"], a["collective"]]
            + [a["by_sector"][s] for s, _ in SECTORS]
            + [a["prize_vnd"]]
            for a in report["by_award"]
        ]
        + [
            ["Tổng cộng", "", report["total"]["count"], report["total"]["individual"], report["total"]["collective"]]
            + [report["total"]["by_sector"][s] for s, _ in SECTORS]
            + [report["total"]["prize_vnd"]]
        ],
        [46, 24, 12, 10, 10, 10, 12, 14, 14, 16],
    )
    table(
        "Theo đơn vị",
        ["Mã đơn vị", "Đơn vị", "Số lượng", *sector_titles, "Tiền thưởng (đ)"],
        [
            [u["code"], u["name"], u["count"]] + [u["by_sector"][s] for s, _ in SECTORS] + [u["prize_vnd"]]
            for u in report["by_unit"]
        ],
        [26, 50, 12, 10, 12, 14, 14, 16],
    )
    table(
        "Theo khối, cấp và kỳ xét",
        ["Nhóm", "Số lượng", "Cá nhân", "Tập thể", "Tiền thưởng (đ)"],
        [[s["label"], s["count"], s["individual"], s["collective"], s["prize_vnd"]] for s in report["by_sector"]]
        + [
            [f"Khen thưởng {lv['label']}", lv["count"], lv["individual"], lv["collective"], lv["prize_vnd"]]
            for lv in report["by_level"]
        ]
        + [[f"Năm {y['year']}", y["count"], y["individual"], y["collective"], y["prize_vnd"]] for y in report["by_year"]]
        + [
            [f"Kỳ xét: {p['label']}", p["count"], p["individual"], p["collective"], p["prize_vnd"]]
            for p in report.get("by_period", [])
        ],
        [40, 12, 10, 10, 16],
    )
    return save_text_only(book)  # unit and award names are data: never a live formula
