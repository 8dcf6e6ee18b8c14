"""The spreadsheet: the document's tables as an .xlsx a union office can sort and total."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from shared.rules.documents.model import OfficialDocument, date_line, nfc

# --- Spreadsheet ---------------------------------------------------------------------------------------------------


def to_xlsx(doc: OfficialDocument) -> bytes:
    """The document's list on one sheet, under its masthead and appendix lines; STT, counts and amounts stay numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(doc.kind)
    width = max((len(t.columns) for t in doc.tables), default=1)
    bold = Font(bold=True)
    lines: list[tuple[str, Font | None]] = [
        (doc.issuer.upper(), bold),
        (f"Số: {doc.number_text}", None),
        (date_line(doc.place, doc.issued_on), Font(italic=True)),
        (f"{doc.kind.upper()} {doc.subject}", Font(bold=True, size=13)),
    ]
    if doc.appendix is not None:
        lines += [
            (doc.appendix.title.upper(), Font(bold=True, size=13)),
            (doc.appendix.subject, bold),
            (doc.appendix.reference, Font(italic=True)),
        ]
    if doc.watermark:
        lines.append((doc.watermark, Font(bold=True, color="C81E1E")))
    for text, font in lines:
        sheet.append([nfc(text)])
        if font is not None:
            sheet.cell(row=sheet.max_row, column=1).font = font
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for table in doc.tables:
        sheet.append([])
        if table.heading:
            sheet.append([nfc(table.heading)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([nfc(c.title) for c in table.columns])
        for i in range(1, len(table.columns) + 1):
            cell = sheet.cell(row=sheet.max_row, column=i)
            cell.font = bold
            cell.border = box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        body = [*table.rows, *([table.total] if table.total is not None else [])]
        for n, values in enumerate(body):
            sheet.append([_xlsx_value(v) for v in values])
            for i, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row=sheet.max_row, column=i)
                cell.border = box
                cell.alignment = Alignment(vertical="top", wrap_text=True, horizontal="center" if column.align == "C" else None)
                if column.money:
                    cell.number_format = "#,##0"
                if table.total is not None and n == len(body) - 1:
                    cell.font = bold
        for i, column in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            wanted = min(60, max(8, int(column.width * 12)))
            current = sheet.column_dimensions[letter].width or 0
            sheet.column_dimensions[letter].width = max(current, wanted)
    return save_text_only(book)


def _xlsx_value(value: str | int) -> str | int:
    """A number stays a number (STT "1" included), so the sheet sorts and sums; text stays text."""
    if isinstance(value, int):
        return value
    text = nfc(str(value))
    numeric = text.isascii() and text.isdigit() and len(text) < 10 and (text == "0" or not text.startswith("0"))
    return int(text) if numeric else text  # "0912…" (a phone, a code) keeps its leading zero as text


def save_text_only(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes with every cell that looks like a formula kept as text.

    openpyxl turns any string starting with "=" into a formula; a nominee named `=HYPERLINK(...)` or achievements
    written `=cmd|' /C calc'!A0` would then run in the spreadsheet of whoever opens the decision. Nothing this
    project exports is meant to compute, so no cell is written as a formula.
    """
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(kind: str) -> str:
    # Excel sheet names: at most 31 characters, none of []:*?/\ .
    cleaned = "".join(c for c in nfc(kind.title()) if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
