"""Tờ trình gửi cấp trên: the letter a unit sends up with the batch of dossiers it forwards together, and how it reads.
One template for both services that print it: review (the letter while it waits for its signer, and letters review
numbered before the unit's one register did) and awards (the letter its signing officer signs, PDF and PAdES).

The letter's wording (place, subject, legal basis) is dated configuration in `shared/data/proposals.toml`; its number
comes from the unit's register of outgoing documents when its officer signs it; its list is frozen when forwarded.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.events import ForwardedItem
from shared.contracts.values import UnitRef
from shared.rules.documents import AppendixHeading, Column, OfficialDocument, SignatureBlock, Table, short_date
from shared.rules.reference import DATA_DIR

KIND_VI = {"individual": "Cá nhân", "collective": "Tập thể"}
NOT_REQUIRED_VI = "Không bắt buộc biểu quyết"
WAITING_VI = "Chờ ký"


class LetterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    place: str
    signer_role: tuple[str, ...]  # printed on a letter numbered before the register (the roster's rule signs new ones)
    subject: str
    basis: tuple[str, ...] = ()
    achievements_chars: int = Field(default=240, ge=40)
    confirmed: bool = False
    source: str = ""


@cache
def letter_settings() -> LetterSettings:
    with (DATA_DIR / "proposals.toml").open("rb") as f:
        return LetterSettings.model_validate(tomllib.load(f))


@dataclass(frozen=True)
class LetterNumber:
    """The number and date a signed letter prints; a letter waiting for its signer has neither."""

    number_text: str  # "4/TTr-LĐLĐ"
    issued_on: date


def shorten(text: str, limit: int) -> str:
    """The achievements on one line, cut at a word before `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def proposal_symbol(decision_suffix: str | None) -> str:
    """A unit's tờ trình symbol from its decision symbol: "QĐ-LĐLĐ" -> "TTr-LĐLĐ", none -> "TTr" (the NĐ 30/2020
    abbreviation of "Tờ trình" followed by the unit's own abbreviation); every tờ trình of the unit, to the unit above
    or to a state authority, in its one register."""
    if not decision_suffix:
        return "TTr"
    head, _, rest = decision_suffix.partition("-")
    return f"TTr-{rest}" if head.upper() in ("QĐ", "QD") and rest else f"TTr-{decision_suffix}"


def waiting_number_text(unit: UnitRef) -> str:
    """What a letter waiting for its signer prints for its number: the symbol, the number left blank."""
    return "      /" + proposal_symbol(unit.decision_suffix)


def forwarding_letter(
    *,
    unit: UnitRef,
    to_unit: UnitRef,
    items: Sequence[ForwardedItem],
    comment: str | None,
    numbered: LetterNumber | None,
    forwarded_on: date,
    signature: SignatureBlock,
    place: str | None = None,
) -> OfficialDocument:
    """The tờ trình as an official document: addressed to the unit above, listing the nominees. Unsigned
    (`numbered` None), it prints no number and is dated the day it went up, marked as a draft."""
    settings = letter_settings()
    count = len(items)
    individuals = sum(1 for i in items if i.nominee_kind == "individual")
    table = Table(
        columns=(
            Column("STT", 0.95, "C"),
            Column("Tên tập thể / Họ và tên", 2.2),
            Column("Tập thể / Cá nhân", 1.1, "C"),
            Column("Đơn vị", 2),
            Column("Hình thức khen thưởng", 2),
            Column("Tóm tắt thành tích", 3.0),
            Column("Kết quả Hội đồng TĐKT", 2.2),
        ),
        rows=tuple(
            (
                n,
                i.nominee_name,
                KIND_VI.get(i.nominee_kind, i.nominee_kind),
                i.origin_unit_name,
                i.award_name,
                i.achievements,
                i.council,
            )
            for n, i in enumerate(items, start=1)
        ),
    )
    kinds = ", ".join(f"{n} {label}" for n, label in ((count - individuals, "tập thể"), (individuals, "cá nhân")) if n)
    paragraphs = (
        f"{unit.name} kính trình {to_unit.name} xem xét, khen thưởng cho {count} hồ sơ ({kinds}) có thành tích "
        "(có danh sách kèm theo).",
    )
    ending = f"{unit.name} kính trình {to_unit.short_name} xem xét, quyết định./."
    closing = ((comment,) if comment else ()) + (ending,)
    number_text = numbered.number_text if numbered else waiting_number_text(unit)
    issued_on = numbered.issued_on if numbered else forwarded_on
    reference = (
        f"(Kèm theo Tờ trình số {numbered.number_text} ngày {short_date(numbered.issued_on)} của {unit.name})"
        if numbered
        else f"(Kèm theo Tờ trình của {unit.name}, chờ ký)"
    )
    return OfficialDocument(
        kind="TỜ TRÌNH",
        subject=settings.subject,
        issuer=unit.name.upper(),
        issuer_parent=to_unit.name.upper(),
        addressee=to_unit.name,
        number_text=number_text,
        place=place or settings.place,
        issued_on=issued_on,
        basis=settings.basis,
        paragraphs=paragraphs,
        tables=(table,),
        closing=closing,
        recipients=("Như trên", f"Lưu: {unit.short_name}"),
        signature=signature,
        appendix=AppendixHeading(title="DANH SÁCH", subject="Tập thể, cá nhân đề nghị khen thưởng", reference=reference),
        watermark="" if numbered else "DỰ THẢO",
        metadata={"title": f"Tờ trình số {number_text.strip()}", "author": unit.name},
    )
