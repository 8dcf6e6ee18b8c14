"""Reference data for API clients: the unit tree, the award catalogue in force, and the documents an award needs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.portal.api.deps import CurrentActor
from services.portal.gateway import Gateway


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["reference"])

    @api.get("/units", summary="Cây đơn vị công đoàn")
    async def units(actor: CurrentActor) -> Any:
        return await gateway.call("registration", "list_units", actor)

    @api.get("/catalog/awards", summary="Danh mục hình thức khen thưởng đang có hiệu lực")
    async def catalog(actor: CurrentActor) -> Any:
        return await gateway.call("awards", "list_catalog", actor)

    @api.get("/awards/{award_code}/documents", summary="Tài liệu của hồ sơ, bắt buộc hay không, giới hạn tệp")
    async def documents(award_code: str, actor: CurrentActor) -> Any:
        return await gateway.call("registration", "document_requirements", actor, {"award_code": award_code})

    return api
