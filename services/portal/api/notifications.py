"""The caller's notifications through the JSON API (the bell, kept by review) and how the caller wants each kind
delivered (`/me/notification-preferences`; only the bell delivers yet, email comes in a later release)."""

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

    @api.get("/notifications", summary="Thông báo của tôi: hồ sơ mới, được giao, trả lại, từ chối, duyệt, quyết định, nhắc việc")
    async def notifications(
        actor: CurrentActor, limit: Annotated[int, page_limit(NOTIFICATIONS_PAGE_MAX, 20)], unread_only: bool = False
    ) -> review_ops.NotificationList:
        return await gateway.ask(review_ops.NOTIFICATIONS, actor, {"unread_only": unread_only, "limit": limit})

    @api.post("/notifications/read", summary="Đánh dấu đã đọc")
    async def notifications_read(actor: CurrentActor, body: NotificationsRead | None = None) -> review_ops.MarkedRead:
        ids = body.ids if body else None
        return await gateway.ask(review_ops.MARK_NOTIFICATIONS_READ, actor, {"ids": ids})

    @api.get(
        "/me/notification-preferences",
        summary="Cách nhận thông báo theo từng loại (chỉ chuông / email ngay / email tổng hợp hằng ngày)",
        description="Email chưa được gửi: lựa chọn được lưu cho bản sau (`email_sent` là false).",
    )
    async def notification_preferences(actor: CurrentActor) -> review_ops.NotificationPreferences:
        return await gateway.ask(review_ops.NOTIFICATION_PREFERENCES, actor, {})

    @api.put(
        "/me/notification-preferences",
        summary="Đổi cách nhận thông báo của các loại đã nêu (loại không nêu giữ nguyên)",
        description="`email_daily` cần `digest_hour` (0–23, giờ Việt Nam). Email chưa được gửi trong bản này.",
    )
    async def set_notification_preferences(
        actor: CurrentActor, body: review_ops.SetNotificationPreferences
    ) -> review_ops.NotificationPreferences:
        return await gateway.ask(review_ops.SET_NOTIFICATION_PREFERENCES, actor, body.model_dump(mode="json"))

    return api
