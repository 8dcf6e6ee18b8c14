"""The bell: an approver's reminders and notices of tasks moved to or from their queue."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.review.usecases.context import Params, unit_of_work
from services.review.usecases.views import iso
from shared.contracts.commands import NotificationsRead
from shared.contracts.events import Actor
from shared.platform.service import ServiceContext


class NotificationsQuery(Params):
    unread_only: bool = False
    limit: int = Field(default=20, ge=1, le=200)


class MarkRead(NotificationsRead):
    pass


async def list_notifications(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = NotificationsQuery.model_validate(params)
    async with unit_of_work(ctx) as uow:
        unread = await uow.notifications.unread_count(actor.user_id)
        notes = await uow.notifications.of_user(actor.user_id, unread_only=q.unread_only, limit=q.limit)
    return {
        "unread": unread,
        "items": [
            {
                "id": n.id,
                "kind": n.kind,
                "task_id": n.task_id,
                "nomination_id": n.nomination_id,
                "unit_code": n.unit_code,
                "text": n.text,
                "due_at": iso(n.due_at),
                "created_at": iso(n.created_at),
                "read": n.read_at is not None,
            }
            for n in notes
        ],
    }


async def mark_notifications_read(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = MarkRead.model_validate(params)
    async with unit_of_work(ctx) as uow:
        marked = await uow.notifications.mark_read(actor.user_id, cmd.ids, ctx.clock.now())
        await uow.commit()
    return {"marked": marked}
