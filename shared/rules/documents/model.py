"""The document as a value: layout values (data), the document's parts, and the formatting every rendering shares."""

from __future__ import annotations

import logging
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

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


def nfc(text: str) -> str:
    # Decomposed input (combining marks) would render as separate glyphs; the font has the precomposed ones.
    return unicodedata.normalize("NFC", text)
