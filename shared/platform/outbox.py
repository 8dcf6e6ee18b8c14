"""Transactional outbox and idempotent inbox.

A use case writes its state change and its events in one transaction (`enqueue`); the relay
publishes pending rows to JetStream with `Nats-Msg-Id = event_id` (so a re-publish after a crash
is dropped by the stream's duplicate window) and then marks them published.
A consumer records each event id in the same transaction as its effect (`first_delivery`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.contracts.events import Event
from shared.platform.clock import Clock
from shared.platform.db import insert_rows, reading, upsert_insert
from shared.platform.faults import describe, is_transient
from shared.platform.tracing import continued_from, trace_headers

log = logging.getLogger("thidua.outbox")

OUTBOX_COLUMNS = ("event_id", "subject", "payload", "headers", "created_at")

Publish = Callable[[str, bytes, dict[str, str]], Awaitable[Any]]

# Set on a pooled connection that wrote outbox rows; its engine's relay wakes when the connection goes back to the pool,
# which is after its transaction ended. Cleared when the connection is taken from the pool again.
WROTE_OUTBOX = "thidua.wrote_outbox"


def event_headers(event: Event) -> dict[str, str]:
    return {
        "Nats-Msg-Id": str(event.event_id),
        "Thidua-Schema-Version": str(event.schema_version),
        "Thidua-Correlation-Id": event.correlation_id or "",
    }


async def enqueue(conn: AsyncConnection, outbox: sa.Table, *events: Event) -> None:
    if not events:
        return
    trace = trace_headers()  # the relay publishes later, outside this request: the row keeps its trace
    rows = [
        (
            str(ev.event_id),
            ev.SUBJECT,
            ev.model_dump_json(),
            json.dumps({**event_headers(ev), **trace}),
            ev.occurred_at,
        )
        for ev in events
    ]
    # one driver-level executemany for the lot: the payloads are serialised once, here, and the headers dumped once
    await insert_rows(conn, outbox, OUTBOX_COLUMNS, rows, raw={"headers"})
    mark_outbox_written(conn)


def mark_outbox_written(conn: AsyncConnection) -> None:
    """The relay of this engine publishes when this connection's transaction has ended (the pool takes it back)."""
    conn.info[WROTE_OUTBOX] = True


async def outbox_backlog(engine: AsyncEngine, outbox: sa.Table) -> tuple[int, datetime | None]:
    """Rows not yet published, and when the oldest of them was written (UTC), in one query."""
    async with reading(engine) as conn:
        count, oldest = (
            await conn.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.c.created_at)).where(outbox.c.published_at.is_(None))
            )
        ).one()
    if isinstance(oldest, str):  # min() over a type decorator may come back raw on some drivers
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return int(count or 0), oldest


async def first_delivery(conn: AsyncConnection, inbox: sa.Table, consumer: str, event: Event, now: datetime) -> bool:
    """Record the event as processed by `consumer`; False if it already was (a redelivery or replay).

    One statement, `INSERT … ON CONFLICT DO NOTHING` on the inbox's key: on PostgreSQL a replica handling the same
    event at the same moment waits for the first one's transaction and then inserts nothing.
    """
    row = {"consumer": consumer, "event_id": str(event.event_id), "subject": event.SUBJECT, "processed_at": now}
    result = await conn.execute(upsert_insert(conn, inbox).values(row).on_conflict_do_nothing())
    return bool(result.rowcount)


