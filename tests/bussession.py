"""A NATS connection as one bus user, for the tests that try what each user may and may not do.

A denied publish or subscribe is not an exception in nats-py: the server answers -ERR and the client reports
"permissions violation for publish/subscription to ..." through the error callback (a denied JetStream API call,
being a request, also times out). `Session.refused()` returns what the server refused since the last call."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client

from shared.platform.buspermissions import inbox_prefix


@dataclass
class Session:
    nc: Client
    errors: list[str] = field(default_factory=list)

    async def refused(self) -> list[str]:
        """What the server refused so far (after a round trip, so that every -ERR has arrived)."""
        await self.nc.flush(timeout=2)
        await asyncio.sleep(0.2)
        seen, self.errors[:] = list(self.errors), []
        return seen


@asynccontextmanager
async def bus_session(servers: list[str], user: str) -> AsyncIterator[Session]:
    """Connected as `user` (its own reply inbox, as the services connect; `admin` the default one)."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc).lower())

    nc = await nats.connect(
        servers,
        error_cb=on_error,
        name=f"test-{user}",
        allow_reconnect=False,
        inbox_prefix=inbox_prefix(user) if user != "admin" else "_INBOX",
    )
    try:
        yield Session(nc, errors)
    finally:
        await nc.close()
