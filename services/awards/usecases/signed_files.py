"""A document as its officer signs it: the rendered PDF signed with the issuer's key (PAdES) and kept byte for byte."""

from __future__ import annotations

from datetime import datetime

from services.awards.domain.drafts import KIND_LABELS
from services.awards.domain.register import Decision
from services.awards.store.port import AwardsStore
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import Conflict
from shared.contracts.operations.awards import DecisionFrame
from shared.platform.pdfsigning import SigningKeyError


async def sign_file(
    ctx: AwardsContext, store: AwardsStore, document: Decision, frame: DecisionFrame, pdf: bytes, at: datetime
) -> None:
    what = KIND_LABELS[document.kind]
    try:
        signed = await ctx.signer.sign(
            pdf,
            unit_code=document.issuer_code,
            signer_name=frame.signer_name or "",
            reason=f"Ký ban hành {what.lower()} số {document.number_text}",
            location=frame.place,
        )
    except SigningKeyError as exc:  # nothing signed: the unit of work rolls back and the draft waits to be signed again
        then = "Dự thảo vẫn chờ ký." if exc.retryable else "Quản trị hệ thống cần sửa cấu hình khoá ký số của đơn vị."
        raise Conflict(f"{document.issuer.name}: {exc.message} {then}", code=exc.code) from exc
    await store.add_signed_file(document.id, signed.data, level=signed.level, at=at)
