"""The operators' JSON API: the system clock, outboxes and stuck nominations (asked of the services that own them),
and reorganisations of the unit tree.

Dead letters are not here: they live in JetStream, and `shared.platform.deadletters` reads them directly.
The portal's own outbox is in its own database, so it answers that part itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.portal import store
from services.portal.api.deps import CurrentActor, Id, page_limit
from services.portal.gateway import Gateway
from shared.contracts.commands import Reorganisation
from shared.contracts.errors import DomainError
from shared.contracts.operations import registration as registration_ops
from shared.contracts.operations import review as review_ops
from shared.contracts.paging import STUCK_PAGE_MAX
from shared.contracts.values import RowId
from shared.platform.observability import require_operations
from shared.platform.outbox_ops import outbox_retry, outbox_status

BACKEND_SERVICES = ("registration", "review", "awards")
OutboxOwner = Literal["registration", "review", "awards", "portal"]


class ClockView(BaseModel):
    now: str = Field(description="Giờ hệ thống, ISO 8601 có múi giờ")
    shifted_seconds: int = Field(description="Số giây giờ hệ thống đã dời so với giờ thực (0 trong vận hành)")


class RetryBody(BaseModel):
    ids: list[RowId] | None = Field(default=None, max_length=1000, description="Chỉ các dòng này; bỏ trống: mọi dòng đang lỗi")


class ReorganiseBody(BaseModel):
    reorganisation: Reorganisation = Field(description="Nội dung tệp sắp xếp (shared/data/reorganisations/*.toml) dạng JSON")
    apply: bool = False


def build_router(gateway: Gateway) -> APIRouter:
    ops = APIRouter(prefix="/api/v1", tags=["ops"])

    @ops.get(
        "/clock",
        response_model=ClockView,
        summary="Giờ hệ thống (có thể đã dời khi thử nghiệm, không bao giờ trong vận hành)",
    )
    async def clock(actor: CurrentActor) -> ClockView:
        now = gateway.clock.now()
        return ClockView(now=now.isoformat(), shifted_seconds=round((now - gateway.wall_clock.now()).total_seconds()))

    @ops.get("/ops/outbox", summary="Hàng đợi gửi sự kiện (outbox) của từng dịch vụ: còn chờ, dòng cũ nhất, dòng đang lỗi")
    async def outboxes(actor: CurrentActor) -> dict[str, Any]:
        require_operations(actor)
        result: dict[str, Any] = {}
        for service in BACKEND_SERVICES:
            try:
                result[service] = await gateway.call(service, "ops_outbox_status", actor)
            except DomainError as exc:  # one service down must not hide the others
                result[service] = {"error": {"code": exc.code, "title": exc.title}}
        portal = await outbox_status(gateway.engine, store.outbox, gateway.clock.now())
        result["portal"] = portal.model_dump(mode="json")
        return result

    @ops.post("/ops/outbox/{service}/retry", summary="Gửi lại các dòng outbox đang lỗi của một dịch vụ (sau khi đã khắc phục)")
    async def retry(service: OutboxOwner, actor: CurrentActor, body: RetryBody | None = None) -> dict[str, Any]:
        require_operations(actor)
        ids = body.ids if body else None
        if service == "portal":
            return {"retried": await outbox_retry(gateway.engine, store.outbox, ids)}
        reply: dict[str, Any] = await gateway.call(service, "ops_outbox_retry", actor, {"ids": ids})
        return reply

    @ops.get("/ops/stuck", summary="Hồ sơ chưa có kết quả, dừng ở một bước lâu hơn ngưỡng (cũ nhất trước)")
    async def stuck(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(STUCK_PAGE_MAX, 100)],
        older_than_seconds: Annotated[int, Query(ge=60, le=10 * 366 * 24 * 3600)] = 3 * 24 * 3600,
    ) -> registration_ops.StuckNominations:
        return await gateway.ask(registration_ops.OPS_STUCK, actor, {"older_than_seconds": older_than_seconds, "limit": limit})

    @ops.post("/ops/reorganisations", summary="Kiểm tra hoặc áp dụng một đợt sắp xếp lại cây đơn vị (quản trị hệ thống)")
    async def reorganise(body: ReorganiseBody, actor: CurrentActor) -> dict[str, Any]:
        result: dict[str, Any] = await gateway.call(
            "registration",
            "reorganise",
            actor,
            {"reorganisation": body.reorganisation.model_dump(mode="json"), "apply": body.apply},
        )
        if not body.apply:  # what review would move, judged by review itself from the event it would receive
            result["review"] = await gateway.call("review", "reorganisation_preview", actor, {"event": result["event"]})
        return result

    @ops.get("/ops/reorganisations/{reorganisation_id}", summary="Xét duyệt đã chuyển những hồ sơ nào theo đợt sắp xếp")
    async def reorganisation(reorganisation_id: Id, actor: CurrentActor) -> review_ops.ReorganisationResult:
        return await gateway.ask(review_ops.REORGANISATION, actor, {"id": reorganisation_id})

    return ops
