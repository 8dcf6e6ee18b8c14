"""Signing in to the JSON API (a bearer token), signing out (the token is revoked), and who the token belongs to."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from services.portal.api.deps import BearerToken, CurrentActor
from services.portal.gateway import Gateway
from shared.contracts.events import Actor


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["auth"])

    @api.post("/auth/login", response_model=Token, summary="Đăng nhập, nhận bearer token")
    async def login(body: LoginBody, request: Request) -> Token:
        actor = await gateway.login(body.username, body.password, request.client.host if request.client else "")
        token = await gateway.issue_token(actor)
        return Token(access_token=token, expires_in=int(gateway.session_ttl().total_seconds()))

    @api.post(
        "/auth/logout",
        status_code=status.HTTP_204_NO_CONTENT,
        summary="Đăng xuất: thu hồi bearer token đang dùng (từ đó mọi yêu cầu với token này bị từ chối)",
    )
    async def logout(token: BearerToken) -> Response:
        await gateway.revoke_token(token)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @api.get("/me", response_model=Actor, summary="Người dùng hiện tại và vai trò")
    async def me(actor: CurrentActor) -> Actor:
        return actor

    return api
