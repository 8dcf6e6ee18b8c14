"""A transaction that only reads (`shared.platform.db.read_only`): on SQLite it reads while another connection holds
the write lock; on SQLite and PostgreSQL it cannot write, and its pooled connection writes again for its next user."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.review import store as review_store
from services.review.routes import operations as review_rpc
from shared.platform.db import WriteWhileReading, make_engine, read_only
from tests.integration.test_escalation import SONTAY, review_at, submit

pytestmark = pytest.mark.asyncio

NOTES = sa.Table("notes", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String))


async def test_a_read_only_transaction_reads_the_last_commit_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    async with engine.begin() as conn:
        await conn.run_sync(NOTES.metadata.create_all)
        await conn.execute(NOTES.insert().values(id=1, text="committed"))
    try:
        async with engine.connect() as writer:
            await writer.execute(NOTES.insert().values(id=2, text="not yet"))  # BEGIN IMMEDIATE: the lock is held
            async with engine.connect() as reader:
                await read_only(reader)
                # An ordinary transaction would wait here up to busy_timeout (30 s) for the writer.
                rows = await asyncio.wait_for(reader.execute(sa.select(NOTES.c.text)), timeout=5)
                assert rows.scalars().all() == ["committed"]
            await writer.commit()
    finally:
        await engine.dispose()


async def test_a_read_only_transaction_cannot_write_and_its_connection_writes_again_afterwards(database_url: str) -> None:
    engine = make_engine(database_url, pool_size=1, max_overflow=0)  # one connection, used by each block in turn
    async with engine.begin() as conn:
        await conn.run_sync(NOTES.metadata.create_all)
    try:
        async with engine.connect() as reader:
            await read_only(reader)
            with pytest.raises(WriteWhileReading):
                await reader.execute(NOTES.insert().values(id=1, text="refused"))
            with pytest.raises(WriteWhileReading):
                await reader.execute(NOTES.update().values(text="refused"))
        async with engine.begin() as writer:  # the same database connection, checked out again
            await writer.execute(NOTES.insert().values(id=1, text="written"))
        async with engine.connect() as reader:
            await read_only(reader)
            assert (await reader.execute(sa.select(NOTES.c.text))).scalars().all() == ["written"]
    finally:
        await engine.dispose()


async def test_reviews_queue_page_and_task_answer_while_a_command_holds_the_write_lock(service_context: Any) -> None:
    """Review's queries go through `ReviewContext.reading`: on SQLite a page is not held up by a writer (a claim, an
    escalation batch) that has the database's one write lock, as every page was when each transaction took it."""
    ctx, _, _ = await review_at(service_context)
    task = await submit(ctx)
    queries = review_rpc(ctx)
    async with ctx.engine.connect() as writer:
        await writer.execute(review_store.tasks.update().values(round=review_store.tasks.c.round))  # holds the lock
        page = await asyncio.wait_for(queries["list_queue"](SONTAY, {"unit_code": "HN-SONTAY"}), timeout=5)
        shown = await asyncio.wait_for(queries["get_task"](SONTAY, {"task_id": task["id"]}), timeout=5)
        await writer.rollback()
    assert [t["id"] for t in page["items"]] == [task["id"]]
    assert shown["id"] == task["id"]
