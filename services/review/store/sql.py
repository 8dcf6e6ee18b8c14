"""The unit of work on SQLAlchemy Core: one connection, one transaction, every repository on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncTransaction

from services.review.store import port
from services.review.store import tables as t
from services.review.store.sql_councils import SqlCouncils, SqlProposals, SqlReorganisations
from services.review.store.sql_tasks import SqlMoves, SqlNominations, SqlTasks
from services.review.store.sql_timers import SqlNotifications, SqlPreferences, SqlRosters, SqlTimers
from shared.contracts.events import Event
from shared.platform.db import read_only
from shared.platform.idempotency import mark_committed
from shared.platform.outbox import enqueue, first_delivery


class SqlUnitOfWork(port.UnitOfWork):
    """A transaction on one connection of `engine` (events it publishes wake the relay when it ends: `enqueue`);
    `reads_only`: one that only reads (`shared.platform.db.read_only`: on SQLite it never waits for the write lock)."""

    def __init__(self, engine: AsyncEngine, *, reads_only: bool = False) -> None:
        self.engine = engine
        self.reads_only = reads_only

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self.engine.connect()
        if self.reads_only:
            await read_only(self._conn)
        self._transaction: AsyncTransaction = await self._conn.begin()
        conn = self._conn
        self.tasks = SqlTasks(conn)
        self.nominations = SqlNominations(conn)
        self.timers = SqlTimers(conn)
        self.moves = SqlMoves(conn)
        self.notifications = SqlNotifications(conn)
        self.preferences = SqlPreferences(conn)
        self.rosters = SqlRosters(conn)
        self.councils = SqlCouncils(conn)
        self.proposals = SqlProposals(conn)
        self.reorganisations = SqlReorganisations(conn)
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.rollback()
        finally:
            await self._conn.close()

    async def commit(self) -> None:
        await mark_committed(self._conn, t.idempotency_keys)  # in this transaction (shared.platform.idempotency)
        await self._transaction.commit()

    async def rollback(self) -> None:
        if self._transaction.is_active:
            await self._transaction.rollback()

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self._conn.begin_nested():
            yield

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        return await first_delivery(self._conn, t.inbox, consumer, event, now)

    async def publish(self, *events: Event) -> None:
        if events:
            await enqueue(self._conn, t.outbox, *events)
