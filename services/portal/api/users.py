"""Users through the JSON API: an administrator ends every session and token of a user (a lost laptop, a leaked
token). Deactivating a user (`thidua users deactivate`) and changing their roles do the same by themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from services.portal.api.deps import CurrentActor
from services.portal.gateway import Gateway


class Revoked(BaseModel):
    username: str
    revoked: int = Field(description="Số phiên đăng nhập và token đã thu hồi")


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["users"])

    @api.post(
        "/users/{username}/revoke-sessions",
        response_model=Revoked,
        summary="Thu hồi mọi phiên đăng nhập và token của một người dùng (quản trị hệ thống)",
    )
    async def revoke_sessions(username: Annotated[str, Path(min_length=1, max_length=64)], actor: CurrentActor) -> Revoked:
        return Revoked(username=username, revoked=await gateway.revoke_user_sessions(actor, username))

    return api
