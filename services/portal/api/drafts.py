"""Drafts waiting for their signing officer ("Văn bản chờ ký") through the JSON API: list, read, sign. Approval and
signing are two steps: a final approval drafts the decision or tờ trình; an officer on the issuer's roster signs it,
which numbers it, dates it and issues it. Awards decides who may."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.portal.api.deps import Code, CurrentActor, Id, PageCursor, page_limit, present
from services.portal.gateway import Gateway
from shared.contracts.operations import awards as awards_ops
from shared.contracts.paging import DRAFTS_PAGE_MAX


class DraftPrize(BaseModel):
    amount_vnd: int = Field(ge=1_000, le=10_000_000_000, description="Mức tiền thưởng theo quy chế của đơn vị, đồng")


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["awards"])

    @api.get("/drafts", summary="Dự thảo quyết định, tờ trình chờ ký (cũ nhất trước)")
    async def drafts(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(DRAFTS_PAGE_MAX, 50)],
        issuer: Code = None,
        nomination_id: Code = None,
        status: Literal["awaiting_signature", "signed"] = "awaiting_signature",
        cursor: PageCursor = None,
    ) -> awards_ops.DraftPage:
        params = {"issuer": issuer, "nomination_id": nomination_id, "status": status, "limit": limit, "cursor": cursor}
        return await gateway.ask(awards_ops.LIST_DRAFTS, actor, present(params))

    @api.get("/drafts/{draft_id}", summary="Một dự thảo với mọi hồ sơ nó liệt kê")
    async def draft(draft_id: Id, actor: CurrentActor) -> awards_ops.DraftView:
        return await gateway.ask(awards_ops.GET_DRAFT, actor, {"id": draft_id})

    @api.put(
        "/drafts/{draft_id}/prizes/{nomination_id}",
        summary="Đặt mức tiền thưởng của một hồ sơ mà danh mục chưa có mức (người duyệt hoặc người ký của đơn vị)",
        description="Chỉ cho hình thức danh mục chưa xác định mức tiền thưởng; "
        "quyết định không ký được khi còn hồ sơ chưa có mức.",
    )
    async def set_prize(draft_id: Id, nomination_id: Id, body: DraftPrize, actor: CurrentActor) -> awards_ops.DraftView:
        params = {"id": draft_id, "nomination_id": nomination_id, "amount_vnd": body.amount_vnd}
        return await gateway.ask(awards_ops.SET_DRAFT_PRIZE, actor, params)

    @api.post(
        "/drafts/{draft_id}/sign",
        summary="Ký và ban hành (người ký của đơn vị, đang trong nhiệm kỳ)",
        description="Cấp số trong sổ của đơn vị, ghi ngày ký, ban hành quyết định (hoặc tờ trình). "
        "Ký lại một dự thảo đã ký không ban hành thêm: trả về văn bản đã ban hành.",
    )
    async def sign(draft_id: Id, actor: CurrentActor) -> awards_ops.DraftView:
        return await gateway.ask(awards_ops.SIGN_DRAFT, actor, {"id": draft_id})

    return api
