"""The certificates (văn bằng) of a decision: a Bằng khen or Giấy khen for each person or collective it lists, built
from what the register holds of the decision, its entries and its frame. Pure.

Only a decision (not a tờ trình) that stands (not revoked) has certificates, and only its entries whose award is a
Bằng khen or a Giấy khen (a Cờ thi đua, a title or a sáng kiến is not printed on such a certificate). Each carries
its "số vào sổ": the decision's number and the entry's position in the decision as the register stores it (the
order it was approved in, from 1), e.g. "15/QĐ-LĐLĐ – 3" — a sequence within the decision, not a separate register.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from services.awards.domain.document import Entry, document_data
from services.awards.domain.register import Decision, RegistryEntry
from shared.contracts.errors import Conflict, NotFound
from shared.contracts.operations.awards import DecisionFrame
from shared.rules.documents import SignatureBlock
from shared.rules.documents.certificate import Certificate

TITLES = {"bằng khen": "BẰNG KHEN", "giấy khen": "GIẤY KHEN"}


def certificate_title(award_name: str) -> str | None:
    """'Bằng khen của …' -> 'BẰNG KHEN', 'Giấy khen của …' -> 'GIẤY KHEN'; None for an award no such certificate
    shows (Cờ thi đua, a title, a sáng kiến, Bằng "Lao động sáng tạo")."""
    name = unicodedata.normalize("NFC", award_name).strip().lower()
    return next((title for start, title in TITLES.items() if name.startswith(start)), None)


def has_certificate(decision: Decision, entry: RegistryEntry) -> bool:
    """Whether the entry gets a certificate: a granted Bằng khen or Giấy khen of a decision that stands."""
    award_name = entry.award_name or decision.award_name
    return (
        decision.kind == "decision"
        and decision.status == "issued"
        and entry.status == "granted"
        and certificate_title(award_name) is not None
    )


def period_phrase(period: str) -> str:
    """'2025' -> 'năm 2025'; '2021-2025' -> 'giai đoạn 2021-2025'; anything else -> 'kỳ …'."""
    if re.fullmatch(r"\d{4}", period):
        return f"năm {period}"
    if re.fullmatch(r"\d{4}\s*[-–]\s*\d{4}", period):
        return f"giai đoạn {period}"
    return f"kỳ {period}"


def achievement_line(period: str) -> str:
    """The register holds no achievement text (the dossier's stays with registration), so the certificate says only
    what the decision does: an achievement in the period the award is for, without "xuất sắc" or a movement's name
    nobody recorded."""
    return f"Đã có thành tích trong phong trào thi đua {period_phrase(period)}"


def details_line(entry: Entry) -> str:
    """An individual's position and unit; a collective's unit when it is not the collective itself."""
    if entry.nominee_kind == "collective":
        return "" if entry.unit_name == entry.nominee_name else entry.unit_name
    return ", ".join(part for part in (entry.position, entry.unit_name) if part)


def register_number(number_text: str, position: int) -> str:
    return f"{number_text} – {position}"


def certificates_of(
    decision: Decision, entries: Sequence[RegistryEntry], frame: DecisionFrame, *, nomination_id: str | None = None
) -> list[Certificate]:
    """Every certificate of the decision in its order (or the one of `nomination_id`), or the error saying why none."""
    if decision.kind != "decision":
        raise Conflict("Tờ trình không có văn bằng: chỉ quyết định khen thưởng mới in văn bằng", code="not_a_decision")
    if decision.status == "revoked":
        raise Conflict("Quyết định đã bị thu hồi: không in văn bằng", code="decision_revoked")
    data = document_data(decision, entries, frame)
    signature = SignatureBlock.of_lines(data.signer_role, data.signer_name)
    found: list[Certificate] = []
    for position, (stored, entry) in enumerate(zip(entries, data.entries, strict=True), start=1):
        if nomination_id is not None and stored.nomination_id != nomination_id:
            continue
        if not has_certificate(decision, stored):
            continue
        found.append(
            Certificate(
                title=certificate_title(entry.award_name) or "",
                issuer=data.issuer_name,
                issuer_parent=data.issuer_parent_name,
                conferrer=data.authority,
                nominee_name=" ".join(part for part in (stored.nominee_salutation, entry.nominee_name) if part),
                details=details_line(entry),
                achievement=achievement_line(stored.period),
                place=data.place,
                decided_on=data.issued_on,
                decision_number=data.number_text,
                register_number=register_number(data.number_text, position),
                signature=signature,
            )
        )
    if found:
        return found
    if nomination_id is not None and not any(e.nomination_id == nomination_id for e in entries):
        raise NotFound("Quyết định không có hồ sơ này", code="nominee_not_found")
    raise Conflict("Không có Bằng khen hoặc Giấy khen nào để in văn bằng", code="no_certificates")
