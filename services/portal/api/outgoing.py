"""Sổ văn bản đi through the JSON API: a unit's register of outgoing documents for a year, every kind in one
sequence, page by page or whole as .xlsx. Awards decides who may (the unit's own people, administrators, operations)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from services.portal.api.deps import CodePath, CurrentActor, PageCursor, page_limit, present
from services.portal.downloads import XLSX, binary_responses, document_download
from services.portal.gateway import Gateway
from shared.contracts.operations import awards as awards_ops
from shared.contracts.paging import OUTGOING_PAGE_MAX
from shared.contracts.values import MAX_YEAR, MIN_YEAR, VIETNAM_TZ

RegisterYear = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="Năm của sổ; trống: năm nay (giờ Việt Nam)")]


def this_year() -> int:
    return datetime.now(VIETNAM_TZ).year


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["awards"])

    @api.get(
        "/units/{unit_code}/outgoing-documents.xlsx",
        summary="Sổ văn bản đi của đơn vị trong năm, dạng bảng tính .xlsx",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def outgoing_xlsx(unit_code: CodePath, actor: CurrentActor, year: RegisterYear = None) -> Response:
        params = {"unit_code": unit_code, "year": year or this_year()}
        return document_download((await gateway.ask(awards_ops.OUTGOING_WORKBOOK, actor, params)).model_dump())

    @api.get(
        "/units/{unit_code}/outgoing-documents",
        summary="Sổ văn bản đi của đơn vị: mọi quyết định, tờ trình trong năm theo số thứ tự",
    )
    async def outgoing(
        unit_code: CodePath,
        actor: CurrentActor,
        limit: Annotated[int, page_limit(OUTGOING_PAGE_MAX, OUTGOING_PAGE_MAX)],
        year: RegisterYear = None,
        cursor: PageCursor = None,
    ) -> awards_ops.OutgoingRegister:
        params = {"unit_code": unit_code, "year": year or this_year(), "limit": limit, "cursor": cursor}
        return await gateway.ask(awards_ops.OUTGOING_REGISTER, actor, present(params))

    return api
