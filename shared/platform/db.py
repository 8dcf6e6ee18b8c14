"""Database plumbing shared by the services: engines, transactions, and the outbox/inbox tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.types import TypeDecorator

from shared.platform import writegate
from shared.platform.files import private_file


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores no offset of its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upsert_insert(conn: AsyncConnection, table: sa.Table) -> Any:
    """An INSERT of `table` that takes ON CONFLICT (`on_conflict_do_nothing`, `on_conflict_do_update`): SQLite's or
    PostgreSQL's, as the connection's database is."""
    return (sqlite_insert if conn.dialect.name == "sqlite" else postgresql_insert)(table)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


READ_ONLY_OPTION = "thidua_read_only"
SQLITE_BUSY_SECONDS = 30.0  # how long a SQLite writer waits for the write lock (another process's, or its turn here)


class WriteWhileReading(RuntimeError):
    """An INSERT, UPDATE or DELETE on a connection marked `read_only`: a bug in the code that opened it."""


async def read_only(conn: AsyncConnection) -> AsyncConnection:
    """Mark a connection, before its transaction begins, as one that only reads. On SQLite its transaction is then a
    deferred BEGIN, which neither waits for nor holds the database's one write lock (in WAL mode it reads the last
    commit); on PostgreSQL nothing changes. On both, an INSERT, UPDATE or DELETE through it raises
    `WriteWhileReading` (on SQLite such a write would otherwise work alone and fail with SQLITE_BUSY under load).
    Why: every read took the lock (bench/profiles/sequential-2026-12-07.txt: review's queue reads held it 0.35 s and
    waited for it 0.49 s over 20 nominations), so a page waited behind any writer, e.g. awards signing a decision
    (~150 ms with the lock). The sequential and intake benches moved by less than their noise (bench/profiles/
    read-only-2026-12-07.txt); what this guarantees is that no read queues behind a writer."""
    return await conn.execution_options(**{READ_ONLY_OPTION: True})


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection of `engine` whose transaction only reads (`read_only`); rolled back when the block ends."""
    async with engine.connect() as conn:
        yield await read_only(conn)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; on SQLite every transaction that may write takes the write lock up front.

    SQLite's deferred transactions fail with SQLITE_BUSY (no waiting) when a reader tries to
    upgrade to a writer while another connection writes; BEGIN IMMEDIATE waits on busy_timeout instead.
    A transaction that only reads (`read_only`) begins deferred; it cannot write.

    A SQLite database file is its owner's alone (0600) before SQLite first opens it; SQLite gives its -wal and
    -shm files the database file's mode.
    """
    if not is_sqlite(url):
        return _refusing_writes_when_reading(create_async_engine(url, pool_pre_ping=True, **kwargs))
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        private_file(Path(database))
        for journal in (Path(f"{database}-wal"), Path(f"{database}-shm")):  # left by a run before this check
            if journal.exists():
                journal.chmod(0o600)
    engine = create_async_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, **kwargs)
    gate = writegate.install(engine.sync_engine.dialect, SQLITE_BUSY_SECONDS)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        gate.enter(conn.connection)  # this process's writers queue here, in turn, not in SQLite's busy handler
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.leave(conn.connection)
            raise

    return _refusing_writes_when_reading(engine)


def _refusing_writes_when_reading(engine: AsyncEngine) -> AsyncEngine:
    """A Python check of each statement's kind (a microsecond), not SQLite's PRAGMA query_only: switching that on and
    off as a pooled connection goes from readers to writers cost two more round trips through aiosqlite's thread."""

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _on_execute(conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        writes = context is not None and (context.isinsert or context.isupdate or context.isdelete)
        if writes and conn.get_execution_options().get(READ_ONLY_OPTION):
            raise WriteWhileReading(f"a write on a read-only connection: {statement[:80]}")

    return engine


async def insert_rows(
    conn: AsyncConnection, table: sa.Table, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, raw: Collection[str] = ()
) -> None:
    """INSERT many rows in one driver-level executemany: each column's bind processing (JSON dumps, UTC datetimes) runs
    once per distinct value in it, not once per row as SQLAlchemy's executemany does (a batch of thousands of rows
    repeats a few units and instants). `raw` columns hold values as the driver takes them (JSON already as text).
    Values are told apart by equality (text, numbers, instants) or identity (the same dict object, dumped once)."""
    if not rows:
        return
    dialect = conn.dialect
    insert = table.insert().values({name: sa.bindparam(name, type_=table.c[name].type) for name in columns})
    compiled = insert.compile(dialect=dialect)
    by_column: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for index, name in enumerate(columns):
        process = None if name in raw else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            by_column[index] = _processed_once(process, by_column[index])
    if compiled.positiontup is not None:
        driver_params: list[Any] = list(
            zip(*(by_column[list(columns).index(name)] for name in compiled.positiontup), strict=True)
        )
    else:
        driver_params = [dict(zip(columns, row, strict=True)) for row in zip(*by_column, strict=True)]
    await conn.exec_driver_sql(str(compiled), driver_params)


_BY_VALUE = (str, int, datetime)


def _processed_once(process: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    """A column's values through its bind processor, once per distinct value (None too: JSON stores it as 'null')."""
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        # by value for text, numbers, instants; otherwise by identity (the caller keeps every value alive meanwhile)
        key = value if type(value) in _BY_VALUE else (id(value),)
        if key not in done:
            done[key] = process(value)
        out.append(done[key])
    return out


def messaging_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The outbox and inbox every service keeps in its own database."""
    outbox = sa.Table(
        "outbox",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Index("ix_outbox_pending", "published_at", "id"),
    )
    inbox = sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("event_id", sa.String(36), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    )
    return outbox, inbox
