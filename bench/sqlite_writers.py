"""Concurrent writers on one SQLite database in one process: the engine the services use (make_engine, whose writers
take turns in shared.platform.writegate) beside the same engine without the turns (baseline: every writer waits in
SQLite's busy handler), measured in the same run.

Run: .venv/bin/python bench/sqlite_writers.py [--writers 8] [--transactions 60] [--rounds 2]

Each writer runs `transactions` write transactions one after another: an INSERT, 2 ms of other work (as a use case
awaits between statements), an UPDATE, COMMIT. Printed per engine: transactions per second, and each transaction's
latency (waiting for the lock included) at p50, p99 and max.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the repository's root, not bench/, on the path
    sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import asyncio
import tempfile
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.platform.db import SQLITE_BUSY_SECONDS, make_engine

NOTES = sa.Table("notes", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("text", sa.String))


def ungated_engine(url: str) -> AsyncEngine:
    """make_engine's SQLite settings (WAL, BEGIN IMMEDIATE, busy_timeout) without the turns."""
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", f"busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def measure(engine: AsyncEngine, writers: int, transactions: int) -> tuple[float, list[float]]:
    async with engine.begin() as conn:
        await conn.run_sync(NOTES.metadata.create_all)
    latencies: list[float] = []

    async def writer() -> None:
        for _ in range(transactions):
            started = time.perf_counter()
            async with engine.begin() as conn:
                key = (await conn.execute(NOTES.insert().values(text="a"))).inserted_primary_key
                assert key is not None
                note_id = key[0]
                await asyncio.sleep(0.002)
                await conn.execute(NOTES.update().where(NOTES.c.id == note_id).values(text="b"))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return len(latencies) / elapsed, sorted(latencies)


def line(label: str, rate: float, latencies: list[float]) -> str:
    def at(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000

    return f"{label:<44} {rate:>7.0f}/s  p50 {at(0.5):>7.1f} ms  p99 {at(0.99):>7.1f} ms  max {latencies[-1] * 1000:>7.1f} ms"


async def main(writers: int, transactions: int, rounds: int) -> None:
    print(f"{writers} writers at once, {transactions} write transactions each, one process, SQLite (WAL)")
    for _ in range(rounds):
        for label, make in (
            ("baseline: busy handler only (no turns)", ungated_engine),
            ("make_engine: writers take turns", make_engine),
        ):
            with tempfile.TemporaryDirectory() as tmp:
                rate, latencies = await measure(make(f"sqlite+aiosqlite:///{tmp}/bench.sqlite"), writers, transactions)
            print(line(label, rate, latencies))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--transactions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.writers, args.transactions, args.rounds))
