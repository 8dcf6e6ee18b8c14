"""The JSON API of campaigns ("đợt thi đua"), pledges ("giao ước thi đua") and clusters ("cụm thi đua").

Thin like the rest of the API: the body is validated with the shared command model, then registration, which
owns the data, decides who may do what and answers.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from services.portal.api.deps import Code, CodePath, CurrentActor, Id, PageCursor, page_limit, present
from services.portal.gateway import Gateway
from shared.contracts.commands import ClusterVoteRecord, NewCampaign, NewCluster, PledgeDecision, PledgeRegistration
from shared.contracts.operations import registration as registration_ops
from shared.contracts.paging import PLEDGES_PAGE_MAX


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["emulation"])

    @api.get("/campaigns", summary="Các đợt thi đua, chỉ tiêu và số hồ sơ đã nhận")
    async def campaigns(actor: CurrentActor) -> registration_ops.CampaignList:
        return await gateway.ask(registration_ops.LIST_CAMPAIGNS, actor)

    @api.post("/campaigns", status_code=status.HTTP_201_CREATED, summary="Phát động đợt thi đua (người duyệt đơn vị phát động)")
    async def create_campaign(body: NewCampaign, actor: CurrentActor) -> registration_ops.CampaignView:
        return await gateway.ask(registration_ops.CREATE_CAMPAIGN, actor, body.model_dump(mode="json"))

    @api.get("/campaigns/{code}", summary="Một đợt thi đua với chỉ tiêu còn lại")
    async def campaign(code: CodePath, actor: CurrentActor) -> registration_ops.CampaignView:
        return await gateway.ask(registration_ops.GET_CAMPAIGN, actor, {"code": code})

    @api.get("/pledges", summary="Giao ước thi đua trong phạm vi của người dùng")
    async def pledges(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(PLEDGES_PAGE_MAX, PLEDGES_PAGE_MAX)],
        year: Annotated[int | None, Query(ge=2000, le=2100, description="Năm giao ước")] = None,
        unit_code: Code = None,
        status: Code = None,
        cursor: PageCursor = None,
    ) -> registration_ops.PledgeList:
        params = {"year": year, "unit_code": unit_code, "status": status, "limit": limit, "cursor": cursor}
        return await gateway.ask(registration_ops.LIST_PLEDGES, actor, present(params))

    @api.post("/pledges", status_code=status.HTTP_201_CREATED, summary="Công đoàn cơ sở đăng ký giao ước thi đua năm")
    async def register_pledge(body: PledgeRegistration, actor: CurrentActor) -> registration_ops.PledgeView:
        return await gateway.ask(registration_ops.REGISTER_PLEDGE, actor, body.model_dump(mode="json"))

    @api.post("/pledges/{pledge_id}/decision", summary="Công đoàn cấp trên trực tiếp xác nhận hoặc trả lại giao ước")
    async def decide_pledge(pledge_id: Id, body: PledgeDecision, actor: CurrentActor) -> registration_ops.PledgeView:
        return await gateway.ask(registration_ops.DECIDE_PLEDGE, actor, {"id": pledge_id, **body.model_dump()})

    @api.get("/clusters", summary="Cụm thi đua, thành viên và kết quả suy tôn")
    async def clusters(actor: CurrentActor) -> registration_ops.ClusterList:
        return await gateway.ask(registration_ops.LIST_CLUSTERS, actor)

    @api.post("/clusters", status_code=status.HTTP_201_CREATED, summary="Lập cụm thi đua (đơn vị cấp trên tổ chức cụm)")
    async def create_cluster(body: NewCluster, actor: CurrentActor) -> registration_ops.ClusterView:
        return await gateway.ask(registration_ops.CREATE_CLUSTER, actor, body.model_dump(mode="json"))

    @api.post("/clusters/{code}/votes", status_code=status.HTTP_201_CREATED, summary="Ghi kết quả bình xét, suy tôn dẫn đầu cụm")
    async def vote(code: CodePath, body: ClusterVoteRecord, actor: CurrentActor) -> registration_ops.ClusterView:
        return await gateway.ask(registration_ops.RECORD_CLUSTER_VOTE, actor, {"cluster_code": code, **body.model_dump()})

    return api
