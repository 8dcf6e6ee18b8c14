"""Award decisions ("Quyết định khen thưởng") through the JSON API: list, read, download, revoke, and record a
prize paid back. Awards decides who may."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from services.portal.api.deps import Code, CurrentActor, Id, Offset, PageCursor, Year, page_limit, present
from services.portal.downloads import XLSX, Paper, binary_responses, certificates_download, decision_download
from services.portal.gateway import Gateway
from shared.contracts.operations import awards as awards_ops
from shared.contracts.paging import DECISIONS_PAGE_MAX
from shared.contracts.values import Label, Name, Reason, Text, Title


class DecisionRevocation(BaseModel):
    reason: Text = Field(default="", max_length=2000, description="Lý do thu hồi, ít nhất 10 ký tự")


class StateOutcomeBody(BaseModel):
    """The deciding authority's answer to a tờ trình (the tờ trình is the path's)."""

    model_config = ConfigDict(extra="forbid")

    authority: Title = Field(min_length=2, description="Cấp có thẩm quyền đã quyết định, ví dụ Chủ tịch UBND thành phố Hà Nội")
    number_text: Label = Field(min_length=1, description="Số quyết định, ví dụ 1234/QĐ-UBND")
    decided_on: date = Field(description="Ngày quyết định")
    items: list[awards_ops.StateOutcomeItem] = Field(
        min_length=1, max_length=awards_ops.MAX_GRASSROOTS_ROWS, description="Kết quả của từng hồ sơ mà tờ trình đề nghị"
    )
    note: Reason = ""


class PrizeRecovered(BaseModel):
    nomination_id: Name = Field(min_length=1, max_length=64)


def build_router(gateway: Gateway) -> APIRouter:
    # `/decisions/{id}.pdf` and `.xlsx` come before `/decisions/{id}`, which would otherwise take them.
    api = APIRouter(prefix="/api/v1", tags=["awards"])

    @api.get("/decisions", summary="Quyết định khen thưởng đã ban hành")
    async def decisions(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(DECISIONS_PAGE_MAX, 50)],
        issuer: Code = None,
        year: Year = None,
        award_code: Code = None,
        status: Literal["issued", "revoked"] | None = None,
        kind: Literal["decision", "proposal"] | None = None,
        offset: Offset = 0,
        cursor: PageCursor = None,
    ) -> awards_ops.DecisionPage:
        params = {
            "issuer": issuer,
            "year": year,
            "award_code": award_code,
            "status": status,
            "kind": kind,
            "limit": limit,
            "offset": offset or None,
            "cursor": cursor,
        }
        return await gateway.ask(awards_ops.LIST_DECISIONS, actor, present(params))

    @api.get(
        "/decisions/{decision_id}.pdf",
        summary="Quyết định (hoặc tờ trình) dạng PDF",
        response_class=Response,
        responses=binary_responses("application/pdf"),
    )
    async def decision_pdf(decision_id: Id, actor: CurrentActor) -> Response:
        return await decision_download(gateway, actor, decision_id, "pdf")

    @api.get(
        "/decisions/{decision_id}.xlsx",
        summary="Quyết định (hoặc tờ trình) dạng bảng tính .xlsx",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def decision_xlsx(decision_id: Id, actor: CurrentActor) -> Response:
        return await decision_download(gateway, actor, decision_id, "xlsx")

    @api.get(
        "/decisions/{decision_id}/certificates.pdf",
        summary="Văn bằng (Bằng khen, Giấy khen) của quyết định: mỗi người một trang khổ ngang, hoặc của một hồ sơ",
        response_class=Response,
        responses=binary_responses("application/pdf"),
    )
    async def certificates_pdf(decision_id: Id, actor: CurrentActor, paper: Paper = "A4", nomination_id: Code = None) -> Response:
        return await certificates_download(gateway, actor, decision_id, paper, nomination_id)

    @api.post("/decisions/{decision_id}/revoke", summary="Thu hồi quyết định, có lý do (người duyệt đơn vị ban hành)")
    async def revoke(decision_id: Id, body: DecisionRevocation, actor: CurrentActor) -> awards_ops.DecisionView:
        return await gateway.ask(awards_ops.REVOKE, actor, {"id": decision_id, "reason": body.reason})

    @api.post(
        "/decisions/{decision_id}/recovered", summary="Ghi nhận đã thu hồi tiền thưởng của một hồ sơ (quyết định đã thu hồi)"
    )
    async def recovered(decision_id: Id, body: PrizeRecovered, actor: CurrentActor) -> awards_ops.DecisionView:
        return await gateway.ask(awards_ops.MARK_RECOVERED, actor, {"id": decision_id, "nomination_id": body.nomination_id})

    @api.post(
        "/decisions/{decision_id}/state-outcome",
        summary="Ghi nhận kết quả của cấp có thẩm quyền cho một tờ trình (người duyệt đơn vị trình)",
    )
    async def state_outcome(decision_id: Id, body: StateOutcomeBody, actor: CurrentActor) -> awards_ops.DecisionView:
        return await gateway.ask(awards_ops.RECORD_STATE_OUTCOME, actor, {"id": decision_id, **body.model_dump(mode="json")})

    @api.get("/decisions/{decision_id}", summary="Một quyết định với người được khen và tiền thưởng")
    async def decision(decision_id: Id, actor: CurrentActor) -> awards_ops.DecisionView:
        return await gateway.ask(awards_ops.GET_DECISION, actor, {"id": decision_id})

    return api
