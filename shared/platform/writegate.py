"""One writer at a time per process on a SQLite database, in the order they asked: a fair queue in front of SQLite's
write lock.

SQLite lets one transaction write at a time. A connection whose BEGIN IMMEDIATE finds the lock taken is put to sleep by
SQLite's busy handler for 1, 2, 5, 10, … up to 100 ms between looks, and no one is woken when the lock is released: the
lock sits free while the waiters sleep, and a waiter that keeps looking at the wrong moment waits again and again.
With eight coroutines writing at once (bench/profiles/write-gate-2026-12-07.txt) that gave a p99 of 0.8–1 s for
transactions whose p50 was 3.5 ms, and intake's p99 of 1.5–2 s at 8 clients against a p50 of 80 ms.

Here every write transaction of one engine first waits on an asyncio lock (FIFO), taken in the engine's "begin" hook
before BEGIN IMMEDIATE (shared.platform.db.make_engine) and given back once its COMMIT or ROLLBACK has run: the gate
wraps the dialect's own do_commit, do_rollback, do_close and do_terminate, so a pool's reset of a connection returned
mid-transaction, or a connection dropped, gives it back too. SQLite's busy handler is left for other processes (an
operator's command on the same file). A transaction that only reads (db.read_only) does not queue. Waiting longer than
SQLite would have (busy_timeout) fails as SQLite would: "database is locked", which shared.platform.faults waits out
as an outage.
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections.abc import Callable
from typing import Any

import sqlalchemy.exc
from sqlalchemy.util.concurrency import await_only, in_greenlet


class SqliteWriteGate:
    def __init__(self, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        # id of the DBAPI connection holding a turn -> the loop and lock it holds it in
        self._held: dict[int, tuple[asyncio.AbstractEventLoop, asyncio.Lock]] = {}

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()  # an engine used from several loops (tests) has one queue per loop
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def enter(self, dbapi_connection: Any) -> None:
        """Wait for the turn of this connection's write transaction (from the engine's begin hook, in its greenlet)."""
        key = id(_raw(dbapi_connection))
        if key in self._held:  # a second transaction of the connection before its pool reset: it still has the turn
            return
        if not in_greenlet():  # not through the async engine: SQLite's own handler only
            return
        lock = self._lock()
        try:
            await_only(asyncio.wait_for(lock.acquire(), self.timeout_seconds))
        except TimeoutError:
            raise sqlalchemy.exc.OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            ) from None
        self._held[key] = (asyncio.get_running_loop(), lock)

    def leave(self, dbapi_connection: Any) -> None:
        """The connection's transaction has ended (or the connection is gone): the next writer's turn."""
        held = self._held.pop(id(_raw(dbapi_connection)), None)
        if held is None:
            return
        loop, lock = held
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if here is loop:
            lock.release()
        elif not loop.is_closed():  # a connection the garbage collector drops, in another thread
            loop.call_soon_threadsafe(lock.release)


def _raw(connection: Any) -> Any:
    """The DBAPI connection itself, from the pool's proxy or from itself."""
    return getattr(connection, "dbapi_connection", None) or connection


def install(dialect: Any, timeout_seconds: float) -> SqliteWriteGate:
    """A gate for the engine of `dialect`, given back after each COMMIT, ROLLBACK or close (its begin hook enters it)."""
    gate = SqliteWriteGate(timeout_seconds)

    def then_leave(step: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(dbapi_connection: Any) -> None:
            try:
                step(dbapi_connection)
            finally:
                gate.leave(dbapi_connection)

        return run

    dialect.do_commit = then_leave(dialect.do_commit)
    dialect.do_rollback = then_leave(dialect.do_rollback)
    dialect.do_close = then_leave(dialect.do_close)
    dialect.do_terminate = then_leave(dialect.do_terminate)  # a connection dropped mid-transaction (a cancelled task)
    return gate
