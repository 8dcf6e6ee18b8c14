"""SQLite writers of one process queue in turn in front of the write lock (shared.platform.writegate), never in
SQLite's busy handler; every way a write transaction ends gives the turn back.

The engines here answer SQLITE_BUSY at once (busy_timeout 0), so a writer that reached SQLite's lock while another
held it fails: without the gate, the first test fails with "database is locked"."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util.concurrency import greenlet_spawn

from shared.platform import db, writegate
from shared.platform.db import make_engine, read_only
from shared.platform.faults import is_transient

pytestmark = pytest.mark.asyncio

NOTES = sa.Table("notes", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String))


def busy_at_once(engine: AsyncEngine) -> AsyncEngine:
    @event.listens_for(engine.sync_engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:  # after make_engine's own (listeners run in order)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    return engine


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = busy_at_once(make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}"))
    async with engine.begin() as conn:
        await conn.run_sync(NOTES.metadata.create_all)
    yield engine
    await engine.dispose()


async def write(engine: AsyncEngine, note_id: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(NOTES.insert().values(id=note_id, text="a"))
        await asyncio.sleep(0.005)  # other work inside the transaction: the others arrive meanwhile
        await conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(text="b"))


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(NOTES)) or 0)


async def test_writers_at_once_take_turns_without_meeting_sqlites_lock(engine: AsyncEngine) -> None:
    await asyncio.wait_for(asyncio.gather(*(write(engine, n) for n in range(1, 13))), timeout=20)
    assert await count(engine) == 12


async def test_a_reader_does_not_queue_behind_a_writer(engine: AsyncEngine) -> None:
    async with engine.connect() as writer:
        await writer.execute(NOTES.insert().values(id=1, text="not yet"))  # holds the turn and the lock
        async with engine.connect() as reader:
            await read_only(reader)
            assert await asyncio.wait_for(reader.scalar(sa.select(sa.func.count()).select_from(NOTES)), timeout=5) == 0
        await writer.commit()


async def turn_is_free(engine: AsyncEngine, note_id: int) -> None:
    """A writer on another connection goes at once. (The connection that ended last is held idle meanwhile: the pool
    would hand it out first, and a connection that kept its turn by mistake would begin again without waiting.)"""
    async with engine.connect():
        await asyncio.wait_for(write(engine, note_id), timeout=5)


async def failing_use_case(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(NOTES.insert().values(id=2, text="a"))
        raise RuntimeError("use case failed")


async def test_every_way_a_write_transaction_ends_gives_the_turn_back(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:  # committed
        await conn.execute(NOTES.insert().values(id=1, text="a"))
    await turn_is_free(engine, 101)
    with pytest.raises(RuntimeError):  # an error inside the block: rolled back
        await failing_use_case(engine)
    await turn_is_free(engine, 102)
    async with engine.connect() as conn:  # a connection closed with its transaction open: rolled back
        await conn.execute(NOTES.insert().values(id=3, text="a"))
    await turn_is_free(engine, 103)
    async with engine.connect() as conn:  # two transactions one after the other on one connection
        await conn.execute(NOTES.insert().values(id=4, text="a"))
        await conn.commit()
        await conn.execute(NOTES.insert().values(id=5, text="a"))
        await conn.rollback()
    await turn_is_free(engine, 104)
    with pytest.raises(sa.exc.IntegrityError):  # a statement the database refuses
        async with engine.begin() as conn:
            await conn.execute(NOTES.insert().values(id=1, text="again"))
    await turn_is_free(engine, 105)
    holder = asyncio.create_task(write(engine, 6))  # cancelled mid-transaction
    await asyncio.sleep(0.002)
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    await turn_is_free(engine, 106)
    async with engine.connect() as conn:
        ids = (await conn.execute(sa.select(NOTES.c.id).order_by(NOTES.c.id))).scalars().all()
    assert ids == [1, 4, 101, 102, 103, 104, 105, 106]


async def test_a_writer_waiting_longer_than_sqlite_would_fails_as_sqlite_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "SQLITE_BUSY_SECONDS", 0.3)
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(NOTES.metadata.create_all)
        async with engine.connect() as holder:
            await holder.execute(NOTES.insert().values(id=1, text="a"))
            with pytest.raises(sa.exc.OperationalError, match="database is locked") as refused:
                await write(engine, 2)
            assert is_transient(refused.value)  # waited out by consumers and answered 503, as SQLite's own timeout is
            await holder.commit()
        await asyncio.wait_for(write(engine, 3), timeout=5)
    finally:
        await engine.dispose()


async def test_a_turn_given_back_from_another_thread_passes_to_the_next_writer_through_the_loop() -> None:
    """The garbage collector may drop a connection that holds the turn in any thread: the turn goes back through the
    loop that handed it out (an asyncio lock is not thread-safe)."""
    released_in: list[int] = []

    class RecordingLock(asyncio.Lock):
        def release(self) -> None:
            released_in.append(threading.get_ident())
            super().release()

    gate = writegate.SqliteWriteGate(timeout_seconds=5)
    gate._locks[asyncio.get_running_loop()] = RecordingLock()  # the loop's queue, watched
    first, second = object(), object()
    await greenlet_spawn(gate.enter, first)
    waiting = asyncio.create_task(greenlet_spawn(gate.enter, second))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await asyncio.to_thread(gate.leave, first)
    await asyncio.wait_for(waiting, timeout=5)
    gate.leave(second)
    assert released_in == [threading.get_ident()] * 2  # both in the loop's own thread
