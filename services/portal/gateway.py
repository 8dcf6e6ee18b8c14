"""How the portal reaches the services: NATS request/reply with the caller as an `Actor`."""

from __future__ import annotations

import time
from typing import Any

import nats.errors
from faststream.nats import NatsBroker
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.portal import users
from services.portal.settings import PortalSettings
from services.portal.throttle import LoginThrottle
from shared.clock import Clock, SystemClock
from shared.contracts import Actor
from shared.deadletters import DeadLetter, list_dead_letters
from shared.errors import ServiceUnavailable, Unauthenticated
from shared.observability import require_operations
from shared.opsstatus import OpsStatus, collect
from shared.rpc import RemoteError, RpcReply, RpcRequest
from shared.subjects import rpc_subject

UNITS_TTL_SECONDS = 60.0
SERVICE_NAMES_VI = {"registration": "Tiếp nhận hồ sơ", "review": "Xét duyệt", "awards": "Khen thưởng"}


class Gateway:
    def __init__(self, settings: PortalSettings, engine: AsyncEngine, clock: Clock, broker: NatsBroker) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock  # business time: what pages show as "now", shifted by `thidua clock` in demos
        self.wall_clock = SystemClock()  # security time: token expiry and sign-in throttling never move with it
        self.broker = broker
        self.secret = settings.token_secret()
        self.throttle = LoginThrottle()
        self._units: dict[str, dict[str, Any]] | None = None
        self._units_read_at = 0.0

    async def login(self, username: str, password: str, address: str) -> Actor:
        """Check the password, refusing for a while after repeated failures (API and console alike)."""
        now = self.wall_clock.now()
        self.throttle.check(username, address, now)
        try:
            actor = await users.authenticate(self.engine, username, password)
        except Unauthenticated:
            self.throttle.failed(username, address, now)
            raise
        self.throttle.succeeded(username, address)
        return actor

    async def call(self, service: str, operation: str, actor: Actor, params: dict[str, Any] | None = None) -> Any:
        request = RpcRequest(actor=actor, params=params or {})
        try:
            message = await self.broker.request(
                request.model_dump_json().encode(), rpc_subject(service, operation), timeout=self.settings.rpc_timeout_seconds
            )
            reply = RpcReply.model_validate(await message.decode())
        except (TimeoutError, nats.errors.Error, ValidationError) as exc:
            raise ServiceUnavailable(
                f"Dịch vụ “{SERVICE_NAMES_VI.get(service, service)}” tạm thời không phản hồi, vui lòng thử lại sau"
            ) from exc
        if reply.ok:
            return reply.data
        assert reply.error is not None
        raise RemoteError(reply.error)

    async def ops_status(self, actor: Actor) -> OpsStatus:
        """The ops page's figures; the services check the actor's role for theirs."""
        require_operations(actor)

        async def call(service: str, operation: str, params: dict[str, Any]) -> Any:
            return await self.call(service, operation, actor, params)

        return await collect(self.broker.connection.jetstream(), call)

    async def dead_letters(self, actor: Actor, limit: int = 20) -> list[DeadLetter]:
        """The newest dead letters, read straight from the DEADLETTER stream."""
        require_operations(actor)
        return await list_dead_letters(self.broker.connection.jetstream(), limit=limit)

    async def actor_from_session(self, user_id: str) -> Actor:
        return await users.actor_by_id(self.engine, user_id)

    async def units(self, actor: Actor) -> dict[str, dict[str, Any]]:
        """The unit tree by code, asked of registration and kept for a minute (a reorganisation changes it)."""
        if self._units is None or time.monotonic() - self._units_read_at > UNITS_TTL_SECONDS:
            self._units = {u["code"]: u for u in await self.call("registration", "list_units", actor)}
            self._units_read_at = time.monotonic()
        return self._units

    async def actor_from_token(self, token: str | None) -> Actor:
        if not token:
            raise Unauthenticated()
        user_id = users.verify_token(token, self.secret, self.wall_clock.now())
        return await users.actor_by_id(self.engine, user_id)
