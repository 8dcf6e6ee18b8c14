"""Official documents (Quyết định, Tờ trình) as PDF, as the console's printed page and as .xlsx, laid out as a union
office prints them.

A document is a value (`OfficialDocument`). `compose` turns it into the lines every rendering prints, in order, with
their role (masthead, title, căn cứ, body, nơi nhận, signature, appendix); `to_pdf` and `to_html` only place those
lines, so the PDF and the printed page cannot say different things. The layout (margins, sizes, spacing) is data in
`shared/data/document_layout.toml`, each value with its source in Nghị định 30/2020/NĐ-CP, Phụ lục I or marked
unconfirmed (used, with a warning). The PDF embeds Liberation Serif (metric-compatible with Times New Roman, SIL OFL
1.1, shipped in `shared/data/fonts` with its licence) so every Vietnamese letter renders the same on any machine.
"""

from __future__ import annotations

import io
import logging
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from markupsafe import Markup, escape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from pydantic import BaseModel, ConfigDict

from shared.rules.reference import DATA_DIR

Align = Literal["L", "C", "R"]
ParagraphAlign = Literal["L", "C", "R", "J"]

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
FONT = "LiberationSerif"
FONT_FILES = {
    "": "LiberationSerif-Regular.ttf",
    "B": "LiberationSerif-Bold.ttf",
    "I": "LiberationSerif-Italic.ttf",
    "BI": "LiberationSerif-BoldItalic.ttf",
}
LAYOUT_FILE = DATA_DIR / "document_layout.toml"
PT_MM = 25.4 / 72  # one point in millimetres

log = logging.getLogger(__name__)


