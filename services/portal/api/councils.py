"""Councils and batches through the JSON API: a council meeting's votes, forwarding or approving many dossiers at
once, and the tờ trình that travels with a forwarded batch. Review decides who may."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, ConfigDict, Field

from services.portal.api.deps import CodePath, CurrentActor, Id, page_limit
from services.portal.downloads import XLSX, binary_responses, proposal_download
from services.portal.gateway import Gateway
from shared.contracts.commands import BatchSelection, CouncilMeeting, CouncilMemberInput, NewStandingCouncil
from shared.contracts.operations import review as review_ops
from shared.contracts.paging import PROPOSALS_PAGE_MAX


class MemberTermEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    term_to: date = Field(description="Ngày cuối tham gia Hội đồng")


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/units/{unit_code}/councils", summary="Hội đồng TĐKT / Ban Chấp hành của đơn vị và thành viên")
    async def list_councils(unit_code: CodePath, actor: CurrentActor, on: date | None = None) -> review_ops.StandingCouncilList:
        params: dict[str, str] = {"unit_code": unit_code} | ({"on": on.isoformat()} if on else {})
        return await gateway.ask(review_ops.LIST_COUNCILS, actor, params)

    @api.post("/councils", summary="Lập Hội đồng của đơn vị theo quyết định thành lập", status_code=status.HTTP_201_CREATED)
    async def create_council(body: NewStandingCouncil, actor: CurrentActor) -> review_ops.StandingCouncilView:
        return await gateway.ask(review_ops.CREATE_COUNCIL, actor, body.model_dump(mode="json"))

    @api.post("/councils/{council_id}/members", summary="Thêm thành viên Hội đồng", status_code=status.HTTP_201_CREATED)
    async def add_council_member(council_id: Id, body: CouncilMemberInput, actor: CurrentActor) -> review_ops.StandingCouncilView:
        return await gateway.ask(review_ops.ADD_COUNCIL_MEMBER, actor, {"council_id": council_id, **body.model_dump(mode="json")})

    @api.post("/councils/{council_id}/members/{member_id}/end", summary="Kết thúc tham gia Hội đồng của một thành viên")
    async def end_council_member(
        council_id: Id, member_id: Id, body: MemberTermEnd, actor: CurrentActor
    ) -> review_ops.StandingCouncilView:
        params = {"council_id": council_id, "member_id": member_id, "term_to": body.term_to.isoformat()}
        return await gateway.ask(review_ops.END_COUNCIL_MEMBER, actor, params)

    @api.post("/council-meetings", summary="Ghi nhận cuộc họp Hội đồng TĐKT và kết quả biểu quyết từng hồ sơ")
    async def record_council(body: CouncilMeeting, actor: CurrentActor) -> review_ops.CouncilMeetingRecorded:
        return await gateway.ask(review_ops.RECORD_COUNCIL, actor, body.model_dump(mode="json"))

    @api.post(
        "/queues/{unit_code}/forward-batch",
        summary="Chuyển cấp trên nhiều hồ sơ kèm một tờ trình",
        status_code=status.HTTP_201_CREATED,
    )
    async def forward_batch(unit_code: CodePath, body: BatchSelection, actor: CurrentActor) -> review_ops.ProposalView:
        return await gateway.ask(review_ops.FORWARD_BATCH, actor, {"unit_code": unit_code, **body.model_dump()})

    @api.post("/queues/{unit_code}/approve-batch", summary="Phê duyệt nhiều hồ sơ trong một quyết định")
    async def approve_batch(unit_code: CodePath, body: BatchSelection, actor: CurrentActor) -> review_ops.BatchApproved:
        return await gateway.ask(review_ops.APPROVE_BATCH, actor, {"unit_code": unit_code, **body.model_dump()})

    @api.get("/queues/{unit_code}/proposals", summary="Tờ trình đơn vị đã gửi và đã nhận")
    async def list_proposals(
        unit_code: CodePath, actor: CurrentActor, limit: Annotated[int, page_limit(PROPOSALS_PAGE_MAX, 50)]
    ) -> review_ops.ProposalList:
        return await gateway.ask(review_ops.LIST_PROPOSALS, actor, {"unit_code": unit_code, "limit": limit})

    @api.get("/proposals/{proposal_id}", summary="Một tờ trình với danh sách đề nghị")
    async def get_proposal(proposal_id: Id, actor: CurrentActor) -> review_ops.ProposalView:
        return await gateway.ask(review_ops.GET_PROPOSAL, actor, {"id": proposal_id})

    @api.get(
        "/proposals/{proposal_id}/document",
        summary="Tờ trình dạng PDF hoặc .xlsx (format=pdf|xlsx)",
        response_class=Response,
        responses=binary_responses("application/pdf", XLSX),
    )
    async def proposal_document(proposal_id: Id, actor: CurrentActor, format: Literal["pdf", "xlsx"] = "pdf") -> Response:
        return await proposal_download(gateway, actor, proposal_id, format)

    return api