class OutboxRelay:
    """Publishes pending outbox rows in order. Safe with several replicas on PostgreSQL (SKIP LOCKED).

    It publishes as soon as a transaction of its engine that wrote outbox rows has ended (`enqueue` marks the
    connection; the relay wakes when the pool takes it back), so no write waits for a poll. The poll is only for rows
    this process did not write: a replica that died between its commit and its publish. After a failed publish it
    tries again every `retry_interval` seconds.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        outbox: sa.Table,
        publish: Publish,
        clock: Clock,
        *,
        batch_size: int = 100,
        poll_interval: float = 5.0,
        retry_interval: float = 1.0,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.publish = publish
        self.clock = clock
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._failing = False  # the last batch stopped at a row that could not be published
        if not event.contains(engine.sync_engine, "checkout", _forget_outbox_writes):
            event.listen(engine.sync_engine, "checkout", _forget_outbox_writes)

    def _checked_in(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.get(WROTE_OUTBOX):
            self.wake()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        event.listen(self.engine.sync_engine, "checkin", self._checked_in)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, flush_timeout: float = 10.0) -> None:
        """Stop the loop, then publish what is still pending (graceful shutdown)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
            event.remove(self.engine.sync_engine, "checkin", self._checked_in)  # a stopped relay is woken no more
        try:
            await asyncio.wait_for(self.flush(), flush_timeout)
        except TimeoutError:  # the rest stays in the outbox and goes out when the service starts again
            log.warning("outbox.flush_incomplete", extra={"reason": f"still publishing after {flush_timeout:.0f} s"})
        except Exception:
            log.warning("outbox.flush_incomplete", exc_info=True)

    async def flush(self) -> None:
        while await self.publish_batch() == self.batch_size:
            pass

    async def pending(self) -> int:
        return (await outbox_backlog(self.engine, self.outbox))[0]

    async def _run(self) -> None:
        while not self._stopping:
            try:
                published = await self.publish_batch()
            except Exception as exc:
                if is_transient(exc):  # the database or the bus is down: a line a second, not a traceback a second
                    log.warning("outbox.relay_waiting", extra={"error": describe(exc)})
                else:
                    log.exception("outbox.relay_failed")
                published, self._failing = 0, True
            if published == self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.retry_interval if self._failing else self.poll_interval)
            self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish up to batch_size pending rows in id order; stop at the first failure."""
        if self.engine.dialect.name == "sqlite":
            return await self._publish_batch_unlocked()
        ob = self.outbox
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.select(ob.c.id, ob.c.subject, ob.c.payload, ob.c.headers)
                    .where(ob.c.published_at.is_(None))
                    .order_by(ob.c.id)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            sent, failure = await self._publish_rows(rows)
            self._failing = failure is not None
            if failure is not None:
                await self._failed(conn, *failure)
            if sent:  # one statement for the batch; the rows stay locked until this commits, as each one did
                await conn.execute(ob.update().where(ob.c.id.in_(sent)).values(published_at=self.clock.now()))
        return len(sent)

    async def _publish_batch_unlocked(self) -> int:
        """SQLite has one writer at a time: read the batch, publish outside any transaction, then mark it.

        Holding the write lock while waiting for PubAcks would stall every other writer of the service.
        A crash between publishing and marking re-publishes those rows, which the stream drops as
        duplicates (Nats-Msg-Id = event id); so does a second relay that read the same rows.
        """
        ob = self.outbox
        async with reading(self.engine) as conn:  # no write lock to read the batch
            rows = (
                await conn.execute(
                    sa.select(ob.c.id, ob.c.subject, ob.c.payload, ob.c.headers)
                    .where(ob.c.published_at.is_(None))
                    .order_by(ob.c.id)
                    .limit(self.batch_size)
                )
            ).all()
        sent, failure = await self._publish_rows(rows)
        self._failing = failure is not None
        if not rows:
            return 0
        async with self.engine.begin() as conn:
            if sent:
                await conn.execute(ob.update().where(ob.c.id.in_(sent)).values(published_at=self.clock.now()))
            if failure is not None:
                await self._failed(conn, *failure)
        return len(sent)

    async def _publish_rows(self, rows: Sequence[Any]) -> tuple[list[int], tuple[Any, Exception] | None]:
        """Publish the batch without waiting for each PubAck before sending the next: every row's publish is started in
        id order (each is on the connection before the next one starts; the stream keeps that order), then the acks are
        awaited together. The ids published up to the first failure, and that failure: rows after it that did reach the
        stream stay pending and are published again, which the stream drops as duplicates (Nats-Msg-Id)."""
        outcomes = await asyncio.gather(*(self._publish_row(row) for row in rows), return_exceptions=True)
        sent: list[int] = []
        for row, outcome in zip(rows, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancelled (the service is stopping): the rows stay pending
                return sent, (row, outcome)
            sent.append(row.id)
        return sent, None

    async def _publish_row(self, row: Any) -> None:
        """Publish in the trace of the request that wrote the row, so the publish span and the consumer join it."""
        headers = dict(row.headers)
        with continued_from(headers):
            await self.publish(row.subject, row.payload.encode(), headers)

    async def _failed(self, conn: AsyncConnection, row: Any, exc: Exception) -> None:
        log.warning("outbox.publish_failed", extra={"subject": row.subject, "error": repr(exc)})
        ob = self.outbox
        await conn.execute(ob.update().where(ob.c.id == row.id).values(attempts=ob.c.attempts + 1, last_error=repr(exc)[:2000]))


def _forget_outbox_writes(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    record.info.pop(WROTE_OUTBOX, None)


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text
