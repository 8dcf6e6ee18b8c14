"""Official documents (Quyết định, Tờ trình) as PDF and as .xlsx, laid out the way a union office prints them.

A document is a value (`OfficialDocument`); `to_pdf` and `to_xlsx` render it. The PDF embeds DejaVu
Serif (shipped in `shared/data/fonts`, free licence beside it) so every Vietnamese letter renders the
same on any machine; the layout follows the administrative format of Nghị định 30/2020/NĐ-CP in
broad strokes (A4, issuer top left, national motto top right, number and place/date, title,
bases, articles, a table, "Nơi nhận" and the signature block).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

Align = Literal["L", "C", "R"]
ParagraphAlign = Literal["L", "C", "R", "J"]

NATIONAL_NAME = "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "DejaVuSerif"


def vnd(amount: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def date_line(place: str, on: date) -> str:
    """'Hà Nội, ngày 05 tháng 3 năm 2026' (days below 10 padded, months below 3 padded, as NĐ 30/2020 asks)."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 1.0  # relative share of the table's width
    align: Align = "L"
    money: bool = False  # cells are amounts in đồng: right-aligned, '.'-grouped; numbers in the .xlsx


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str | int, ...], ...]
    heading: str = ""  # printed above the table, e.g. "A. TẬP THỂ"
    total: tuple[str | int, ...] | None = None  # a last, bold row


@dataclass(frozen=True)
class OfficialDocument:
    kind: str  # "QUYẾT ĐỊNH", "TỜ TRÌNH"
    subject: str  # "Về việc khen thưởng …"
    issuer: str  # the unit issuing it, e.g. "LĐLĐ THÀNH PHỐ HÀ NỘI"
    number_text: str  # "15/QĐ-LĐLĐ"
    place: str
    issued_on: date
    issuer_parent: str = ""  # the body above the issuer, printed over it ("TỔNG LIÊN ĐOÀN LAO ĐỘNG VIỆT NAM")
    authority: str = ""  # the line under the title, e.g. "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI"
    basis: tuple[str, ...] = ()  # "Căn cứ …" lines
    resolve_line: str = ""  # printed bold and centred before the body, e.g. "QUYẾT ĐỊNH:"
    paragraphs: tuple[str, ...] = ()  # the body: articles ("Điều 1. …") or a proposal's text
    tables: tuple[Table, ...] = ()
    closing: tuple[str, ...] = ()  # paragraphs after the tables
    recipients: tuple[str, ...] = ()  # "Nơi nhận:" list
    signer_role: tuple[str, ...] = ()  # "TM. BAN THƯỜNG VỤ", "CHỦ TỊCH"
    signer_name: str = ""
    watermark: str = ""  # e.g. "ĐÃ THU HỒI" across every page
    metadata: dict[str, str] = field(default_factory=dict)


def _nfc(text: str) -> str:
    # Decomposed input (combining marks) would render as separate glyphs; the font has the precomposed ones.
    return unicodedata.normalize("NFC", text)


