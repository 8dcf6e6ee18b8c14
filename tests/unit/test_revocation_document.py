"""Quyết định thu hồi as a document: the layout of a decision (Nghị định 30/2020), numbered QĐ, the revoked decision
cited with its date, the reason, what is withdrawn and the prize each must pay back, listed after the signature."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, date, datetime

import pypdf

from services.awards.domain.decision import DecisionNumber
from services.awards.domain.issuing import frame_of
from services.awards.domain.register import Decision, RegistryEntry
from services.awards.domain.revocation_document import revocation_document, revocation_draft, revocation_record
from services.awards.domain.signers import SigningOfficer
from services.awards.usecases.context import legal_basis_of
from shared.rules.documents import to_html, to_pdf
from shared.rules.rulebook import Rulebook
from tests.unit.factories import actor, unit

SIGNED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
ON = date(2026, 3, 9)
SONTAY = unit("HN-SONTAY")
ROSTER = [SigningOfficer("o-1", "HN-SONTAY", "Đỗ Văn Minh", "Chủ tịch", date(2023, 5, 1), username="ky.sontay")]


def revoked_decision() -> tuple[Decision, list[RegistryEntry]]:
    decision = Decision(
        id="d-1",
        kind="decision",
        issuer_code="HN-SONTAY",
        issuer=SONTAY,
        year=2026,
        number=1,
        number_text="1/QĐ-LĐLĐ",
        issued_at=SIGNED,
        signed_by="Đỗ Văn Minh",
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen của Liên đoàn Lao động cấp huyện",
        catalog_version="union-2025.1",
        readers=("HN", "HN-SONTAY", "HN-SONTAY-DST", "TLD"),
        batch_id=None,
        decided_by="",
        document=None,
    )
    entries = [
        RegistryEntry(
            id=f"e-{i}",
            decision_id="d-1",
            nomination_id=f"n-{i}",
            nominee_kind=kind,  # type: ignore[arg-type]
            nominee_name=name,
            unit_code="HN-SONTAY-DST",
            unit_name="Công đoàn Công ty CP tập đoàn DST",
            period="2026",
            coefficient="0.3",
            base_salary_vnd=2_340_000,
            prize_amount_vnd=amount,
            award_code="giay_khen_ldld_huyen",
            award_name="Giấy khen của Liên đoàn Lao động cấp huyện",
            status="granted",
        )
        for i, (kind, name, amount) in enumerate(
            (("individual", "Kiều Văn Thắng", 710_000), ("collective", "Phòng Kỹ thuật", 1_410_000))
        )
    ]
    return decision, entries


def test_the_revocation_cites_the_decision_its_reason_and_lists_each_prize_to_recover_after_the_signature() -> None:
    decision, entries = revoked_decision()
    asker = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Lãnh đạo LĐLĐ Sơn Tây")
    reason = "Khai man số ngày công trong báo cáo thành tích"
    draft = revocation_draft(decision, entries, reason=reason, asked_by=asker, at=SIGNED, new_id=lambda: "r-1")
    assert draft.revocation is not None
    assert (draft.kind, draft.readers, draft.nominations) == ("revocation", decision.readers, ())
    legal = legal_basis_of(Rulebook())
    frame = frame_of(
        "revocation", SONTAY, {"union"}, [], ON, legal=legal, parent_name="Liên đoàn Lao động Thành phố Hà Nội", roster=ROSTER
    )
    number = DecisionNumber(2, 2026, "QĐ-LĐLĐ")
    doc = revocation_document(draft, draft.revocation, frame, number, ON)
    pdf = pypdf.PdfReader(io.BytesIO(to_pdf(doc)))
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in pdf.pages))
    flat = " ".join(text.split())
    in_order = [
        "LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI",
        "Số: 2/QĐ-LĐLĐ",
        "QUYẾT ĐỊNH",
        "Về việc thu hồi Quyết định số 1/QĐ-LĐLĐ ngày 02/3/2026 của Liên đoàn Lao động thị xã Sơn Tây",
        "BAN THƯỜNG VỤ LIÊN ĐOÀN LAO ĐỘNG THỊ XÃ SƠN TÂY",
        "Căn cứ Quyết định số 1/QĐ-LĐLĐ ngày 02/3/2026",
        "Điều 1. Thu hồi Quyết định số 1/QĐ-LĐLĐ",
        f"Lý do: {reason}",
        "Điều 2. Thu hồi hình thức khen thưởng đã tặng cho 1 tập thể và 1 cá nhân",
        "tổng cộng 2.120.000 đồng",
        "TM. BAN THƯỜNG VỤ",
        "Đỗ Văn Minh",
        "DANH SÁCH",
        "(Kèm theo Quyết định số 2/QĐ-LĐLĐ ngày 09/3/2026",
        "Kiều Văn Thắng",
        "710.000",
        "Phòng Kỹ thuật",
        "1.410.000",
    ]
    at = [flat.find(piece) for piece in in_order]
    assert -1 not in at, [p for p, i in zip(in_order, at, strict=True) if i < 0]
    assert at == sorted(at), "the revocation reads out of order"
    assert "đã ký" not in flat
    fonts = {str(f) for page in pdf.pages for f in page["/Resources"]["/Font"].values()}  # type: ignore[index]
    assert fonts  # embedded fonts (the shipped serif)
    html = str(to_html(doc))  # the printed page comes from the same lines
    for piece in ("Số: 2/QĐ-LĐLĐ", "Về việc thu hồi Quyết định số 1/QĐ-LĐLĐ", "Kiều Văn Thắng"):
        assert piece in html
    record = revocation_record(draft, draft.revocation, document_id="r-doc", number=number, signed_at=SIGNED, frame=frame)
    assert (record.kind, record.number_text, record.revokes, record.signed_by) == (
        "revocation",
        "2/QĐ-LĐLĐ",
        "d-1",
        "Đỗ Văn Minh",
    )
