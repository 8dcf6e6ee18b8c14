"""A NATS connection as one bus user, for the tests that try what each user may and may not do.

A denied publish or subscribe is not an exception in nats-py: the server answers -ERR and the client reports
"permissions violation for publish/subscription to ..." through the error callback (a denied JetStream API call,
being a request, also times out). `Session.refused()` returns what the server refused since the last call.

A refused request is never delivered, so no answer can come however long one waits: the proof is the -ERR that
`refused()` returns, and the request's timeout only ends the wait. `Session.refusing()` is a JetStream context with
that short wait (REFUSED_WAIT) for the requests a test expects refused; allowed ones keep nats-py's own timeout. Opening
a key-value bucket or an object store asks for its stream's info first (allowed), and an object's put reads the
object's info before the refused chunk: those take `refusing(LOOKUP_THEN_REFUSED_WAIT)`, time enough for the
allowed request."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext

from shared.platform.buspermissions import inbox_prefix

REFUSED_WAIT = 0.2  # seconds a refused request waits before its TimeoutError (no answer can come)
LOOKUP_THEN_REFUSED_WAIT = 1.0  # the same, for a refused write preceded by an allowed lookup (a bucket's stream info)


@dataclass
class Session:
    nc: Client
    errors: list[str] = field(default_factory=list)

    async def refused(self) -> list[str]:
        """What the server refused so far. The server answers a connection's commands in order, and nats-py runs the
        error callback of a -ERR before it reads on, so once the round trip of a flush is back every -ERR sent before
        it has been reported (the short sleep is a margin, not the wait)."""
        await self.nc.flush(timeout=2)
        await asyncio.sleep(0.02)
        seen, self.errors[:] = list(self.errors), []
        return seen

    def refusing(self, wait: float = REFUSED_WAIT) -> JetStreamContext:
        """JetStream for requests the server refuses: each raises TimeoutError after `wait` seconds."""
        return self.nc.jetstream(timeout=wait)


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
