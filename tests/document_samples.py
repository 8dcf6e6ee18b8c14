"""Sample official documents built the way the services build them (awards' decisions and state-title tờ trình from
the real legal-basis data, review's forwarding letter, a decision's certificates): the layout tests use them, and
`python -m tests.document_samples DIR` renders each to PDF and to PNG (pdftoppm, 100 dpi) for a person to look at.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from PIL import Image

from services.awards.domain.certificate import certificates_of
from services.awards.domain.document import DocumentData, Entry, build_document
from services.awards.domain.legal_basis import DocumentKind, frame_for
from services.awards.domain.register import Decision, RegistryEntry
from services.awards.usecases.context import legal_basis_of
from services.review.domain.proposal import Proposal, ProposalItem, proposal_letter
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import NomineeKind
from shared.rules.documents import Certificate, OfficialDocument, Paper, certificates_pdf, to_pdf
from shared.rules.reference import load_units
from shared.rules.rulebook import Rulebook

ON = date(2026, 3, 5)
LEGAL = legal_basis_of(Rulebook())  # the legal basis file shipped in shared/data, as awards reads it
UNITS = {u.code: u.ref() for u in load_units()}
GK = ("giay_khen_ldld_huyen", "Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây")
CSTD = ("chien_si_thi_dua_cap_tinh", "Chiến sĩ thi đua cấp tỉnh")
BK_TP = ("bang_khen_ldld_tp", "Bằng khen của Liên đoàn Lao động Thành phố Hà Nội")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
GIVEN = ("Thị Hường", "Văn Đức", "Thị Ngọc Ánh", "Quốc Vượng", "Minh Tuấn", "Thu Hà")
POSITIONS = ("Chủ tịch Công đoàn cơ sở", "Tổ trưởng sản xuất", "Công nhân", "Giáo viên", "Kế toán")
WORKPLACES = ("Công đoàn Công ty CP tập đoàn DST", "Công đoàn Trường THCS Sơn Tây", "Công đoàn Bệnh viện đa khoa Sơn Tây")


def _entry(i: int, kind: NomineeKind = "individual", award: tuple[str, str] = GK, amount: int = 710_000) -> Entry:
    name = f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]}" if kind == "individual" else f"Tổ Công đoàn số {i + 1}"
    return Entry(
        nominee_name=name,
        nominee_kind=kind,
        unit_name=WORKPLACES[i % len(WORKPLACES)],
        award_code=award[0],
        award_name=award[1],
        prize_amount_vnd=amount,
        position=POSITIONS[i % len(POSITIONS)] if kind == "individual" else "",
        amount_known=amount > 0,
    )


def _data(
    entries: tuple[Entry, ...], kind: DocumentKind = "decision", issuer: str = "HN-SONTAY", **changes: object
) -> DocumentData:
    unit = UNITS[issuer]
    frame = frame_for(
        kind,
        issuer_code=unit.code,
        issuer_name=unit.name,
        issuer_level=unit.level,
        catalogs={"union"} if kind == "decision" else {"state"},
        on=ON,
        award_codes=frozenset(e.award_code for e in entries),
        config=LEGAL,
    )
    parent = {"HN-SONTAY": "Liên đoàn Lao động Thành phố Hà Nội", "HN": "Tổng Liên đoàn Lao động Việt Nam"}[issuer]
    base: dict[str, object] = {
        "kind": kind,
        "number_text": "15/QĐ-LĐLĐ" if kind == "decision" else "4/TTr-LĐLĐ",
        "issuer_name": unit.name,
        "issuer_parent_name": parent,
        "issued_on": ON,
        "place": frame.place,
        "basis": (*frame.basis, f"Xét đề nghị của Ban Tổ chức {unit.name},"),
        "authority": frame.authority,
        "signer_role": frame.signer_role,
        "signer_name": "Nguyễn Văn Hùng",
        "entries": entries,
        "base_salary_vnd": 2_340_000,
        "periods": ("2025",),
        "addressee": frame.addressee,
    }
    return DocumentData(**(base | changes))  # type: ignore[arg-type]


def one_person() -> OfficialDocument:
    return build_document(_data((_entry(0),)))


def vice_chair() -> OfficialDocument:
    """No Chủ tịch in the roster on the date: the Phó Chủ tịch signs for the Chủ tịch ("KT. CHỦ TỊCH")."""
    return build_document(_data((_entry(0),), signer_role=("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), signer_name="Nguyễn Thị Lan Anh"))


def long_body() -> OfficialDocument:
    """A decision whose căn cứ push Điều 3 near the foot of page 1: Điều 3 goes to page 2 with the signature."""
    doc = one_person()
    cited = "Căn cứ Quyết định số 12/QĐ-LĐLĐ ngày 02/01/2026 của Ban Thường vụ về việc ban hành kế hoạch thi đua năm 2026"
    return replace(doc, basis=(*doc.basis[:-1], *([cited] * 5), doc.basis[-1]))


def thirty_people() -> OfficialDocument:
    return build_document(_data(tuple(_entry(i) for i in range(30))))


def collective() -> OfficialDocument:
    return build_document(_data((_entry(0, "collective", amount=1_410_000),)))


def unknown_amount() -> OfficialDocument:
    """Bằng khen of the city union: the catalogue has no confirmed prize (coefficient 0), so it is not known."""
    return build_document(_data((_entry(0, award=BK_TP, amount=0), _entry(1, award=BK_TP, amount=0)), issuer="HN"))


def state_title() -> OfficialDocument:
    entries = (_entry(0, award=CSTD, amount=0), _entry(1, award=CSTD, amount=0))
    return build_document(
        _data(entries, kind="proposal", issuer="HN", decided_by="Bộ trưởng, Chủ tịch UBND tỉnh (thẩm quyền chưa xác nhận)")
    )


def forwarding_letter() -> OfficialDocument:
    items = tuple(
        ProposalItem(
            task_id=f"t-{i}",
            nomination_id=f"n-{i}",
            nominee_name=_entry(i).nominee_name,
            nominee_kind="individual",
            origin_unit_name=WORKPLACES[i % len(WORKPLACES)],
            award_name="Bằng khen của Liên đoàn Lao động Thành phố Hà Nội",
            achievements="Hoàn thành xuất sắc nhiệm vụ năm 2025; có sáng kiến giảm 12% chi phí vận hành được công nhận.",
            council="Đạt (9/9 đồng ý; có mặt 9/11, bỏ phiếu kín)",
        )
        for i in range(6)
    )
    return proposal_letter(
        Proposal(
            id="p-1",
            unit=UNITS["HN-SONTAY"],
            to_unit=UNITS["HN"],
            year=2026,
            number=3,
            number_text="3/TTr-LĐLĐ",
            issued_on=ON,
            forwarded_by_id="u-1",
            signer_name="Phạm Quang Huy",
            comment=None,
            items=items,
            created_at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
        )
    )


SAMPLES: dict[str, Callable[[], OfficialDocument]] = {
    "decision-1-person": one_person,
    "decision-vice-chair": vice_chair,
    "decision-keep-together": long_body,
    "decision-30-people": thirty_people,
    "decision-collective": collective,
    "decision-amount-unknown": unknown_amount,
    "state-title-to-trinh": state_title,
    "forwarding-letter": forwarding_letter,
}


# --- Certificates (văn bằng) of a decision, built by awards' domain from a decision of the register ----------------

LONG_NAME = ("Tổ Công đoàn Phân xưởng Cơ khí Chế tạo và Sửa chữa Thiết bị Nâng hạ số 2 thuộc Xí nghiệp Cơ điện " * 3)[:200]


def certified_decision(people: int, *, long_name: bool = False) -> tuple[Decision, tuple[RegistryEntry, ...], DecisionFrame]:
    """A signed Giấy khen decision of LĐLĐ thị xã Sơn Tây listing `people` entries (the second a collective), as the
    register holds it; with `long_name`, the collective is named by 200 characters."""
    unit = UNITS["HN-SONTAY"]
    frame = frame_for(
        "decision",
        issuer_code=unit.code,
        issuer_name=unit.name,
        issuer_level=unit.level,
        catalogs={"union"},
        on=ON,
        award_codes=frozenset({GK[0]}),
        config=LEGAL,
    )
    stored = DecisionFrame(
        place=frame.place,
        basis=list(frame.basis),
        authority=frame.authority,
        signer_role=list(frame.signer_role),
        signer_name="Nguyễn Văn Hùng",
        issuer_parent_name="Liên đoàn Lao động Thành phố Hà Nội",
    )
    decision = Decision(
        id="d-15",
        kind="decision",
        issuer_code=unit.code,
        issuer=unit,
        year=ON.year,
        number=15,
        number_text="15/QĐ-LĐLĐ",
        issued_at=datetime(2026, 3, 5, 2, 0, tzinfo=UTC),
        signed_by="Lãnh đạo LĐLĐ Sơn Tây",
        award_code=GK[0],
        award_name=GK[1],
        catalog_version="union-2025.1",
        readers=("HN", "HN-SONTAY", "TLD"),
        batch_id=None,
        decided_by="",
        document=stored,
    )
    entries = []
    for i in range(people):
        e = _entry(i, "collective" if i == 1 else "individual")
        name = LONG_NAME if long_name and i == 1 else e.nominee_name
        entries.append(
            RegistryEntry(
                id=f"e-{i + 1}",
                decision_id=decision.id,
                nomination_id=f"n-{i + 1}",
                nominee_kind=e.nominee_kind,
                nominee_name=name,
                unit_code="HN-SONTAY-DST",
                unit_name=e.unit_name,
                period="2025",
                coefficient="0.3",
                base_salary_vnd=2_340_000,
                prize_amount_vnd=e.prize_amount_vnd,
                award_code=e.award_code,
                award_name=e.award_name,
                status="granted",
                nominee_position=e.position,
            )
        )
    return decision, tuple(entries), stored


def decision_certificates(people: int = 4, *, long_name: bool = False) -> list[Certificate]:
    decision, entries, frame = certified_decision(people, long_name=long_name)
    return certificates_of(decision, entries, frame)


CERTIFICATE_SAMPLES: dict[str, tuple[Callable[[], list[Certificate]], Paper]] = {
    "certificates-a4": (lambda: decision_certificates(3, long_name=True), "A4"),  # the collective's name: 200 characters
    "certificate-a3": (lambda: decision_certificates(1), "A3"),
}


def render(out: Path, dpi: int = 100) -> list[Path]:
    """Each sample as PDF and as one PNG per page (needs pdftoppm, from poppler-utils), in 16 greys to stay small."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: to_pdf(build()) for name, build in SAMPLES.items()}
    files |= {name: certificates_pdf(build(), paper) for name, (build, paper) in CERTIFICATE_SAMPLES.items()}
    for name, content in files.items():
        pdf = out / f"{name}.pdf"
        pdf.write_bytes(content)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(out / name)], check=True)
    pages = sorted(out.glob("*.png"))
    for page in pages:
        with Image.open(page) as image:
            small = image.convert("L").quantize(16)
        small.save(page, optimize=True)
    return pages


if __name__ == "__main__":
    for path in render(Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/documents")):
        print(path)
