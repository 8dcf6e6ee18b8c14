"""Quyết định thu hồi: a signed decision is never altered; it is revoked by a decision of its own ("Quyết định về việc
thu hồi Quyết định số … ngày …"), drafted when the issuer's approver asks, signed by the issuer's signing officer,
numbered QĐ from the issuer's one register. Only when that decision is signed is the original revoked. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime

from services.awards.domain.decision import DecisionNumber
from services.awards.domain.document import recipients_phrase, subject_line
from services.awards.domain.drafts import Draft, RevocationContent, RevokedLine, signed_record
from services.awards.domain.register import Decision, RegistryEntry
from shared.contracts.events import Actor
from shared.contracts.operations.awards import DecisionFrame
from shared.contracts.values import VIETNAM_TZ
from shared.rules.documents import AppendixHeading, Column, OfficialDocument, SignatureBlock, Table, short_date, vnd


def revocation_draft(
    decision: Decision,
    entries: Sequence[RegistryEntry],
    *,
    reason: str,
    asked_by: Actor,
    at: datetime,
    new_id: Callable[[], str],
) -> Draft:
    """The revocation as a draft of the issuer, listing what the revoked decision granted and the prizes to recover."""
    content = RevocationContent(
        decision_id=decision.id,
        number_text=decision.number_text,
        issued_at=decision.issued_at,
        subject=subject_line(decision.kind, list(dict.fromkeys(e.award_name or decision.award_name for e in entries)), []),
        reason=reason,
        lines=tuple(
            RevokedLine(
                nomination_id=e.nomination_id,
                name=e.nominee_name,
                kind=e.nominee_kind,
                unit_name=e.unit_name,
                award_name=e.award_name or decision.award_name,
                prize_amount_vnd=e.prize_amount_vnd,
            )
            for e in entries
        ),
        readers=decision.readers,
    )
    return Draft(
        id=new_id(),
        kind="revocation",
        issuer=decision.issuer,
        decided_by="",
        batch_id=None,
        nominations=(),
        award_code=decision.award_code,
        award_name=f"Thu hồi Quyết định số {decision.number_text}",
        approved_at=at,
        approved_by=asked_by,
        revocation=content,
    )


def revoked_reference(content: RevocationContent, issuer_name: str) -> str:
    """'Quyết định số 1/QĐ-LĐLĐ ngày 02/3/2026 của Liên đoàn Lao động thị xã Sơn Tây'."""
    on = content.issued_at.astimezone(VIETNAM_TZ).date()
    return f"Quyết định số {content.number_text} ngày {short_date(on)} của {issuer_name}"


def revocation_document(
    draft: Draft, content: RevocationContent, frame: DecisionFrame, number: DecisionNumber, on: date
) -> OfficialDocument:
    """The revocation in the layout of a decision (Nghị định 30/2020): its articles, then the list of what is withdrawn
    and the prizes to recover, as an appendix after the signature."""
    issuer = draft.issuer.name
    reference = revoked_reference(content, issuer)
    total = sum(line.prize_amount_vnd for line in content.lines)
    count = len(content.lines)
    collectives = sum(1 for line in content.lines if line.kind == "collective")
    who = recipients_phrase(collectives, count - collectives)
    recover = f"và thu hồi số tiền thưởng đã nhận, tổng cộng {vnd(total)} đồng" if total else "(quyết định không kèm tiền thưởng)"
    articles = (
        f"Điều 1. Thu hồi {reference} {content.subject[:1].lower()}{content.subject[1:]}. Lý do: {content.reason}",
        f"Điều 2. Thu hồi hình thức khen thưởng đã tặng cho {who} có tên trong danh sách kèm theo "
        f"{recover}; mức của từng tập thể, cá nhân theo danh sách kèm theo.",
        "Điều 3. Quyết định có hiệu lực kể từ ngày ký. Các đơn vị có liên quan và các tập thể, cá nhân có tên tại "
        "Điều 2 chịu trách nhiệm thi hành Quyết định này./.",
    )
    table = Table(
        columns=(
            Column("STT", 0.6, "C"),
            Column("Tên tập thể / Họ và tên", 2.6),
            Column("Đơn vị", 2.6),
            Column("Hình thức khen thưởng", 2.2),
            Column("Số tiền phải thu hồi (đồng)", 1.6, money=True),
        ),
        rows=tuple(
            (i, line.name, line.unit_name, line.award_name, line.prize_amount_vnd)
            for i, line in enumerate(content.lines, start=1)
        ),
        total=("", f"Cộng: {count}", "", "", total),
    )
    return OfficialDocument(
        kind="QUYẾT ĐỊNH",
        subject=f"Về việc thu hồi {reference}",
        issuer=issuer,
        issuer_parent=frame.issuer_parent_name,
        number_text=number.text,
        place=frame.place,
        issued_on=on,
        authority=frame.authority,
        basis=(*frame.basis, f"Căn cứ {reference};"),
        resolve_line="QUYẾT ĐỊNH:",
        paragraphs=articles,
        tables=(table,),
        recipients=("Như Điều 3", "Lưu: VT"),
        signature=SignatureBlock.of_lines(frame.signer_role, frame.signer_name or ""),
        appendix=AppendixHeading(
            title="DANH SÁCH",
            subject="Tập thể, cá nhân bị thu hồi hình thức khen thưởng và tiền thưởng",
            reference=f"(Kèm theo Quyết định số {number.text} ngày {short_date(on)} của {issuer})",
        ),
        metadata={"number": number.text},
    )


def revocation_record(
    draft: Draft,
    content: RevocationContent,
    *,
    document_id: str,
    number: DecisionNumber,
    signed_at: datetime,
    frame: DecisionFrame,
) -> Decision:
    """The signed revocation as the register keeps it (a QĐ of the Sổ văn bản đi, linked to the decision it revokes)."""
    return signed_record(
        draft,
        document_id=document_id,
        number=number,
        signed_at=signed_at,
        frame=frame,
        award_name=f"Về việc thu hồi Quyết định số {content.number_text}",
        readers=content.readers,
        revokes=content.decision_id,
    )
