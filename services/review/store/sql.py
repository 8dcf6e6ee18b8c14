"""The unit of work on SQLAlchemy Core: one connection, one transaction, every repository on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncTransaction

from services.review.store import port
from services.review.store import tables as t
from services.review.store.sql_councils import SqlCouncils, SqlProposals, SqlReorganisations
from services.review.store.sql_tasks import SqlMoves, SqlNominations, SqlTasks
from services.review.store.sql_timers import SqlNotifications, SqlPreferences, SqlRosters, SqlTimers
from shared.contracts.events import Event
from shared.platform.idempotency import mark_committed
from shared.platform.outbox import enqueue, first_delivery


def _nothing() -> None:
    pass


class SqlUnitOfWork(port.UnitOfWork):
    """A transaction on one connection of `engine`; `outbox_written` wakes the relay after a commit that published."""

    def __init__(self, engine: AsyncEngine, outbox_written: Callable[[], None] = _nothing) -> None:
        self.engine = engine
        self.outbox_written = outbox_written
        self._published = False

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self.engine.connect()
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
        self._published = False
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.rollback()
        finally:
            await self._conn.close()

    async def commit(self) -> None:
        await mark_committed(self._conn, t.idempotency_keys)  # in this transaction (shared.platform.idempotency)
        await self._transaction.commit()
        if self._published:
            self._published = False
            self.outbox_written()

    async def rollback(self) -> None:
        if self._transaction.is_active:
            await self._transaction.rollback()
        self._published = False

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        async with self._conn.begin_nested():
            yield

    async def first_delivery(self, consumer: str, event: Event, now: datetime) -> bool:
        return await first_delivery(self._conn, t.inbox, consumer, event, now)

    async def publish(self, *events: Event) -> None:
        if events:
            await enqueue(self._conn, t.outbox, *events)
            self._published = True
