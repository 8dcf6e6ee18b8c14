"""The certificates (văn bằng) as PDF: one landscape page per certificate, each text shrunk, then wrapped, until it fits
its box (shared.rules.documents.certificate says what a certificate holds and how it reads)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from shared.rules.documents.certificate import (
    CERTIFICATE_KEYS,
    LINE_HEIGHT,
    PAPER_MM,
    SMALLEST_PT,
    Certificate,
    Paper,
    date_line,
    decision_line,
    register_line,
)
from shared.rules.documents.fonts import add_fonts, pdf_bytes
from shared.rules.documents.model import FONT, PT_MM, Layout, load_layout, nfc


class _Sheet(FPDF):
    def __init__(self, layout: Layout, paper: Paper) -> None:
        super().__init__(orientation="L", unit="mm", format=paper)
        missing = [k for k in CERTIFICATE_KEYS if k not in layout.values]
        if missing:
            raise ValueError(f"document layout: missing certificate values {missing}")
        self.layout = layout
        self.scale = PAPER_MM[paper][0] / PAPER_MM["A4"][0]
        add_fonts(self)
        margin = self.mm("certificate_margin_mm")
        self.set_margins(left=margin, top=margin, right=margin)
        self.set_auto_page_break(auto=False)  # one page per certificate, whatever it holds

    def mm(self, key: str) -> float:
        return self.layout.v(key) * self.scale

    def pt(self, key: str) -> float:
        return self.layout.v(key) * self.scale


@dataclass(frozen=True)
class _Fitted:
    size: float
    lines: tuple[str, ...]

    @property
    def line_height(self) -> float:
        return self.size * PT_MM * LINE_HEIGHT

    @property
    def height(self) -> float:
        return self.line_height * len(self.lines)


def _wrap(pdf: _Sheet, text: str, style: str, size: float, width: float) -> tuple[str, ...]:
    pdf.set_font(FONT, style, size)
    lines = pdf.multi_cell(width, size * PT_MM, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # what output=LINES returns
    return tuple(str(line) for line in lines)


def _fit(pdf: _Sheet, text: str, style: str, size: float, width: float, lines: int, *, min_size: float = 0) -> _Fitted:
    """The text at `size`, or smaller, in at most `lines` lines of `width`: the box is `lines` lines of `size` high.
    Down to `min_size` it keeps to `lines` lines; below, it may take more lines while they stay inside the box."""
    box = size * PT_MM * LINE_HEIGHT * lines
    current = size
    while current > SMALLEST_PT:
        wrapped = _wrap(pdf, text, style, current, width)
        fitted = _Fitted(current, wrapped)
        if len(wrapped) <= lines or (current <= min_size and fitted.height <= box):
            return fitted
        current = round(current - 0.5, 2)
    return _Fitted(SMALLEST_PT, _wrap(pdf, text, style, SMALLEST_PT, width))


def _put(pdf: _Sheet, fitted: _Fitted, style: str, x: float, y: float, width: float, align: Literal["C", "L"] = "C") -> float:
    """The fitted lines from (x, y); the y under them."""
    pdf.set_font(FONT, style, fitted.size)
    pdf.set_xy(x, y)
    for line in fitted.lines:
        pdf.set_x(x)
        pdf.cell(width, fitted.line_height, line, align=align, new_x=XPos.LEFT, new_y=YPos.NEXT)
    return y + fitted.height


def _border(pdf: _Sheet) -> None:
    inset = pdf.mm("certificate_border_mm")
    if inset <= 0:
        return
    pdf.set_line_width(0.9 * pdf.scale)
    pdf.rect(inset, inset, pdf.w - 2 * inset, pdf.h - 2 * inset)
    gap = 1.6 * pdf.scale
    pdf.set_line_width(0.3 * pdf.scale)
    pdf.rect(inset + gap, inset + gap, pdf.w - 2 * (inset + gap), pdf.h - 2 * (inset + gap))


def _top(pdf: _Sheet, cert: Certificate) -> float:
    """The issuing union under its parent, a short rule, the title: the y under the title."""
    x, width, y = pdf.l_margin, pdf.epw, pdf.t_margin
    if cert.issuer_parent:
        y = _put(pdf, _fit(pdf, nfc(cert.issuer_parent.upper()), "", pdf.pt("certificate_parent_pt"), width, 1), "", x, y, width)
    issuer = _fit(pdf, nfc(cert.issuer.upper()), "B", pdf.pt("certificate_issuer_pt"), width, 1)
    y = _put(pdf, issuer, "B", x, y, width)
    rule = min(pdf.get_string_width(issuer.lines[0]) if issuer.lines else width, width) / 3
    pdf.set_line_width(0.3 * pdf.scale)
    pdf.line(x + width / 2 - rule / 2, y + 1 * pdf.scale, x + width / 2 + rule / 2, y + 1 * pdf.scale)
    title = _fit(pdf, nfc(cert.title.upper()), "B", pdf.pt("certificate_title_pt"), width, 1)
    return _put(pdf, title, "B", x, y + 4 * pdf.scale, width)


@dataclass(frozen=True)
class _Foot:
    """The foot, fitted: date and signature on the right, decision and register numbers on the left."""

    dated: _Fitted
    roles: tuple[_Fitted, ...]
    name: _Fitted | None
    numbers: tuple[_Fitted, ...]
    top: float  # where the foot begins: the date line's top


def _fit_foot(pdf: _Sheet, cert: Certificate) -> _Foot:
    half = pdf.epw / 2
    date_pt, sig_pt = pdf.pt("certificate_date_pt"), pdf.pt("certificate_signature_pt")
    dated = _fit(pdf, date_line(cert), "I", date_pt, half, 1)
    roles = tuple(_fit(pdf, nfc(r), "B", sig_pt, half, 1) for r in cert.signature.role_lines())
    name = _fit(pdf, nfc(cert.signature.name), "B", sig_pt, half, 1) if cert.signature.name else None
    name_height = name.height if name else sig_pt * PT_MM * LINE_HEIGHT
    block = dated.height + sum(r.height for r in roles) + pdf.mm("certificate_signing_space_mm") + name_height
    footer_pt = pdf.pt("certificate_footer_pt")
    numbers = (_fit(pdf, decision_line(cert), "", footer_pt, half, 1), _fit(pdf, register_line(cert), "", footer_pt, half, 1))
    return _Foot(dated, roles, name, numbers, top=pdf.h - pdf.mm("certificate_margin_mm") - block)


def _foot(pdf: _Sheet, foot: _Foot) -> None:
    half = pdf.epw / 2
    right_x = pdf.l_margin + half
    y = _put(pdf, foot.dated, "I", right_x, foot.top, half)
    for role in foot.roles:
        y = _put(pdf, role, "B", right_x, y, half)
    if foot.name is not None:
        # The space to sign and seal: nothing printed in it (a certificate is signed by hand after it is printed).
        _put(pdf, foot.name, "B", right_x, y + pdf.mm("certificate_signing_space_mm"), half)
    y = pdf.h - pdf.mm("certificate_margin_mm") - sum(n.height for n in foot.numbers)
    for number in foot.numbers:
        y = _put(pdf, number, "", pdf.l_margin, y, half, align="L")


def _middle(pdf: _Sheet, cert: Certificate, top: float, bottom: float) -> None:
    """Conferrer, "TẶNG", name, details and achievement, each in its box, the group centred between top and bottom."""
    width = pdf.epw
    conferrer_pt = pdf.pt("certificate_conferrer_pt")
    # (text, style, size, lines, smallest size kept to those lines)
    wanted: list[tuple[str, str, float, int, float]] = []
    if cert.conferrer:
        wanted.append((nfc(cert.conferrer.upper()), "B", conferrer_pt, 2, 0))
    wanted.append(("TẶNG", "B", conferrer_pt, 1, 0))
    wanted.append((nfc(cert.nominee_name), "B", pdf.pt("certificate_name_pt"), 2, pdf.pt("certificate_name_min_pt")))
    if cert.details:
        wanted.append((nfc(cert.details), "", pdf.pt("certificate_detail_pt"), 2, 10 * pdf.scale))
    if cert.achievement:
        wanted.append((nfc(cert.achievement), "I", pdf.pt("certificate_achievement_pt"), 2, 10 * pdf.scale))
    shrink = 1.0
    while True:
        gap = 2.5 * pdf.scale * shrink
        blocks = [(_fit(pdf, t, s, size * shrink, width, n, min_size=m * shrink), s) for t, s, size, n, m in wanted]
        needed = sum(b.height for b, _ in blocks) + gap * (len(blocks) - 1)
        if needed <= bottom - top or shrink < 0.3:
            break
        shrink *= 0.95  # everything at its largest does not fit between title and signature: shrink the group evenly
    y = top + max(0.0, (bottom - top - needed) / 2)
    for fitted, style in blocks:
        y = _put(pdf, fitted, style, pdf.l_margin, y, width) + gap


def certificates_pdf(certificates: Sequence[Certificate], paper: Paper = "A4", layout: Layout | None = None) -> bytes:
    """One landscape page per certificate, in the order given, Liberation Serif embedded."""
    if not certificates:
        raise ValueError("no certificates to print")  # a PDF needs a page: the caller says why there is none
    pdf = _Sheet(layout or load_layout(), paper)
    pdf.set_creator("Thi Đua")
    first = certificates[0]
    pdf.set_title(nfc(f"Văn bằng – Quyết định số {first.decision_number}"))
    pdf.set_author(nfc(first.issuer))
    for cert in certificates:
        pdf.add_page()
        _border(pdf)
        below_title = _top(pdf, cert)
        foot = _fit_foot(pdf, cert)
        _middle(pdf, cert, below_title + 3 * pdf.scale, foot.top - 4 * pdf.scale)
        _foot(pdf, foot)  # placed last, so the PDF's text reads top to bottom
    return pdf_bytes(pdf)
