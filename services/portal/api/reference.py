"""Reference data for API clients: the unit tree, the award catalogue in force, and the documents an award needs."""

from __future__ import annotations

from fastapi import APIRouter

from services.portal.api.deps import CodePath, CurrentActor
from services.portal.gateway import Gateway
from shared.contracts.operations import awards as awards_ops
from shared.contracts.operations import registration as registration_ops


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["reference"])

    @api.get("/units", summary="Cây đơn vị công đoàn")
    async def units(actor: CurrentActor) -> registration_ops.UnitList:
        return await gateway.ask(registration_ops.LIST_UNITS, actor)

    @api.get("/catalog/awards", summary="Danh mục hình thức khen thưởng đang có hiệu lực")
    async def catalog(actor: CurrentActor) -> awards_ops.CatalogView:
        return await gateway.ask(awards_ops.LIST_CATALOG, actor)

    @api.get("/awards/{award_code}/documents", summary="Tài liệu của hồ sơ, bắt buộc hay không, giới hạn tệp")
    async def documents(award_code: CodePath, actor: CurrentActor) -> registration_ops.DocumentRequirements:
        return await gateway.ask(registration_ops.DOCUMENT_REQUIREMENTS, actor, {"award_code": award_code})

    return api
