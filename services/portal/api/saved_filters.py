"""A person's saved queue filters through the JSON API (`/me/queue-filters`): list, save under a name (the same name
replaces), delete. The portal keeps them with the user; each person sees and deletes only their own."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.portal import saved_filters
from services.portal.api.deps import CurrentActor, Id
from services.portal.gateway import Gateway


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/me/queue-filters", summary="Bộ lọc hộp việc đã lưu của tôi")
    async def list_filters(actor: CurrentActor) -> list[saved_filters.SavedFilter]:
        return await saved_filters.of_user(gateway.engine, actor.user_id)

    @api.post(
        "/me/queue-filters",
        status_code=status.HTTP_201_CREATED,
        summary="Lưu bộ lọc và thứ tự hiện tại của hộp việc dưới một tên (lưu lại cùng tên thì thay thế)",
    )
    async def save_filter(body: saved_filters.NewSavedFilter, actor: CurrentActor) -> saved_filters.SavedFilter:
        return await saved_filters.save(gateway.engine, actor.user_id, body, gateway.clock.now())

    @api.delete("/me/queue-filters/{filter_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Xoá một bộ lọc đã lưu")
    async def delete_filter(filter_id: Id, actor: CurrentActor) -> Response:
        await saved_filters.delete(gateway.engine, actor.user_id, filter_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return api
