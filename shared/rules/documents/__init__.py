"""Official documents (Quyết định, Tờ trình) as PDF, as the console's printed page and as .xlsx, laid out as a union
office prints them; the certificates (văn bằng) a decision grants, as PDF (`certificates_pdf`).

A document is a value (`OfficialDocument`). `compose` turns it into the lines every rendering prints, in order, with
their role (masthead, title, căn cứ, body, nơi nhận, signature, appendix); `to_pdf` and `to_html` only place those
lines, so the PDF and the printed page cannot say different things. The layout (margins, sizes, spacing) is data in
`shared/data/document_layout.toml`, each value with its source in Nghị định 30/2020/NĐ-CP, Phụ lục I or marked
unconfirmed (used, with a warning). The PDF embeds Liberation Serif (metric-compatible with Times New Roman, SIL OFL
1.1, shipped in `shared/data/fonts` with its licence) so every Vietnamese letter renders the same on any machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from shared.rules.documents.certificate import Certificate, Paper
from shared.rules.documents.compose import compose
from shared.rules.documents.html import document_css, font_bytes, to_html
from shared.rules.documents.model import (
    FONT_FILES,
    AppendixHeading,
    Column,
    Layout,
    OfficialDocument,
    SignatureBlock,
    Table,
    date_line,
    load_layout,
    short_date,
    vnd,
)

if TYPE_CHECKING:
    from openpyxl import Workbook

# The renderers load fpdf2 (fonts, PIL, fontTools: ~34 MiB) and openpyxl when a document is first rendered, not with the
# rules: every service imports these, few render, and a process that never does stays that much smaller.


def to_pdf(doc: OfficialDocument, layout: Layout | None = None) -> bytes:
    """The document as PDF (shared.rules.documents.pdf)."""
    from shared.rules.documents import pdf

    return pdf.to_pdf(doc, layout)


def certificates_pdf(certificates: Sequence[Certificate], paper: Paper = "A4", layout: Layout | None = None) -> bytes:
    """One landscape page per certificate (shared.rules.documents.certificate_pdf)."""
    from shared.rules.documents import certificate_pdf

    return certificate_pdf.certificates_pdf(certificates, paper, layout)


def to_xlsx(doc: OfficialDocument) -> bytes:
    """The document's list as an .xlsx (shared.rules.documents.xlsx)."""
    from shared.rules.documents import xlsx

    return xlsx.to_xlsx(doc)


def save_text_only(book: Workbook) -> bytes:
    """The workbook as .xlsx bytes, any cell that looks like a formula kept as text (shared.rules.documents.xlsx)."""
    from shared.rules.documents import xlsx

    return xlsx.save_text_only(book)


__all__ = [
    "FONT_FILES",
    "AppendixHeading",
    "Certificate",
    "Column",
    "Layout",
    "OfficialDocument",
    "Paper",
    "SignatureBlock",
    "Table",
    "certificates_pdf",
    "compose",
    "date_line",
    "document_css",
    "font_bytes",
    "load_layout",
    "save_text_only",
    "short_date",
    "to_html",
    "to_pdf",
    "to_xlsx",
    "vnd",
]
