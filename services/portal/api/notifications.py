"""The caller's notifications through the JSON API (reminders, forwarded and returned dossiers), kept by review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from services.portal.api.deps import CurrentActor, page_limit
from services.portal.gateway import Gateway
from shared.contracts.commands import NotificationsRead
from shared.contracts.operations import review as review_ops
from shared.contracts.paging import NOTIFICATIONS_PAGE_MAX


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/notifications", summary="Nhắc việc và thông báo chuyển lên / trả về của tôi")
    async def notifications(
        actor: CurrentActor, limit: Annotated[int, page_limit(NOTIFICATIONS_PAGE_MAX, 20)], unread_only: bool = False
    ) -> review_ops.NotificationList:
        return await gateway.ask(review_ops.NOTIFICATIONS, actor, {"unread_only": unread_only, "limit": limit})

    @api.post("/notifications/read", summary="Đánh dấu đã đọc")
    async def notifications_read(actor: CurrentActor, body: NotificationsRead | None = None) -> review_ops.MarkedRead:
        ids = body.ids if body else None
        return await gateway.ask(review_ops.MARK_NOTIFICATIONS_READ, actor, {"ids": ids})

    return api
