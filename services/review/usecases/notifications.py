"""The bell: an approver's reminders and notices of tasks moved to or from their queue."""

from __future__ import annotations

from services.review.usecases.context import ReviewContext
from shared.contracts.commands import NotificationsRead
from shared.contracts.events import Actor
from shared.contracts.operations.review import MarkedRead, NotificationList, NotificationsQuery, NotificationView


async def list_notifications(review: ReviewContext, actor: Actor, query: NotificationsQuery) -> NotificationList:
    async with review.unit_of_work() as uow:
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
            )
            for n in notes
        ],
    )


async def mark_notifications_read(review: ReviewContext, actor: Actor, cmd: NotificationsRead) -> MarkedRead:
    async with review.unit_of_work() as uow:
        marked = await uow.notifications.mark_read(actor.user_id, cmd.ids, review.clock.now())
        await uow.commit()
    return MarkedRead(marked=marked)
