"""insert_rows, the driver-level executemany of the escalation batch: the rows it stores read back exactly as the same
rows inserted through SQLAlchemy's own executemany, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shared.platform.db import UtcDateTime, insert_rows, make_engine

metadata = sa.MetaData()
rows_table = sa.Table(
    "insert_rows_check",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(40), nullable=False, unique=True),
    sa.Column("unit", sa.JSON, nullable=True),
    sa.Column("headers", sa.JSON, nullable=True),
    sa.Column("at", UtcDateTime(), nullable=True),
    sa.Column("count", sa.Integer, nullable=True),
)
COLUMNS = ("name", "unit", "headers", "at", "count")


async def stored(conn: Any) -> list[tuple[Any, ...]]:
    t = rows_table
    raw_unit = sa.cast(t.c.unit, sa.Text)  # as stored: JSON 'null' and SQL NULL told apart
    rows = await conn.execute(sa.select(t.c.name, t.c.unit, raw_unit, t.c.headers, t.c.at, t.c.count).order_by(t.c.id))
    return [tuple(r) for r in rows]


@pytest.mark.asyncio
async def test_rows_inserted_at_the_driver_read_back_as_sqlalchemys_own_executemany_stores_them(database_url: str) -> None:
    engine = make_engine(database_url)
    at = datetime(2026, 3, 16, 16, 59, 59, 999999, tzinfo=UTC)
    unit = {"code": "HN", "name": "LĐLĐ TP Hà Nội", "level": "city"}  # one object on many rows: dumped once
    rows = [
        (f"r{i}", unit if i % 3 else None, {"Nats-Msg-Id": f"id-{i}"}, at + timedelta(hours=i % 2) if i % 5 else None, i % 4)
        for i in range(12)
    ]
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await insert_rows(
                conn,
                rows_table,
                COLUMNS,
                [(name, u, json.dumps(h), a, c) for name, u, h, a, c in rows],  # headers given as JSON text
                raw={"headers"},
            )
            ours = await stored(conn)
            await conn.execute(rows_table.delete())
            await conn.execute(rows_table.insert(), [dict(zip(COLUMNS, row, strict=True)) for row in rows])
            theirs = await stored(conn)
        assert ours == theirs
        assert (ours[1][:2], ours[1][3:]) == (("r1", unit), ({"Nats-Msg-Id": "id-1"}, at + timedelta(hours=1), 1))
        assert (ours[0][1], ours[0][4]) == (None, None)

        async with engine.connect() as conn:  # a duplicate raises SQLAlchemy's IntegrityError, as before
            await conn.begin()
            with pytest.raises(IntegrityError):
                await insert_rows(conn, rows_table, ("name",), [("dup",), ("dup",)])
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
        await engine.dispose()
