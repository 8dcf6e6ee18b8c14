"""Tell an infrastructure fault from a failure that can never succeed; how long to wait out a fault.

A *transient* fault says that something the service depends on is unavailable for now: the database
refuses, resets or closes connections, is starting up or shutting down, is out of connections, is locked
(SQLite) or aborted a transaction to resolve a conflict (serialization failure, deadlock); NATS times out,
has no responder or lost its connection; a service that was asked answered 503. The same work succeeds
later without anybody changing anything, so a transient fault is waited out: an event is retried with
back-off and never counted towards dead-lettering, a request is answered 503 with `Retry-After`.

Everything else is *permanent*: a payload that does not validate, a domain error, a bug. Retrying the same
input gives the same failure, so an event fails towards the dead-letter stream and a request is refused.

One function decides, for every edge: `is_transient(exc)`. It looks through the chain of causes
(SQLAlchemy wraps the driver's error in `.orig`, which wraps asyncpg's in `__cause__`), never through
`__context__`: an error raised while handling a fault is its own failure.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import nats.errors
import nats.js.errors
import sqlalchemy.exc

from shared.contracts.errors import DomainError

# PostgreSQL SQLSTATEs (a class of two characters, or one code) that a later try gets past.
TRANSIENT_SQLSTATES = (
    "08",  # connection exception: cannot connect, connection failure, rejected
    "53",  # insufficient resources: too many connections, out of memory, disk full
    "40001",  # serialization failure
    "40P01",  # deadlock detected
    "55P03",  # lock not available
    "57P01",  # admin shutdown: the server is stopping
    "57P02",  # crash shutdown
    "57P03",  # cannot connect now: the database system is starting up
)

# What drivers say when the connection went away under them or the database is busy, without a code.
TRANSIENT_MESSAGES = (
    "connection is closed",
    "connection was closed",
    "connection has been closed",
    "connect call failed",
    "database is locked",
    "database table is locked",
    "the database system is starting up",
    "the database system is shutting down",
)

NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.EHOSTDOWN,
        errno.ENOTCONN,
        errno.EADDRNOTAVAIL,
    }
)

# NATS is unreachable, reconnecting, or nobody answers on the subject yet (a service still starting).
NATS_UNAVAILABLE: tuple[type[Exception], ...] = (
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.NoServersError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.js.errors.ServiceUnavailableError,
    nats.js.errors.NoStreamResponseError,
)

# The exception classes a transient fault may surface as; the portal installs its 503 handler on these.
FAULT_TYPES: tuple[type[Exception], ...] = (
    OSError,  # ConnectionRefusedError, ConnectionResetError, TimeoutError (asyncio and nats-py too)
    sqlalchemy.exc.SQLAlchemyError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    sqlite3.Error,
    nats.errors.Error,
    DomainError,
)


def is_transient(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) says a dependency is unavailable for now."""
    if isinstance(exc, BaseExceptionGroup):
        return all(is_transient(e) for e in exc.exceptions)
    return any(_transient_itself(e) for e in causes(exc))


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it wraps: SQLAlchemy's `.orig` and explicit `raise … from` causes."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, DomainError):
        return exc.status == 503  # ServiceUnavailable, or a called service that answered it
    if isinstance(exc, ConnectionError | TimeoutError | socket.gaierror):
        return True
    if isinstance(exc, NATS_UNAVAILABLE):
        return True
    if isinstance(exc, sqlalchemy.exc.DisconnectionError | sqlalchemy.exc.TimeoutError):
        return True  # a pool that found its connection dead, or waited in vain for a free one
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(exc, "sqlstate", None)  # asyncpg's errors and SQLAlchemy's adapter of them
    if isinstance(sqlstate, str) and sqlstate.startswith(TRANSIENT_SQLSTATES):
        return True
    if isinstance(exc, OSError) and exc.errno in NETWORK_ERRNOS:
        return True
    if isinstance(exc, OSError | asyncpg.InterfaceError | sqlite3.OperationalError | sqlalchemy.exc.DBAPIError):
        message = str(exc).lower()
        return any(m in message for m in TRANSIENT_MESSAGES)
    return False


def describe(exc: BaseException, limit: int = 300) -> str:
    """A short reason for logs, /readyz and metrics: the innermost cause, by name and message."""
    *_, innermost = causes(exc)
    text = f"{type(innermost).__name__}: {innermost}".strip().rstrip(":")
    return text[:limit]


@dataclass(frozen=True)
class Backoff:
    """Capped exponential back-off: `base`, twice that, four times… never more than `cap` seconds."""

    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int) -> float:
        """The wait after the `attempt`-th consecutive failure (1-based)."""
        return float(min(self.cap, self.base * 2 ** min(max(attempt - 1, 0), 32)))


# Waiting out an outage: tries at 0.5, 1, 2, 4, 8, 16 s apart, then every 30 s for as long as it lasts.
OUTAGE_BACKOFF = Backoff()
