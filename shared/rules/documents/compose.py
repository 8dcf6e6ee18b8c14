"""What every rendering prints: the document turned into its lines, in order, each with its role."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.rules.documents.model import NATIONAL_MOTTO, NATIONAL_NAME, Column, OfficialDocument, Table, date_line, nfc, vnd

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


# Each role's type face (B, I, BI or regular), its size in the layout file, and its alignment: both renderings.
STYLE = {
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


def cell_text(column: Column, value: str | int) -> str:
    if column.money and isinstance(value, int):
        return vnd(value)
    return nfc(str(value))


def table_text(table: Table) -> list[str]:
    cells = [nfc(table.heading)] if table.heading else []
    cells += [nfc(c.title) for c in table.columns]
    for values in (*table.rows, *([table.total] if table.total is not None else [])):
        cells += [cell_text(c, v) for c, v in zip(table.columns, values, strict=True)]
    return [c for c in cells if c]


def basis_lines(lines: Sequence[str]) -> tuple[str, ...]:
    """ "Căn cứ …" lines as NĐ 30/2020 ends them: each with ";", the last with "."."""
    cleaned = [nfc(line).rstrip().rstrip(";.,") for line in lines if line.strip()]
    return tuple(f"{line}{'.' if i == len(cleaned) - 1 else ';'}" for i, line in enumerate(cleaned))


def recipient_lines(recipients: Sequence[str]) -> tuple[str, ...]:
    """ "- Như Điều 3;" … "- Lưu: VT." (each ";", the last ".")."""
    cleaned = [nfc(r).strip().rstrip(";.") for r in recipients if r.strip()]
    return tuple(f"- {r}{'.' if i == len(cleaned) - 1 else ';'}" for i, r in enumerate(cleaned))


_LEADS = ("Điều ",)


def _body_line(role: str, text: str) -> Line:
    text = nfc(text)
    if text.startswith(_LEADS) and ". " in text[:12]:
        lead, rest = text.split(". ", 1)
        return Line(role, rest, lead=f"{lead}.")
    return Line(role, text)


def compose(doc: OfficialDocument) -> Composition:
    """The lines of the document, in order, as both the PDF and the printed page place them."""
    left = [Line("parent", nfc(doc.issuer_parent.upper()))] if doc.issuer_parent else []
    left += [Line("issuer", nfc(doc.issuer.upper())), Line("number", nfc(f"Số: {doc.number_text}"))]
    right = [
        Line("national", NATIONAL_NAME),
        Line("motto", nfc(NATIONAL_MOTTO)),
        Line("date", nfc(date_line(doc.place, doc.issued_on))),
    ]
    heading = [Line("kind", nfc(doc.kind.upper())), Line("subject", nfc(doc.subject))]
    if doc.authority:
        heading.append(Line("authority", nfc(doc.authority.upper())))
    if doc.addressee:
        heading.append(Line("addressee", nfc(doc.addressee), lead="Kính gửi:"))
    body = [Line("resolve", nfc(doc.resolve_line))] if doc.resolve_line else []
    body += [_body_line("body", p) for p in doc.paragraphs]
    recipients = [Line("recipients_title", "Nơi nhận:"), *(Line("recipient", r) for r in recipient_lines(doc.recipients))]
    signature = [Line("sig_role", nfc(r)) for r in doc.signature.role_lines()]
    signature.append(Line("sig_name", nfc(doc.signature.name)))
    appendix: list[Line] = []
    if doc.appendix is not None and doc.tables:
        appendix = [
            Line("appendix_title", nfc(doc.appendix.title.upper())),
            Line("appendix_subject", nfc(doc.appendix.subject)),
            Line("appendix_reference", nfc(doc.appendix.reference)),
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
        watermark=nfc(doc.watermark),
    )
