"""Signing in to the JSON API (a bearer token) and who the token belongs to."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from services.portal import users
from services.portal.api.deps import CurrentActor
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
        ttl = timedelta(minutes=gateway.settings.token_ttl_minutes)
        token = users.issue_token(actor, gateway.secret, gateway.wall_clock.now(), ttl)
        return Token(access_token=token, expires_in=int(ttl.total_seconds()))

    @api.get("/me", response_model=Actor, summary="Người dùng hiện tại và vai trò")
    async def me(actor: CurrentActor) -> Actor:
        return actor

    return api
