"""Certificates (văn bằng): a Bằng khen or Giấy khen for each person or collective a decision lists, one landscape
page each, as a union office prints them on plain paper or on pre-printed blanks (phôi).

A certificate is a value (`Certificate`, here); `certificates_pdf` (`certificate_pdf`, which loads fpdf2 only when a
certificate is printed) places many of them, one per page, in the order given.
From the top: the issuing union under its parent (as the decision's masthead), the title in large letters, the body
that decided, "TẶNG", the name, the position and unit, the achievement; at the foot, the place and date over the
decision's signature block on the right and the decision's number and date and the register number on the left.

The sizes are data (`certificate_*` in `shared/data/document_layout.toml`, all unconfirmed) for A4 landscape; A3
landscape is the same page scaled by 420/297. Every text sits in a box of its own and shrinks, then wraps, until it
fits the box: a 200-character name stays inside its page, never over the next element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from shared.rules.documents.model import SignatureBlock, nfc, short_date
from shared.rules.documents.model import date_line as place_and_date

Paper = Literal["A4", "A3"]
PAPER_MM: dict[Paper, tuple[float, float]] = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}  # landscape: width, height
CERTIFICATE_KEYS = (
    "certificate_margin_mm",
    "certificate_border_mm",
    "certificate_parent_pt",
    "certificate_issuer_pt",
    "certificate_title_pt",
    "certificate_conferrer_pt",
    "certificate_name_pt",
    "certificate_name_min_pt",
    "certificate_detail_pt",
    "certificate_achievement_pt",
    "certificate_date_pt",
    "certificate_signature_pt",
    "certificate_signing_space_mm",
    "certificate_footer_pt",
)
LINE_HEIGHT = 1.2  # of the font size, for every line of a certificate
SMALLEST_PT = 4.0  # a text that still does not fit its box at this size is set at it (never reached by a 200-character name)


@dataclass(frozen=True)
class Certificate:
    """One certificate as printed: every text as it stands on the page, except the formatting of dates and numbers."""

    title: str  # "BẰNG KHEN", "GIẤY KHEN"
    issuer: str  # the issuing union, e.g. "Liên đoàn Lao động thị xã Sơn Tây"
    nominee_name: str
    achievement: str  # "Đã có thành tích …"
    place: str
    decided_on: date  # the decision's date
    decision_number: str  # "15/QĐ-LĐLĐ"
    register_number: str  # "15/QĐ-LĐLĐ – 3": the decision's number and the entry's position in it
    issuer_parent: str = ""  # the body above the issuer ("Liên đoàn Lao động Thành phố Hà Nội")
    conferrer: str = ""  # the body that decided, the decision's authority line ("BAN THƯỜNG VỤ …")
    details: str = ""  # position and unit: "Tổ trưởng sản xuất, Công đoàn Công ty CP tập đoàn DST"
    signature: SignatureBlock = field(default_factory=SignatureBlock)


def decision_line(cert: Certificate) -> str:
    return nfc(f"Quyết định số {cert.decision_number} ngày {short_date(cert.decided_on)}")


def register_line(cert: Certificate) -> str:
    return nfc(f"Số vào sổ: {cert.register_number}")


def date_line(cert: Certificate) -> str:
    """'Hà Nội, ngày 05 tháng 3 năm 2026', as the decision dates itself."""
    return nfc(place_and_date(cert.place, cert.decided_on))


def text_lines(cert: Certificate) -> list[str]:
    """Every line a certificate prints, top to bottom, left before right: what a test compares with the PDF."""
    lines = [nfc(cert.issuer_parent.upper()), nfc(cert.issuer.upper()), nfc(cert.title.upper()), nfc(cert.conferrer.upper())]
    lines += ["TẶNG", nfc(cert.nominee_name), nfc(cert.details), nfc(cert.achievement), date_line(cert)]
    lines += [nfc(r) for r in cert.signature.role_lines()] + [nfc(cert.signature.name)]
    lines += [decision_line(cert), register_line(cert)]
    return [line for line in lines if line]


# --- Placing ------------------------------------------------------------------------------------------------------