def vnd(amount: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def date_line(place: str, on: date) -> str:
    """'Hà Nội, ngày 05 tháng 3 năm 2026' (days below 10 padded, months below 3 padded, as NĐ 30/2020 asks)."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{place}, ngày {on.day:02d} tháng {month} năm {on.year}"


def short_date(on: date) -> str:
    """'05/3/2026' as a document cites a date in running text ("… ngày 05/3/2026")."""
    month = f"{on.month:02d}" if on.month < 3 else str(on.month)
    return f"{on.day:02d}/{month}/{on.year}"


# --- Layout values (data) ------------------------------------------------------------------------------------------


class LayoutValue(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    source: str
    confirmed: bool = False


class LayoutFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    values: dict[str, LayoutValue]


LAYOUT_KEYS = (
    "margin_top_mm",
    "margin_bottom_mm",
    "margin_left_mm",
    "margin_right_mm",
    "masthead_left_mm",
    "national_name_pt",
    "motto_pt",
    "parent_pt",
    "issuer_pt",
    "number_pt",
    "date_pt",
    "kind_pt",
    "subject_pt",
    "body_pt",
    "line_spacing",
    "paragraph_space_pt",
    "first_line_indent_mm",
    "recipients_title_pt",
    "recipients_pt",
    "signature_pt",
    "signing_space_mm",
    "page_number_pt",
    "table_pt",
)


@dataclass(frozen=True)
class Layout:
    """The layout values by name (`layout.v("body_pt")`), with the sources of those not confirmed."""

    values: dict[str, float]
    unconfirmed: tuple[str, ...]

    def v(self, name: str) -> float:
        return self.values[name]


@cache
def load_layout(path: Path = LAYOUT_FILE) -> Layout:
    with path.open("rb") as f:
        raw = LayoutFile.model_validate(tomllib.load(f))
    missing = [k for k in LAYOUT_KEYS if k not in raw.values]
    if missing:
        raise ValueError(f"{path.name}: missing layout values {missing}")
    unconfirmed = tuple(f"{k}: {v.source}" for k, v in raw.values.items() if not v.confirmed)
    if unconfirmed:
        # Used, not blocked: an office checks them against NĐ 30/2020 Phụ lục I and marks them confirmed.
        log.warning(
            "document layout: %d values unconfirmed (%s)", len(unconfirmed), ", ".join(k.split(":")[0] for k in unconfirmed)
        )
    return Layout(values={k: v.value for k, v in raw.values.items()}, unconfirmed=unconfirmed)


# --- The document ------------------------------------------------------------------------------------------------


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
class SignatureBlock:
    """Who signs, as printed: the authority line ("TM. BAN THƯỜNG VỤ", "KT. CHỦ TỊCH", "Q. CHỦ TỊCH"; empty when
    the head signs in their own name), the position ("CHỦ TỊCH", "PHÓ CHỦ TỊCH"), the space to sign and the name.
    Nothing says "đã ký": a printed document is signed by hand (or digitally) after it is printed."""

    authority: str = ""
    position: str = ""
    name: str = ""

    @classmethod
    def of_lines(cls, lines: Sequence[str], name: str = "") -> SignatureBlock:
        """From configured role lines: ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH") or ("CHỦ TỊCH",)."""
        if not lines:
            return cls(name=name)
        if len(lines) == 1:
            return cls(position=lines[0], name=name)
        return cls(authority=lines[0], position=" ".join(lines[1:]), name=name)

    def role_lines(self) -> tuple[str, ...]:
        return tuple(line.upper() for line in (self.authority, self.position) if line)


@dataclass(frozen=True)
class AppendixHeading:
    """The list sent with the document, after the signature on its own page: "DANH SÁCH" / what it lists /
    "(Kèm theo Quyết định số 15/QĐ-LĐLĐ ngày 05/3/2026 của …)"."""

    title: str  # "DANH SÁCH"
    subject: str  # "Tập thể, cá nhân được tặng Bằng khen …"
    reference: str  # "(Kèm theo Quyết định số …/QĐ-… ngày … của …)"


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
    addressee: str = ""  # a letter's "Kính gửi:" (a tờ trình to the authority that decides)
    basis: tuple[str, ...] = ()  # "Căn cứ …" lines (each ends ";", the last ".")
    resolve_line: str = ""  # printed bold and centred before the body, e.g. "QUYẾT ĐỊNH:"
    paragraphs: tuple[str, ...] = ()  # the body: articles ("Điều 1. …") or a proposal's text
    tables: tuple[Table, ...] = ()  # the list: in the appendix when `appendix` is set, else inline after the body
    closing: tuple[str, ...] = ()  # paragraphs after the body (and an inline list)
    recipients: tuple[str, ...] = ()  # "Nơi nhận:" list
    signature: SignatureBlock = field(default_factory=SignatureBlock)
    appendix: AppendixHeading | None = None
    watermark: str = ""  # e.g. "ĐÃ THU HỒI" across every page
    metadata: dict[str, str] = field(default_factory=dict)


def _nfc(text: str) -> str:
    # Decomposed input (combining marks) would render as separate glyphs; the font has the precomposed ones.
    return unicodedata.normalize("NFC", text)


# --- What every rendering prints ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One printed paragraph: its role decides its size and style; `lead` is printed bold before `text` ("Điều 1.")."""

    role: str
    text: str
    lead: str = ""

    @property
    def full(self) -> str:
        return f"{self.lead} {self.text}".strip() if self.lead else self.text


@dataclass(frozen=True)
class Composition:
    """The document as the lines it prints, grouped by where they stand on the page."""

    masthead_left: tuple[Line, ...]  # parent organisation, issuer, "Số: …"
    masthead_right: tuple[Line, ...]  # quốc hiệu, tiêu ngữ, địa danh and date
    heading: tuple[Line, ...]  # tên loại, trích yếu, the authority line, "Kính gửi: …"
    basis: tuple[Line, ...]
    body: tuple[Line, ...]  # "QUYẾT ĐỊNH:", articles, paragraphs
    inline_tables: tuple[Table, ...]
    closing: tuple[Line, ...]
    recipients: tuple[Line, ...]  # "Nơi nhận:" then its entries
    signature: tuple[Line, ...]  # authority, position, then the name (after the signing space)
    appendix: tuple[Line, ...]  # "DANH SÁCH", its subject, "(Kèm theo …)"
    appendix_tables: tuple[Table, ...]
    watermark: str

    def text_lines(self) -> list[str]:
        """Every printed line, in reading order (tables by cell, row after row): what a test compares."""
        lines = [line.full for line in (*self.masthead_left, *self.masthead_right, *self.heading, *self.basis, *self.body)]
        lines += [t for table in self.inline_tables for t in table_text(table)]
        lines += [line.full for line in (*self.closing, *self.recipients, *self.signature, *self.appendix)]
        lines += [t for table in self.appendix_tables for t in table_text(table)]
        return lines


def cell_text(column: Column, value: str | int) -> str:
    if column.money and isinstance(value, int):
        return vnd(value)
    return _nfc(str(value))


def table_text(table: Table) -> list[str]:
    cells = [_nfc(table.heading)] if table.heading else []
    cells += [_nfc(c.title) for c in table.columns]
    for values in (*table.rows, *([table.total] if table.total is not None else [])):
        cells += [cell_text(c, v) for c, v in zip(table.columns, values, strict=True)]
    return [c for c in cells if c]


def basis_lines(lines: Sequence[str]) -> tuple[str, ...]:
    """ "Căn cứ …" lines as NĐ 30/2020 ends them: each with ";", the last with "."."""
    cleaned = [_nfc(line).rstrip().rstrip(";.,") for line in lines if line.strip()]
    return tuple(f"{line}{'.' if i == len(cleaned) - 1 else ';'}" for i, line in enumerate(cleaned))


def recipient_lines(recipients: Sequence[str]) -> tuple[str, ...]:
    """ "- Như Điều 3;" … "- Lưu: VT." (each ";", the last ".")."""
    cleaned = [_nfc(r).strip().rstrip(";.") for r in recipients if r.strip()]
    return tuple(f"- {r}{'.' if i == len(cleaned) - 1 else ';'}" for i, r in enumerate(cleaned))


_LEADS = ("Điều ",)


def _body_line(role: str, text: str) -> Line:
    text = _nfc(text)
    if text.startswith(_LEADS) and ". " in text[:12]:
        lead, rest = text.split(". ", 1)
        return Line(role, rest, lead=f"{lead}.")
    return Line(role, text)


def compose(doc: OfficialDocument) -> Composition:
    """The lines of the document, in order, as both the PDF and the printed page place them."""
    left = [Line("parent", _nfc(doc.issuer_parent.upper()))] if doc.issuer_parent else []
    left += [Line("issuer", _nfc(doc.issuer.upper())), Line("number", _nfc(f"Số: {doc.number_text}"))]
    right = [
        Line("national", NATIONAL_NAME),
        Line("motto", _nfc(NATIONAL_MOTTO)),
        Line("date", _nfc(date_line(doc.place, doc.issued_on))),
    ]
    heading = [Line("kind", _nfc(doc.kind.upper())), Line("subject", _nfc(doc.subject))]
    if doc.authority:
        heading.append(Line("authority", _nfc(doc.authority.upper())))
    if doc.addressee:
        heading.append(Line("addressee", _nfc(doc.addressee), lead="Kính gửi:"))
    body = [Line("resolve", _nfc(doc.resolve_line))] if doc.resolve_line else []
    body += [_body_line("body", p) for p in doc.paragraphs]
    recipients = [Line("recipients_title", "Nơi nhận:"), *(Line("recipient", r) for r in recipient_lines(doc.recipients))]
    signature = [Line("sig_role", _nfc(r)) for r in doc.signature.role_lines()]
    signature.append(Line("sig_name", _nfc(doc.signature.name)))
    appendix: list[Line] = []
    if doc.appendix is not None and doc.tables:
        appendix = [
            Line("appendix_title", _nfc(doc.appendix.title.upper())),
            Line("appendix_subject", _nfc(doc.appendix.subject)),
            Line("appendix_reference", _nfc(doc.appendix.reference)),
        ]
    return Composition(
        masthead_left=tuple(left),
        masthead_right=tuple(right),
        heading=tuple(heading),
        basis=tuple(Line("basis", b) for b in basis_lines(doc.basis)),
        body=tuple(body),
        inline_tables=() if appendix else doc.tables,
        closing=tuple(_body_line("body", p) for p in doc.closing),
        recipients=tuple(recipients) if doc.recipients else (),
        signature=tuple(line for line in signature if line.text),
        appendix=tuple(appendix),
        appendix_tables=doc.tables if appendix else (),
        watermark=_nfc(doc.watermark),
    )


# --- PDF ----------------------------------------------------------------------------------------------------------

_STYLE = {
    "parent": ("", "parent_pt", "C"),
    "issuer": ("B", "issuer_pt", "C"),
    "number": ("", "number_pt", "C"),
    "national": ("B", "national_name_pt", "C"),
    "motto": ("B", "motto_pt", "C"),
    "date": ("I", "date_pt", "C"),
    "kind": ("B", "kind_pt", "C"),
    "subject": ("B", "subject_pt", "C"),
    "authority": ("B", "body_pt", "C"),
    "addressee": ("", "body_pt", "C"),
    "basis": ("I", "body_pt", "J"),
    "resolve": ("B", "body_pt", "C"),
    "body": ("", "body_pt", "J"),
    "recipients_title": ("BI", "recipients_title_pt", "L"),
    "recipient": ("", "recipients_pt", "L"),
    "sig_role": ("B", "signature_pt", "C"),
    "sig_name": ("B", "signature_pt", "C"),
    "appendix_title": ("B", "kind_pt", "C"),
    "appendix_subject": ("B", "subject_pt", "C"),
    "appendix_reference": ("I", "body_pt", "C"),
}
_INDENTED = {"basis", "body"}


class _Pdf(FPDF):
    def __init__(self, layout: Layout, watermark: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.layout = layout
        self._watermark = watermark
        fonts = resources.files("shared") / "data" / "fonts"
        for style, name in FONT_FILES.items():
            with resources.as_file(fonts / name) as path:
                self.add_font(FONT, style, str(path))
        v = layout.v
        self.set_margins(left=v("margin_left_mm"), top=v("margin_top_mm"), right=v("margin_right_mm"))
        self.set_auto_page_break(auto=True, margin=v("margin_bottom_mm"))

    def header(self) -> None:
        if self._watermark:
            with self.local_context(text_color=(235, 120, 120)):
                self.set_font(FONT, "B", 40)
                with self.rotation(30, x=self.w / 2, y=self.h / 2):
                    self.text(self.w / 2 - self.get_string_width(self._watermark) / 2, self.h / 2, self._watermark)
        if self.page_no() > 1:
            # The page number from page 2 on, centred in the top margin (NĐ 30/2020: the first page shows none).
            size = self.layout.v("page_number_pt")
            self.set_font(FONT, "", size)
            top = self.layout.v("margin_top_mm")
            self.set_xy(self.l_margin, top / 2 - size * PT_MM / 2)
            self.cell(self.epw, size * PT_MM, str(self.page_no()), align="C")
            self.set_xy(self.l_margin, top)

    def use(self, role: str) -> tuple[float, ParagraphAlign]:
        """Set the font of `role`; return its line height (mm) and alignment."""
        style, size_key, align = _STYLE[role]
        size = self.layout.v(size_key)
        self.set_font(FONT, style, size)
        height = size * PT_MM * (self.layout.v("line_spacing") if role in _INDENTED else 1.15)
        return height, align  # type: ignore[return-value]


def _place(pdf: _Pdf, line: Line, w: float = 0) -> None:
    """A short line (masthead, heading, signature) in a box of width `w` (0: the text width) at the current x."""
    height, align = pdf.use(line.role)
    text = line.full if not line.lead else f"{line.lead} {line.text}"
    pdf.multi_cell(w or pdf.epw, height, text, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)


def _paragraph(pdf: _Pdf, line: Line) -> None:
    """A body paragraph: justified, first line indented, its lead ("Điều 1.") bold, space after."""
    height, align = pdf.use(line.role)
    style = pdf.font_style
    indent = pdf.layout.v("first_line_indent_mm") if line.role in _INDENTED else 0
    spacing = pdf.layout.v("line_spacing") if line.role in _INDENTED else 1.15
    with pdf.text_columns(text_align=align, line_height=spacing) as cols, cols.paragraph(first_line_indent=indent) as par:
        if line.lead:
            pdf.set_font(FONT, "B" + style.replace("B", ""), pdf.font_size_pt)
            par.write(line.lead + " ")
            pdf.set_font(FONT, style, pdf.font_size_pt)
        par.write(line.text)
    pdf.set_x(pdf.l_margin)
    pdf.ln(pdf.layout.v("paragraph_space_pt") * PT_MM if height else 0)


def _rule(pdf: _Pdf, centre: float, length: float, y: float) -> None:
    pdf.set_line_width(0.25)
    pdf.line(centre - length / 2, y, centre + length / 2, y)


def _masthead(pdf: _Pdf, comp: Composition) -> None:
    left_w = pdf.layout.v("masthead_left_mm")
    right_w = pdf.epw - left_w
    x0, top = pdf.l_margin, pdf.get_y()
    pdf.set_xy(x0, top)
    names = [line for line in comp.masthead_left if line.role != "number"]
    for line in names:
        _place(pdf, line, left_w)
    issuer = names[-1]
    pdf.use(issuer.role)
    # The short line under the issuer: a third of its (last) line, centred (Phụ lục I: 1/3 to 1/2).
    widest = min(pdf.get_string_width(issuer.text), left_w)
    left_rule = pdf.get_y() + 0.8
    _rule(pdf, x0 + left_w / 2, widest / 3, left_rule)

    pdf.set_xy(x0 + left_w, top)
    national, motto, dated = comp.masthead_right
    _place(pdf, national, right_w)
    _place(pdf, motto, right_w)
    pdf.use(motto.role)
    right_rule = pdf.get_y() + 0.8
    _rule(pdf, x0 + left_w + right_w / 2, pdf.get_string_width(motto.text), right_rule)

    # Số/ký hiệu and địa danh/ngày on one row, under the two rules.
    row = max(left_rule, right_rule) + 3
    number = next(line for line in comp.masthead_left if line.role == "number")
    pdf.set_xy(x0, row)
    _place(pdf, number, left_w)
    bottom = pdf.get_y()
    pdf.set_xy(x0 + left_w, row)
    _place(pdf, dated, right_w)
    pdf.set_xy(x0, max(bottom, pdf.get_y()) + 6)


def _heading(pdf: _Pdf, comp: Composition) -> None:
    for line in comp.heading:
        if line.role == "authority":
            pdf.ln(3)
        if line.role == "addressee":
            pdf.ln(4)
        pdf.set_x(pdf.l_margin)
        _place(pdf, line)
        if line.role == "subject":
            pdf.use("subject")
            _rule(pdf, pdf.l_margin + pdf.epw / 2, min(pdf.get_string_width(line.text), pdf.epw) / 3, pdf.get_y() + 2.5)
            pdf.ln(3)
    pdf.ln(4)


def _table(pdf: _Pdf, table: Table) -> None:
    size = pdf.layout.v("table_pt")
    if table.heading:
        pdf.ln(2)
        pdf.set_font(FONT, "B", size + 1)
        pdf.multi_cell(0, size * PT_MM * 1.4, _nfc(table.heading), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    total_weight = sum(c.width for c in table.columns)
    widths = tuple(pdf.epw * c.width / total_weight for c in table.columns)
    aligns = tuple("R" if c.money else c.align for c in table.columns)
    pdf.set_font(FONT, "", size)
    with pdf.table(
        col_widths=widths,
        text_align=aligns,
        line_height=size * PT_MM * 1.3,
        first_row_as_headings=True,  # and repeated at the top of every page the table runs onto
        headings_style=FontFace(family=FONT, emphasis="BOLD"),
        width=pdf.epw,
        align="LEFT",
        padding=1,
    ) as grid:
        head = grid.row()
        for column in table.columns:
            head.cell(_nfc(column.title), align="C")
        for values in table.rows:
            row = grid.row()
            for column, value in zip(table.columns, values, strict=True):
                row.cell(cell_text(column, value))
        if table.total is not None:
            row = grid.row(style=FontFace(family=FONT, emphasis="BOLD"))
            for column, value in zip(table.columns, table.total, strict=True):
                row.cell(cell_text(column, value))
    pdf.ln(3)


def _signature_row(pdf: _Pdf, comp: Composition) -> None:
    """ "Nơi nhận" on the left, the signature block on the right, from the same height."""
    pdf.ln(2)
    top = pdf.get_y()
    x0 = pdf.l_margin
    left_w = pdf.epw * 0.45
    right_w = pdf.epw - left_w
    pdf.set_xy(x0, top)
    for line in comp.recipients:
        _place(pdf, line, left_w)
    bottom = pdf.get_y()
    pdf.set_xy(x0 + left_w, top)
    for line in comp.signature:
        if line.role == "sig_name":
            # The space to sign (and seal): never "(đã ký)" — nobody has signed a printed draft.
            pdf.set_y(pdf.get_y() + pdf.layout.v("signing_space_mm"))
            pdf.set_x(x0 + left_w)
        _place(pdf, line, right_w)
    if not any(line.role == "sig_name" for line in comp.signature):
        pdf.set_y(pdf.get_y() + pdf.layout.v("signing_space_mm"))
    pdf.set_xy(x0, max(bottom, pdf.get_y()) + 2)


def _appendix(pdf: _Pdf, comp: Composition) -> None:
    pdf.add_page()
    for line in comp.appendix:
        pdf.set_x(pdf.l_margin)
        _place(pdf, line)
    pdf.use("appendix_reference")
    _rule(pdf, pdf.l_margin + pdf.epw / 2, pdf.epw / 4, pdf.get_y() + 1.5)
    pdf.ln(6)
    for table in comp.appendix_tables:
        _table(pdf, table)


def to_pdf(doc: OfficialDocument, layout: Layout | None = None) -> bytes:
    comp = compose(doc)
    pdf = _Pdf(layout or load_layout(), comp.watermark)
    pdf.set_title(_nfc(f"{doc.kind} {doc.number_text}"))
    pdf.set_author(_nfc(doc.issuer))
    pdf.set_creator("Thi Đua")
    pdf.set_subject(_nfc(doc.subject))
    pdf.add_page()
    _masthead(pdf, comp)
    _heading(pdf, comp)
    for line in comp.basis:
        _paragraph(pdf, line)
    paragraphs = [*comp.body]
    tail_from_closing = bool(comp.closing)
    last: Line | None = None
    if not comp.inline_tables and not tail_from_closing and paragraphs:
        last = paragraphs.pop()
    for line in paragraphs:
        if line.role == "resolve":
            pdf.set_x(pdf.l_margin)
            _place(pdf, line)
            pdf.ln(2)
        else:
            _paragraph(pdf, line)
    for table in comp.inline_tables:
        _table(pdf, table)
    closing = [*comp.closing]
    if tail_from_closing:
        last = closing.pop()
    for line in closing:
        _paragraph(pdf, line)

    def tail(target: _Pdf) -> None:
        # The last paragraph goes with the signature block: a signature never stands alone on a page.
        if last is not None:
            _paragraph(target, last)
        _signature_row(target, comp)

    with pdf.offset_rendering() as dummy:
        tail(dummy)  # type: ignore[arg-type]
    if dummy.page_break_triggered:
        pdf.add_page()
    tail(pdf)
    if comp.appendix:
        _appendix(pdf, comp)
    return bytes(pdf.output())


# --- The printed page (HTML) ---------------------------------------------------------------------------------------


def font_bytes(file_name: str) -> bytes:
    """One of the shipped font files (a name in FONT_FILES), for a page that prints with the PDF's font."""
    if file_name not in FONT_FILES.values():
        raise KeyError(file_name)
    return (resources.files("shared") / "data" / "fonts" / file_name).read_bytes()


def document_css(layout: Layout | None = None, font_url: str = "") -> str:
    """The printed page's style, from the same layout values as the PDF (A4, margins, sizes). With `font_url` (a
    prefix the font file names are appended to) the page uses the shipped Liberation Serif as the PDF does."""
    lay = layout or load_layout()
    v = lay.v
    sizes = {role: v(key) for role, (_, key, _) in _STYLE.items()}
    faces = [
        f'@font-face {{ font-family: "Liberation Serif"; src: url("{font_url}{name}") format("truetype"); '
        f"font-weight: {'bold' if 'B' in style else 'normal'}; font-style: {'italic' if 'I' in style else 'normal'}; }}"
        for style, name in FONT_FILES.items()
        if font_url
    ]
    rules = [
        *faces,
        f"@page {{ size: A4; margin: {v('margin_top_mm')}mm {v('margin_right_mm')}mm {v('margin_bottom_mm')}mm "
        f"{v('margin_left_mm')}mm; }}",
        '.official { font-family: "Liberation Serif", "Times New Roman", Tinos, serif; color: #000; line-height: 1.15; '
        f"font-size: {v('body_pt')}pt; position: relative; }}",
        ".official p { margin: 0; } .official h2.od-kind { margin: 0; text-transform: none; }",
        f".official {{ box-sizing: border-box; width: 210mm; max-width: 100%; padding: {v('margin_top_mm')}mm "
        f"{v('margin_right_mm')}mm {v('margin_bottom_mm')}mm {v('margin_left_mm')}mm; }}",
        "@media print { .official { width: auto; padding: 0; border: 0; } }",
        ".official .od-row { display: flex; align-items: flex-start; }",
        f".official .od-left {{ flex: 0 0 {v('masthead_left_mm')}mm; text-align: center; }}",
        ".official .od-right { flex: 1; text-align: center; }",
        ".official .od-rule { border-top: 0.25mm solid #000; margin: 0.8mm auto 0; height: 0; }",
        ".official .od-issuer + .od-rule { width: 33%; } .official .od-motto + .od-rule { width: 60%; }",
        ".official .od-dated { margin-top: 3mm; margin-bottom: 6mm; }",
        ".official .od-center { text-align: center; }",
        ".official .od-subject + .od-rule { width: 30%; margin-bottom: 3mm; }",
        ".official .od-authority { margin-top: 3mm; margin-bottom: 4mm; }",
        ".official .od-addressee { margin-top: 4mm; margin-bottom: 4mm; }",
        ".official .od-subject + .od-rule { margin-top: 2.5mm; }",
        f".official .od-basis, .official .od-body {{ text-align: justify; text-indent: {v('first_line_indent_mm')}mm; "
        f"line-height: {v('line_spacing')}; margin-bottom: {v('paragraph_space_pt')}pt; }}",
        ".official .od-basis { font-style: italic; }",
        ".official .od-signrow { display: flex; margin-top: 2mm; break-inside: avoid; page-break-inside: avoid; }",
        ".official .od-recipients { flex: 0 0 45%; } .official .od-signature { flex: 1; text-align: center; }",
        f".official .od-space {{ height: {v('signing_space_mm')}mm; }}",
        ".official .od-appendix { break-before: page; page-break-before: always; margin-top: 8mm; }",
        ".official .od-appendix .od-rule { width: 25%; margin-bottom: 6mm; }",
        f".official table.od-table {{ width: 100%; border-collapse: collapse; font-size: {v('table_pt')}pt; }}",
        ".official table.od-table th, .official table.od-table td { border: 0.25mm solid #000; padding: 1mm; "
        "vertical-align: top; }",
        ".official table.od-table th { color: #000; background: none; font-weight: bold; text-transform: none; "
        "font-size: inherit; letter-spacing: normal; }",
        ".official table.od-table thead { display: table-header-group; } .official table.od-table tr { break-inside: avoid; }",
        ".official .od-C { text-align: center; } .official .od-R { text-align: right; }",
        ".official .od-total td { font-weight: bold; }",
        f".official .od-table-heading {{ font-weight: bold; font-size: {v('table_pt') + 1}pt; margin-top: 2mm; }}",
    ]
    for role, (style, _, align) in _STYLE.items():
        decl = [f"font-size: {sizes[role]}pt"]
        if "B" in style:
            decl.append("font-weight: bold")
        if "I" in style:
            decl.append("font-style: italic")
        if align == "C":
            decl.append("text-align: center")
        rules.append(f".official .od-{role.replace('_', '-')} {{ {'; '.join(decl)}; }}")
    return "\n".join(rules)


def _p(line: Line, tag: str = "p") -> str:
    cls = f"od-{line.role.replace('_', '-')}"
    lead = f"<strong>{escape(line.lead)}</strong> " if line.lead and line.role != "addressee" else ""
    if line.lead and line.role == "addressee":
        lead = f"{escape(line.lead)} "
    return f'<{tag} class="{cls}">{lead}{escape(line.text)}</{tag}>'


def _html_table(table: Table) -> str:
    parts = [f'<p class="od-table-heading">{escape(_nfc(table.heading))}</p>'] if table.heading else []
    head = "".join(f'<th class="od-C">{escape(_nfc(c.title))}</th>' for c in table.columns)
    weight = sum(c.width for c in table.columns)
    # The PDF's relative column widths, as <col width> (an attribute: the console's CSP allows no inline style)
    cols = "".join(f'<col width="{100 * c.width / weight:.1f}%">' for c in table.columns)
    parts.append(f'<table class="od-table"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>')

    def row(values: tuple[str | int, ...], cls: str = "") -> str:
        cells = "".join(
            f'<td class="od-{"R" if c.money else c.align}">{escape(cell_text(c, v))}</td>'
            for c, v in zip(table.columns, values, strict=True)
        )
        return f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>"

    parts += [row(values) for values in table.rows]
    if table.total is not None:
        parts.append(row(table.total, "od-total"))
    parts.append("</tbody></table>")
    return "".join(parts)


def to_html(doc: OfficialDocument) -> Markup:
    """The document as the console prints it: the same lines as `to_pdf`, placed by the classes `document_css`
    styles from the same layout values (a stylesheet of its own: the console's Content-Security-Policy allows no
    inline style)."""
    comp = compose(doc)
    out = ['<article class="doc official">']
    if comp.watermark:
        out.append(f'<div class="stamp" aria-hidden="true">{escape(comp.watermark)}</div>')
    names = [line for line in comp.masthead_left if line.role != "number"]
    number = next(line for line in comp.masthead_left if line.role == "number")
    national, motto, dated = comp.masthead_right
    out.append('<div class="od-row od-masthead"><div class="od-left">')
    out += [_p(line) for line in names]
    out.append('<div class="od-rule"></div></div><div class="od-right">')
    out += [_p(national), _p(motto), '<div class="od-rule"></div></div></div>']
    out.append(
        f'<div class="od-row od-dated"><div class="od-left">{_p(number)}</div><div class="od-right">{_p(dated)}</div></div>'
    )
    for line in comp.heading:
        out.append(_p(line, "h2") if line.role == "kind" else _p(line))
        if line.role == "subject":
            out.append('<div class="od-rule"></div>')
    out += [_p(line) for line in (*comp.basis, *comp.body)]
    out += [_html_table(t) for t in comp.inline_tables]
    out += [_p(line) for line in comp.closing]
    out.append('<div class="od-signrow"><div class="od-recipients">')
    out += [_p(line) for line in comp.recipients]
    out.append('</div><div class="od-signature">')
    for line in comp.signature:
        if line.role == "sig_name":
            out.append('<div class="od-space"></div>')
        out.append(_p(line))
    if not any(line.role == "sig_name" for line in comp.signature):
        out.append('<div class="od-space"></div>')
    out.append("</div></div>")
    if comp.appendix:
        out.append('<section class="od-appendix">')
        out += [_p(line) for line in comp.appendix]
        out.append('<div class="od-rule"></div>')
        out += [_html_table(t) for t in comp.appendix_tables]
        out.append("</section>")
    out.append("</article>")
    return Markup("".join(out))  # every text above went through `escape`


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
    text = _nfc(str(value))
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
    cleaned = "".join(c for c in _nfc(kind.title()) if c not in "[]:*?/\\")
    return cleaned[:31] or "Sheet"
