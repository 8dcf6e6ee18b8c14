"""The bell: what each person was told (reminders, moves, and the notes of usecases.bell), and how each person wants
each kind delivered. Only the bell delivers yet: email (immediate or a daily digest) comes with the notifier."""

from __future__ import annotations

from services.review.store.records import Preference
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import NotificationsRead
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.review import (
    NOTIFICATION_KINDS,
    MarkedRead,
    NoParams,
    NotificationList,
    NotificationPreference,
    NotificationPreferences,
    NotificationsQuery,
    NotificationView,
    SetNotificationPreferences,
)


async def list_notifications(review: ReviewContext, actor: Actor, query: NotificationsQuery) -> NotificationList:
    async with review.reading() as uow:
        unread = await uow.notifications.unread_count(actor.user_id)
        notes = await uow.notifications.of_user(actor.user_id, unread_only=query.unread_only, limit=query.limit)
    return NotificationList(
        unread=unread,
        items=[
            NotificationView(
                id=n.id,
                kind=n.kind,
                task_id=n.task_id,
                nomination_id=n.nomination_id,
                unit_code=n.unit_code,
                text=n.text,
                due_at=n.due_at,
                created_at=n.created_at,
                read=n.read_at is not None,
                count=n.count,
            )
            for n in notes
        ],
    )


async def mark_notifications_read(review: ReviewContext, actor: Actor, cmd: NotificationsRead) -> MarkedRead:
    async with review.unit_of_work() as uow:
        marked = await uow.notifications.mark_read(actor.user_id, cmd.ids, review.clock.now())
        await uow.commit()
    return MarkedRead(marked=marked)


async def notification_preferences(review: ReviewContext, actor: Actor, query: NoParams) -> NotificationPreferences:
    async with review.reading() as uow:
        chosen = await uow.preferences.of_user(actor.user_id)
    return preferences_view(chosen)


async def set_notification_preferences(
    review: ReviewContext, actor: Actor, cmd: SetNotificationPreferences
) -> NotificationPreferences:
    for item in cmd.items:
        if item.delivery == "email_daily" and item.digest_hour is None:
            raise ValidationFailed.on(
                "digest_hour", "Chọn giờ gửi bản tổng hợp hằng ngày (0–23 giờ)", code="digest_hour_required"
            )
    changes = [
        Preference(kind=i.kind, delivery=i.delivery, digest_hour=i.digest_hour if i.delivery == "email_daily" else None)
        for i in {item.kind: item for item in cmd.items}.values()  # the last choice of a kind counts
    ]
    async with review.unit_of_work() as uow:
        await uow.preferences.put(actor.user_id, changes, review.clock.now())
        chosen = await uow.preferences.of_user(actor.user_id)
        await uow.commit()
    return preferences_view(chosen)


def preferences_view(chosen: list[Preference]) -> NotificationPreferences:
    """Every kind, in the page's order: the person's choice, or the bell only."""
    by_kind = {p.kind: p for p in chosen}
    items = []
    for kind in NOTIFICATION_KINDS:
        p = by_kind.get(kind)
        items.append(
            NotificationPreference(kind=kind)
            if p is None
            else NotificationPreference.model_validate({"kind": kind, "delivery": p.delivery, "digest_hour": p.digest_hour})
        )
    return NotificationPreferences(items=items, email_sent=False)
