"""Transient or permanent: the one classification every edge uses, over real exception instances.

Where a fault can be provoked without a server (a refused TCP connection, a locked SQLite file) it is;
PostgreSQL's own errors are the driver's exception classes as asyncpg raises them, wrapped the way
SQLAlchemy's asyncpg dialect wraps them (the fault-injection suite meets the real ones).
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from pathlib import Path

import asyncpg
import nats.errors
import nats.js.errors
import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection, AsyncAdapt_asyncpg_dbapi
from sqlalchemy.ext.asyncio import create_async_engine

from shared.contracts.errors import Conflict, InternalError, NotFound, ServiceUnavailable, ValidationFailed
from shared.contracts.operations import RemoteError, RpcError
from shared.platform.faults import OUTAGE_BACKOFF, Backoff, describe, is_transient
from shared.platform.messaging import PoisonMessage
from thidua.natsserver import free_port


def wrapped(error: Exception, statement: str = "SELECT 1") -> sa.exc.DBAPIError:
    """An asyncpg error as SQLAlchemy raises it: the dialect translates it to its DB-API error (`raise … from`
    asyncpg's), and the engine wraps that in a DBAPIError with `.orig`."""
    dbapi = AsyncAdapt_asyncpg_dbapi(asyncpg)  # type: ignore[no-untyped-call]
    try:
        AsyncAdapt_asyncpg_connection._handle_exception_no_connection(dbapi, error)
    except dbapi.Error as translated:
        wrapped_error = sa.exc.DBAPIError.instance(statement, None, translated, dbapi.Error)
        assert isinstance(wrapped_error, sa.exc.DBAPIError)
        return wrapped_error
    raise AssertionError(f"{error!r} was not translated")


# Provoked for real


def test_a_refused_postgresql_connection_through_sqlalchemy_is_transient() -> None:
    async def connect() -> BaseException:
        engine = create_async_engine(f"postgresql+asyncpg://thidua@127.0.0.1:{free_port()}/thidua")
        try:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:
            return exc
        finally:
            await engine.dispose()
        raise AssertionError("connected to a port nobody listens on")

    error = asyncio.run(connect())
    assert isinstance(error, ConnectionRefusedError)  # SQLAlchemy lets the driver's OSError through unwrapped
    assert is_transient(error)


def test_a_refused_nats_connection_is_transient() -> None:
    async def quiet(_error: Exception) -> None:
        return None

    async def connect() -> BaseException:
        try:
            url = f"nats://127.0.0.1:{free_port()}"
            await nats.connect(url, connect_timeout=1, max_reconnect_attempts=1, reconnect_time_wait=0.05, error_cb=quiet)
        except Exception as exc:
            return exc
        raise AssertionError("connected to a port nobody listens on")

    error = asyncio.run(connect())
    assert isinstance(error, nats.errors.NoServersError)
    assert is_transient(error)


def test_a_locked_sqlite_database_is_transient_and_a_missing_table_is_not(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock

    async def write(sql: str) -> BaseException:
        engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05})  # waits 50 ms, not 30 s
        try:
            async with engine.begin() as conn:
                await conn.execute(sa.text(sql))
        except Exception as exc:
            return exc
        finally:
            await engine.dispose()
        raise AssertionError(f"{sql} succeeded")

    try:
        locked = asyncio.run(write("INSERT INTO t VALUES (1)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    missing = asyncio.run(write("INSERT INTO nowhere VALUES (1)"))

    assert isinstance(locked, sa.exc.OperationalError)
    assert "database is locked" in str(locked)
    assert is_transient(locked)
    assert isinstance(missing, sa.exc.OperationalError)
    assert not is_transient(missing)


# PostgreSQL going away, starting up, shutting down, refusing


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CrashShutdownError("terminating connection because of crash of another server process"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.SerializationError("could not serialize access due to concurrent update"),
        asyncpg.DeadlockDetectedError("deadlock detected"),
        asyncpg.InterfaceError("connection is closed"),
        asyncpg.InterfaceError("cannot perform operation: connection is closed"),
    ],
    ids=lambda e: type(e).__name__ + ":" + str(e)[:20],
)
def test_postgresql_unavailable_is_transient_raw_and_as_sqlalchemy_wraps_it(error: Exception) -> None:
    assert is_transient(error)
    assert is_transient(wrapped(error))


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.UniqueViolationError('duplicate key value violates unique constraint "decisions_pkey"'),
        asyncpg.UndefinedTableError('relation "nominations" does not exist'),
        asyncpg.CheckViolationError("new row violates check constraint"),
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        asyncpg.DataError("invalid input for query argument $1"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_postgresql_refusing_the_statement_itself_is_permanent(error: Exception) -> None:
    assert not is_transient(error)
    assert not is_transient(wrapped(error))


def test_a_statement_on_a_connection_the_pool_found_dead_is_transient() -> None:
    dbapi_error = AsyncAdapt_asyncpg_dbapi.Error("unexpected")  # type: ignore[no-untyped-call]
    error = sa.exc.DBAPIError.instance("SELECT 1", None, dbapi_error, AsyncAdapt_asyncpg_dbapi.Error, connection_invalidated=True)
    assert is_transient(error)
    assert is_transient(sa.exc.DisconnectionError("connection invalidated"))
    assert is_transient(sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached, connection timed out"))


# The network and the bus


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
        ConnectionResetError(104, "Connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
        TimeoutError(),
        socket.gaierror(-3, "Temporary failure in name resolution"),
        OSError(  # asyncio's create_connection when every address of "localhost" refused
            "Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432), "
            "[Errno 111] Connect call failed ('127.0.0.1', 5432)"
        ),
        OSError(113, "No route to host"),
        nats.errors.TimeoutError(),
        nats.errors.NoRespondersError(),
        nats.errors.ConnectionClosedError(),
        nats.errors.NoServersError(),
        nats.errors.StaleConnectionError(),
        nats.js.errors.ServiceUnavailableError(),
        nats.js.errors.NoStreamResponseError(),
    ],
    ids=lambda e: type(e).__name__ + ":" + str(e)[:16],
)
def test_network_and_bus_unavailable_is_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory"),
        PermissionError(13, "Permission denied"),
        IsADirectoryError(21, "Is a directory"),
        nats.errors.MaxPayloadError(),
        nats.js.errors.NotFoundError(),
        nats.errors.BadSubjectError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_local_mistakes_and_bus_refusals_are_permanent(error: Exception) -> None:
    assert not is_transient(error)


# Domain answers and bugs


def test_a_service_that_answered_503_is_transient_and_any_other_answer_is_not() -> None:
    assert is_transient(ServiceUnavailable())
    assert is_transient(RemoteError(RpcError(code="service_unavailable", title="Dịch vụ tạm thời không phản hồi", status=503)))
    assert not is_transient(RemoteError(RpcError(code="internal_error", title=InternalError.title, status=500)))
    for refusal in (Conflict(), NotFound(), ValidationFailed(), InternalError()):
        assert not is_transient(refusal)


def test_bugs_and_bad_payloads_are_permanent() -> None:
    class Shape(BaseModel):
        n: int

    with pytest.raises(ValidationError) as invalid:
        Shape.model_validate({"n": "many"})
    for error in (invalid.value, PoisonMessage("malformed JSON"), KeyError("task"), AttributeError("x"), RuntimeError("boom")):
        assert not is_transient(error)


def test_a_failure_raised_from_a_fault_is_transient_but_one_raised_while_handling_it_is_not() -> None:
    cause = ConnectionRefusedError(111, "Connect call failed")
    try:
        raise RuntimeError("could not load the task") from cause
    except RuntimeError as exc:
        explicit = exc
    try:
        try:
            raise cause
        except ConnectionRefusedError:
            raise KeyError("task")  # noqa: B904 (the fault is only its implicit context)
    except KeyError as exc:
        implicit = exc
    assert explicit.__cause__ is cause
    assert is_transient(explicit)
    assert implicit.__context__ is cause
    assert implicit.__cause__ is None
    assert not is_transient(implicit)


def test_a_group_is_transient_only_when_every_member_is() -> None:
    assert is_transient(ExceptionGroup("pull", [TimeoutError(), ConnectionResetError(104, "reset")]))
    assert not is_transient(ExceptionGroup("pull", [TimeoutError(), KeyError("task")]))


def test_describe_names_the_innermost_cause() -> None:
    error = wrapped(asyncpg.CannotConnectNowError("the database system is starting up"))
    assert describe(error) == "CannotConnectNowError: the database system is starting up"
    assert describe(TimeoutError()) == "TimeoutError"


# Back-off


def test_the_outage_backoff_doubles_from_half_a_second_to_a_cap_of_thirty() -> None:
    assert [OUTAGE_BACKOFF.delay(n) for n in range(1, 10)] == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert OUTAGE_BACKOFF.delay(10_000) == 30.0  # a week-long outage: still 30 s, no overflow
    assert Backoff(base=0.1, cap=0.25).delay(1) == 0.1
    assert Backoff(base=0.1, cap=0.25).delay(3) == 0.25
