"""The caller's notifications through the JSON API (reminders, forwarded and returned dossiers), kept by review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.portal.api.deps import CurrentActor
from services.portal.gateway import Gateway
from shared.contracts.commands import NotificationsRead
from shared.contracts.operations import review as review_ops


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/notifications", summary="Nhắc việc và thông báo chuyển lên / trả về của tôi")
    async def notifications(
        actor: CurrentActor, unread_only: bool = False, limit: Annotated[int, Query(ge=1, le=200)] = 20
    ) -> review_ops.NotificationList:
        return await gateway.ask(review_ops.NOTIFICATIONS, actor, {"unread_only": unread_only, "limit": limit})

    @api.post("/notifications/read", summary="Đánh dấu đã đọc")
    async def notifications_read(actor: CurrentActor, body: NotificationsRead | None = None) -> review_ops.MarkedRead:
        ids = body.ids if body else None
        return await gateway.ask(review_ops.MARK_NOTIFICATIONS_READ, actor, {"ids": ids})

    return api
