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
    except SigningKeyError as exc:
        raise Conflict(
            f"{document.issuer.name} chưa có khoá ký số dùng được ({exc}); quản trị hệ thống cần cấu hình khoá ký của đơn vị",
            code="no_signing_key",
        ) from exc
    await store.add_signed_file(document.id, signed.data, level=signed.level, at=at)
