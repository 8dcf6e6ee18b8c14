"""A service whose database is down answers its RPC 503 service_unavailable, not 500 internal_error."""

from __future__ import annotations

import json

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from shared.platform.rpc import DEPENDENCY_UNAVAILABLE, answer
from tests.unit.test_faults import wrapped
from tests.unit.test_rpc import Recorder, request
from thidua.natsserver import free_port


@pytest.mark.asyncio
async def test_an_operation_whose_database_refuses_connections_answers_503_service_unavailable() -> None:
    engine = create_async_engine(f"postgresql+asyncpg://thidua@127.0.0.1:{free_port()}/thidua")

    async def read_nomination(actor: object, params: dict[str, object]) -> object:
        async with engine.connect() as conn:
            return await conn.scalar(sa.text("SELECT 1"))

    try:
        reply = await answer(request({"id": "n-1"}), read_nomination)
    finally:
        await engine.dispose()

    assert reply["ok"] is False
    assert reply["error"]["status"] == 503
    assert reply["error"]["code"] == "service_unavailable"
    assert reply["error"]["title"] == DEPENDENCY_UNAVAILABLE
    assert "127.0.0.1" not in json.dumps(reply)  # no connection details leave the service


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "error",
    [
        wrapped(asyncpg.CannotConnectNowError("the database system is starting up")),
        wrapped(asyncpg.AdminShutdownError("terminating connection due to administrator command")),
        wrapped(asyncpg.InterfaceError("connection is closed")),
        TimeoutError(),
    ],
    ids=["starting-up", "shutting-down", "connection-closed", "timeout"],
)
async def test_an_operation_failing_on_an_unavailable_database_answers_503(error: Exception) -> None:
    reply = await answer(request(), Recorder(error=error))
    assert (reply["error"]["status"], reply["error"]["code"]) == (503, "service_unavailable")


@pytest.mark.asyncio
async def test_a_statement_the_database_refuses_is_still_a_500_internal_error() -> None:
    error = wrapped(asyncpg.UndefinedTableError('relation "nominations" does not exist'))
    reply = await answer(request(), Recorder(error=error))
    assert (reply["error"]["status"], reply["error"]["code"]) == (500, "internal_error")
