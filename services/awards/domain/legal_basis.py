"""What a generated Quyết định or Tờ trình cites ("Căn cứ …"), who decides and who signs: dated configuration
(`shared/data/legal_basis.toml` as shipped, the file the Rulebook's `legal_basis_rules` names), looked up for a
document's kind, issuer level, catalogues and date. Pure: the use cases read the file once per Rulebook
(`services.awards.usecases.context.legal_basis_of`) and hand its entries to `parse_legal_basis`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.values import Level
from shared.rules.catalog import CatalogName

# forwarding: a tờ trình to the unit above; revocation: a decision revoking a decision
DocumentKind = Literal["decision", "proposal", "forwarding", "revocation"]


class _Dated(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: tuple[DocumentKind, ...]
    levels: tuple[Level, ...]
    effective_from: date
    effective_to: date | None = None  # exclusive
    source: str = ""
    confirmed: bool = True

    def applies(self, kind: DocumentKind, level: Level, on: date) -> bool:
        in_force = self.effective_from <= on and (self.effective_to is None or on < self.effective_to)
        return in_force and kind in self.kinds and level in self.levels


class BasisLine(_Dated):
    text: str = Field(min_length=1)
    catalogs: tuple[CatalogName, ...] = ("union", "state")


class Signers(_Dated):
    authority: str = ""  # the line under the title; {issuer}/{issuer_upper} filled in
    signer_role: tuple[str, ...] = ()
    position: str = "Chủ tịch"  # the roster position that signs by default
    deputy_position: str = ""  # who signs when no one holds `position` ("Phó Chủ tịch")
    deputy_role: tuple[str, ...] = ()  # the deputy's lines ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")


class Addressee(_Dated):
    """Whom a tờ trình for these awards is addressed to ("Kính gửi: Ủy ban nhân dân thành phố Hà Nội")."""

    award_codes: tuple[str, ...]
    addressee: str = Field(min_length=1)
    unit_codes: tuple[str, ...] = ()  # proposing units it applies to; empty: any at `levels`


class Place(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_code: str
    place: str


class Defaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    place: str
    source: str = ""


class LegalBasisFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: Defaults
    places: tuple[Place, ...] = ()
    basis: tuple[BasisLine, ...] = ()
    signers: tuple[Signers, ...] = ()
    addressees: tuple[Addressee, ...] = ()


class DocumentFrame(BaseModel):
    """What one document prints around its body, as chosen on its date (stored with the document)."""

    model_config = ConfigDict(frozen=True)

    place: str
    basis: tuple[str, ...]
    authority: str
    signer_role: tuple[str, ...]
    signer_position: str = ""  # the roster position that signs ("" when no rule applies)
    deputy_position: str = ""
    deputy_role: tuple[str, ...] = ()
    unconfirmed: tuple[str, ...] = ()  # sources of the lines used that the configuration marks unconfirmed
    addressee: str = ""  # a tờ trình's "Kính gửi:"; "" when none is configured for its awards


def parse_legal_basis(raw: Mapping[str, Any]) -> LegalBasisFile:
    """The configuration of a legal basis file's entries (`[defaults]`, `[[places]]`, `[[basis]]`, `[[signers]]`,
    `[[addressees]]`); a malformed entry is a `pydantic.ValidationError`."""
    return LegalBasisFile.model_validate(raw)


def frame_for(
    kind: DocumentKind,
    *,
    issuer_code: str,
    issuer_name: str,
    issuer_level: Level,
    catalogs: set[CatalogName],
    on: date,
    award_codes: frozenset[str] = frozenset(),
    config: LegalBasisFile,
) -> DocumentFrame:
    lines = [b for b in config.basis if b.applies(kind, issuer_level, on) and catalogs & set(b.catalogs)]
    signers = next((s for s in config.signers if s.applies(kind, issuer_level, on)), None)
    place = next((p.place for p in config.places if p.unit_code == issuer_code), config.defaults.place)
    addressee = next(
        (
            a
            for a in config.addressees
            if a.applies(kind, issuer_level, on)
            and award_codes & set(a.award_codes)
            and (not a.unit_codes or issuer_code in a.unit_codes)
        ),
        None,
    )
    used: list[_Dated] = [*lines, *([signers] if signers else []), *([addressee] if addressee else [])]
    return DocumentFrame(
        place=place,
        basis=tuple(b.text for b in lines),
        authority=(signers.authority if signers else "").format(issuer=issuer_name, issuer_upper=issuer_name.upper()),
        signer_role=signers.signer_role if signers else (),
        signer_position=signers.position if signers else "",
        deputy_position=signers.deputy_position if signers else "",
        deputy_role=signers.deputy_role if signers else (),
        unconfirmed=tuple(dict.fromkeys(u.source for u in used if not u.confirmed)),
        addressee=addressee.addressee if addressee else "",
    )