class _Pdf(FPDF):
    def __init__(self, watermark: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._watermark = watermark
        fonts = resources.files("shared") / "data" / "fonts"
        for style, name in (("", "DejaVuSerif.ttf"), ("B", "DejaVuSerif-Bold.ttf"), ("I", "DejaVuSerif-Italic.ttf")):
            with resources.as_file(fonts / name) as path:
                self.add_font(FONT, style, str(path))
        self.set_margins(left=30, top=20, right=15)
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self._watermark:
            with self.local_context(text_color=(235, 120, 120)):
                self.set_font(FONT, "B", 40)
                with self.rotation(30, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - self.get_string_width(self._watermark) / 2, self.h / 2, self._watermark)

    def footer(self) -> None:
        if self.pages_count > 1:
            self.set_y(-15)
            self.set_font(FONT, "", 9)
            self.cell(0, 10, f"Trang {self.page_no()}/{{nb}}", align="C")


def _line(pdf: FPDF, text: str, *, size: float = 13, style: str = "", align: ParagraphAlign = "J", height: float = 6.5) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, height, _nfc(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _masthead(pdf: FPDF, doc: OfficialDocument) -> None:
    left_w = 78.0
    right_w = pdf.epw - left_w
    top = pdf.get_y()
    x0 = pdf.l_margin
    pdf.set_xy(x0, top)
    if doc.issuer_parent:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(left_w, 5, _nfc(doc.issuer_parent.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(left_w, 5, _nfc(doc.issuer.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    under = pdf.get_y() + 1
    pdf.line(x0 + left_w / 2 - 12, under, x0 + left_w / 2 + 12, under)
    pdf.set_xy(x0, under + 2)
    pdf.set_font(FONT, "", 12)
    pdf.multi_cell(left_w, 6, _nfc(f"Số: {doc.number_text}"), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    pdf.set_xy(x0 + left_w, top)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(right_w, 5, NATIONAL_NAME, align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(right_w, 6, _nfc(NATIONAL_MOTTO), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    motto_w = pdf.get_string_width(_nfc(NATIONAL_MOTTO))
    y = pdf.get_y() + 0.5
    centre = x0 + left_w + right_w / 2
    pdf.line(centre - motto_w / 2, y, centre + motto_w / 2, y)
    pdf.set_xy(x0 + left_w, y + 2.5)
    pdf.set_font(FONT, "I", 12)
    pdf.multi_cell(right_w, 6, _nfc(date_line(doc.place, doc.issued_on)), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(x0, max(left_bottom, pdf.get_y()) + 8)


def _table(pdf: FPDF, table: Table) -> None:
    if table.heading:
        pdf.ln(2)
        _line(pdf, table.heading, style="B", align="L")
    total_weight = sum(c.width for c in table.columns)
    widths = tuple(pdf.epw * c.width / total_weight for c in table.columns)
    aligns = tuple("R" if c.money else c.align for c in table.columns)
    pdf.set_font(FONT, "", 11)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=5.5,
        first_row_as_headings=True,
        headings_style=_heading_style(),
        width=pdf.epw,
        align="LEFT",
    ) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(_nfc(column.title), align="C")
        for values in table.rows:
            row = grid.row()
            for column, value in zip(table.columns, values, strict=True):
                row.cell(_cell_text(column, value))
        if table.total is not None:
            pdf.set_font(FONT, "B", 11)
            row = grid.row()
            for column, value in zip(table.columns, table.total, strict=True):
                row.cell(_cell_text(column, value))
    pdf.set_font(FONT, "", 13)
    pdf.ln(3)


def _heading_style() -> FontFace:
    return FontFace(family=FONT, emphasis="BOLD", fill_color=(235, 235, 235))


def _cell_text(column: Column, value: str | int) -> str:
    if column.money and isinstance(value, int):
        return vnd(value)
    return _nfc(str(value))


def _signature(pdf: FPDF, doc: OfficialDocument) -> None:
    pdf.ln(4)
    if pdf.will_page_break(45):
        pdf.add_page()
    top = pdf.get_y()
    x0 = pdf.l_margin
    half = pdf.epw / 2
    if doc.recipients:
        pdf.set_xy(x0, top)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(half, 5, "Nơi nhận:", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", 10)
        for recipient in doc.recipients:
            pdf.multi_cell(half, 5, _nfc(f"- {recipient};"), new_x=XPos.LEFT, new_y=YPos.NEXT)
    bottom = pdf.get_y()
    pdf.set_xy(x0 + half, top)
    pdf.set_font(FONT, "B", 12)
    for line in doc.signer_role:
        pdf.multi_cell(half, 6, _nfc(line.upper()), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "I", 11)
    pdf.multi_cell(half, 6, "(đã ký)", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(14)
    pdf.set_x(x0 + half)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(half, 6, _nfc(doc.signer_name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(x0, max(bottom, pdf.get_y()) + 2)


def to_pdf(doc: OfficialDocument) -> bytes:
    pdf = _Pdf(_nfc(doc.watermark))
    pdf.set_title(_nfc(f"{doc.kind} {doc.number_text}"))
    pdf.set_author(_nfc(doc.issuer))
    pdf.set_creator("Thi Đua")
    pdf.set_subject(_nfc(doc.subject))
    pdf.add_page()
    _masthead(pdf, doc)
    _line(pdf, doc.kind.upper(), size=14, style="B", align="C", height=7)
    _line(pdf, doc.subject, size=13, style="B", align="C")
    if doc.authority:
        pdf.ln(3)
        _line(pdf, doc.authority.upper(), size=13, style="B", align="C")
    pdf.ln(3)
    for basis in doc.basis:
        _line(pdf, basis, style="I")
    if doc.basis:
        pdf.ln(2)
    if doc.resolve_line:
        _line(pdf, doc.resolve_line, style="B", align="C")
        pdf.ln(1)
    for paragraph in doc.paragraphs:
        _line(pdf, paragraph)
    for table in doc.tables:
        _table(pdf, table)
    for paragraph in doc.closing:
        _line(pdf, paragraph)
    _signature(pdf, doc)
    return bytes(pdf.output())


def to_xlsx(doc: OfficialDocument) -> bytes:
    """The document's tables on one sheet, under its masthead lines; amounts stay numbers."""
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
    if doc.watermark:
        lines.append((doc.watermark, Font(bold=True, color="C81E1E")))
    for text, font in lines:
        sheet.append([_nfc(text)])
        if font is not None:
            sheet.cell(row=sheet.max_row, column=1).font = font
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=width)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for table in doc.tables:
        sheet.append([])
        if table.heading:
            sheet.append([_nfc(table.heading)])
            sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([_nfc(c.title) for c in table.columns])
        for i in range(1, len(table.columns) + 1):
            cell = sheet.cell(row=sheet.max_row, column=i)
            cell.font = bold
            cell.border = box
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        body = [*table.rows, *([table.total] if table.total is not None else [])]
        for n, values in enumerate(body):
            sheet.append([v if isinstance(v, int) else _nfc(str(v)) for v in values])
            for i, column in enumerate(table.columns, start=1):
                cell = sheet.cell(row=sheet.max_row, column=i)
                cell.border = box
                cell.alignment = Alignment(vertical="top", wrap_text=True)
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
    cleaned = "".join(c for c in _nfc(kind.title()) if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
