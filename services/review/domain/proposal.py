"""Tờ trình: the letter a unit sends up with the batch of dossiers it forwards together, and how it reads.

The letter's wording (place, signer's role, subject, legal basis) is dated configuration in `data/proposals.toml`.
Its number is gapless per unit per year (`council.proposal_number_text` writes it); its list is frozen when issued.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.values import UnitRef
from shared.rules.documents import AppendixHeading, Column, OfficialDocument, SignatureBlock, Table, short_date
from shared.rules.reference import DATA_DIR

KIND_VI = {"individual": "Cá nhân", "collective": "Tập thể"}
NOT_REQUIRED_VI = "Không bắt buộc biểu quyết"


class LetterSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    place: str
    signer_role: tuple[str, ...]
    subject: str
    basis: tuple[str, ...] = ()
    achievements_chars: int = Field(default=240, ge=40)
    confirmed: bool = False
    source: str = ""


@cache
def letter_settings() -> LetterSettings:
    with (DATA_DIR / "proposals.toml").open("rb") as f:
        return LetterSettings.model_validate(tomllib.load(f))


class ProposalItem(BaseModel):
    """One nominee as the letter lists it (frozen when it was issued)."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    nomination_id: str
    nominee_name: str
    nominee_kind: str
    origin_unit_name: str
    award_name: str
    achievements: str
    council: str  # the council's result in words, or that this level need not vote


@dataclass(frozen=True)
class Proposal:
    """A tờ trình as issued: from `unit` to `to_unit`, numbered, signed, listing its nominees."""

    id: str
    unit: UnitRef
    to_unit: UnitRef
    year: int
    number: int
    number_text: str
    issued_on: date
    signer_id: str
    signer_name: str
    comment: str | None
    items: tuple[ProposalItem, ...]
    created_at: datetime

    def is_party(self, unit_code: str) -> bool:
        """The unit that sent it or the unit it was sent to."""
        return unit_code in (self.unit.code, self.to_unit.code)


def shorten(text: str, limit: int) -> str:
    """The achievements on one line, cut at a word before `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def proposal_letter(proposal: Proposal) -> OfficialDocument:
    """The tờ trình as an official document: addressed to the unit above, listing the nominees."""
    settings = letter_settings()
    unit, to_unit = proposal.unit, proposal.to_unit
    items = proposal.items
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
    closing = ((proposal.comment,) if proposal.comment else ()) + (ending,)
    return OfficialDocument(
        kind="TỜ TRÌNH",
        subject=settings.subject,
        issuer=unit.name.upper(),
        issuer_parent=to_unit.name.upper(),
        addressee=to_unit.name,
        number_text=proposal.number_text,
        place=settings.place,
        issued_on=proposal.issued_on,
        basis=settings.basis,
        paragraphs=paragraphs,
        tables=(table,),
        closing=closing,
        recipients=("Như trên", f"Lưu: {unit.short_name}"),
        signature=SignatureBlock.of_lines(settings.signer_role, proposal.signer_name),
        appendix=AppendixHeading(
            title="DANH SÁCH",
            subject="Tập thể, cá nhân đề nghị khen thưởng",
            reference=f"(Kèm theo Tờ trình số {proposal.number_text} ngày {short_date(proposal.issued_on)} của {unit.name})",
        ),
        metadata={"title": f"Tờ trình số {proposal.number_text}", "author": unit.name},
    )
