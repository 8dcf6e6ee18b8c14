"""Người ký văn bản through the JSON API: a unit's roster of signing officers, a new term, the end of a term.
Awards decides who may (the unit's admin or an administrator changes it; the unit's people read it)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from services.portal.api.deps import CodePath, CurrentActor, Id
from services.portal.gateway import Gateway
from shared.contracts.operations import awards as awards_ops
from shared.contracts.values import Name


class NewSigner(BaseModel):
    full_name: Name = Field(min_length=1, max_length=200, description="Họ và tên người ký")
    position: Name = Field(min_length=1, max_length=100, description="Chức vụ: Chủ tịch, Phó Chủ tịch, Ủy viên Ban Thường vụ…")
    valid_from: date = Field(description="Bắt đầu nhiệm kỳ ký (ngày, ISO 8601)")
    valid_to: date | None = Field(default=None, description="Ngày cuối nhiệm kỳ ký (tính cả ngày đó); trống: đang giữ chức")
    username: Name | None = Field(default=None, max_length=64, description="Tài khoản cổng của người ký, nếu có")


class TermEnd(BaseModel):
    last_day: date | None = Field(default=None, description="Ngày cuối được ký; trống: hôm nay")


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["awards"])

    @api.get("/units/{unit_code}/signers", summary="Danh sách người ký văn bản của đơn vị")
    async def list_signers(unit_code: CodePath, actor: CurrentActor) -> awards_ops.SignerRoster:
        return await gateway.ask(awards_ops.LIST_SIGNERS, actor, {"unit_code": unit_code})

    @api.post(
        "/units/{unit_code}/signers",
        summary="Thêm người ký văn bản (quản trị đơn vị)",
        status_code=status.HTTP_201_CREATED,
    )
    async def add_signer(unit_code: CodePath, body: NewSigner, actor: CurrentActor) -> awards_ops.SignerRoster:
        return await gateway.ask(awards_ops.ADD_SIGNER, actor, {"unit_code": unit_code, **body.model_dump(mode="json")})

    @api.post("/units/{unit_code}/signers/{signer_id}/end", summary="Kết thúc nhiệm kỳ ký của một người (quản trị đơn vị)")
    async def end_term(unit_code: CodePath, signer_id: Id, body: TermEnd, actor: CurrentActor) -> awards_ops.SignerRoster:
        params = {"unit_code": unit_code, "id": signer_id, **body.model_dump(mode="json")}
        return await gateway.ask(awards_ops.END_SIGNER_TERM, actor, params)

    return api
