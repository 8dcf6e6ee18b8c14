"""The caller's notifications through the JSON API (the bell, kept by review) and how the caller wants each kind
delivered (`/me/notification-preferences`: the bell, and email sent by the notifier at once or in a daily digest)."""

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
        description="`email_sent` là true khi dịch vụ gửi thư đang chạy (email được gửi theo lựa chọn); false khi nó không "
        "trả lời: lựa chọn vẫn được lưu và áp dụng khi dịch vụ chạy lại.",
    )
    async def notification_preferences(actor: CurrentActor) -> review_ops.NotificationPreferences:
        return await gateway.notification_preferences(actor, review_ops.NOTIFICATION_PREFERENCES, {})

    @api.put(
        "/me/notification-preferences",
        summary="Đổi cách nhận thông báo của các loại đã nêu (loại không nêu giữ nguyên)",
        description="`email_daily` cần `digest_hour` (0–23, giờ Việt Nam). Thông báo từ lúc này được gửi theo lựa chọn mới.",
    )
    async def set_notification_preferences(
        actor: CurrentActor, body: review_ops.SetNotificationPreferences
    ) -> review_ops.NotificationPreferences:
        params = body.model_dump(mode="json")
        return await gateway.notification_preferences(actor, review_ops.SET_NOTIFICATION_PREFERENCES, params)

    return api
