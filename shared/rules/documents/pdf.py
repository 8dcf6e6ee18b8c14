"""The PDF: the composed lines placed on A4 as Nghị định 30/2020 lays them out, Liberation Serif embedded."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from shared.rules.documents.compose import STYLE, Composition, Line, cell_text, compose
from shared.rules.documents.fonts import add_fonts, pdf_bytes
from shared.rules.documents.model import (
    FONT,
    PT_MM,
    Layout,
    OfficialDocument,
    ParagraphAlign,
    Table,
    load_layout,
    nfc,
)

# --- PDF ----------------------------------------------------------------------------------------------------------

_INDENTED = {"basis", "body"}


class _Pdf(FPDF):
    def __init__(self, layout: Layout, watermark: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.layout = layout
        self._watermark = watermark
        add_fonts(self)
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
        style, size_key, align = STYLE[role]
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
        pdf.multi_cell(0, size * PT_MM * 1.4, nfc(table.heading), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
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
            head.cell(nfc(column.title), align="C")
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
    pdf.set_title(nfc(f"{doc.kind} {doc.number_text}"))
    pdf.set_author(nfc(doc.issuer))
    pdf.set_creator("Thi Đua")
    pdf.set_subject(nfc(doc.subject))
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
    return pdf_bytes(pdf)
