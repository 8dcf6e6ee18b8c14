"""Safe retries on a real database (SQLite and PostgreSQL): `answer()` with the service's idempotency records."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.errors import ServiceUnavailable
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import RpcRequest
from shared.platform.assertions import params_digest
from shared.platform.clock import FixedClock
from shared.platform.db import make_engine
from shared.platform.idempotency import STALE_AFTER_SECONDS, Keeper, idempotency_table, key_id, mark_committed
from shared.platform.rpc import answer
from tests.integration.conftest import NOW

SUBMITTER = Actor(
    user_id="u-1", username="cdcs.dst", full_name="Nguyễn Văn An", roles=(RoleGrant(role="submitter", unit_code="X"),)
)
SUBJECT = "thidua.rpc.registration.submit"
metadata = sa.MetaData()
keys = idempotency_table(metadata)
things = sa.Table(
    "things", metadata, sa.Column("id", sa.Integer, primary_key=True, autoincrement=True), sa.Column("name", sa.String(50))
)


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


def request(params: dict[str, Any], key: str | None = "k-1") -> bytes:
    return RpcRequest(actor=SUBMITTER, params=params, idempotency_key=key).model_dump_json().encode()


class Submit:
    """An operation with a unit of work as the services have: its effect and `mark_committed` in one transaction."""

    def __init__(self, engine: AsyncEngine, *, fail_after_commit: bool = False, wait: asyncio.Event | None = None) -> None:
        self.engine, self.fail_after_commit, self.wait, self.runs = engine, fail_after_commit, wait, 0

    async def __call__(self, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        self.runs += 1
        if self.wait is not None:
            await self.wait.wait()
        async with self.engine.begin() as conn:
            inserted = await conn.execute(things.insert().values(name=params["name"]))
            new_id = inserted.inserted_primary_key[0] if inserted.inserted_primary_key else None
            await mark_committed(conn, keys)
        if self.fail_after_commit:  # the re-read of what was written fails: the database just went away
            raise ConnectionRefusedError(111, "Connect call failed")
        return {"id": new_id, "name": params["name"]}


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(things))).scalar_one())


@pytest.mark.asyncio
async def test_a_repeat_with_the_same_key_gets_the_first_reply_and_runs_nothing(engine: AsyncEngine) -> None:
    keeper, submit = Keeper(engine, keys, FixedClock(NOW)), Submit(engine)
    first = await answer(request({"name": "An"}), submit, subject=SUBJECT, keeper=keeper)
    again = await answer(request({"name": "An"}), submit, subject=SUBJECT, keeper=keeper)
    assert first["ok"]
    assert again == first
    assert (submit.runs, await count(engine)) == (1, 1)
    other = await answer(request({"name": "Bình"}), submit, subject=SUBJECT, keeper=keeper)
    assert (other["ok"], other["error"]["code"], other["error"]["status"]) == (False, "idempotency_key_reused", 422)
    unkeyed = await answer(request({"name": "An"}, key=None), submit, subject=SUBJECT, keeper=keeper)
    assert unkeyed["ok"]
    assert unkeyed["data"]["id"] != first["data"]["id"]  # no key: as before, it runs
    # the same key of another caller, or for another operation, is another request
    assert (await answer(request({"name": "An"}), submit, subject="thidua.rpc.review.claim", keeper=keeper))["ok"]


@pytest.mark.asyncio
async def test_a_commit_whose_reply_failed_is_never_reported_as_not_done(engine: AsyncEngine) -> None:
    keeper = Keeper(engine, keys, FixedClock(NOW))
    reply = await answer(request({"name": "An"}), Submit(engine, fail_after_commit=True), subject=SUBJECT, keeper=keeper)
    assert (reply["error"]["code"], reply["error"]["status"]) == ("result_not_read", ServiceUnavailable.status)
    assert "đã được ghi nhận" in reply["error"]["title"]
    retry = Submit(engine)
    again = await answer(request({"name": "An"}), retry, subject=SUBJECT, keeper=keeper)
    assert (again["error"]["code"], again["error"]["status"]) == ("already_done", 409)
    assert (retry.runs, await count(engine)) == (0, 1)
    # without a key the reply is as honest: done, only not read back
    unkeyed = await answer(request({"name": "Cúc"}, key=None), Submit(engine, fail_after_commit=True), subject=SUBJECT)
    assert unkeyed["error"]["code"] == "result_not_read"


@pytest.mark.asyncio
async def test_a_repeat_while_the_first_runs_is_told_to_wait_and_a_dead_attempt_is_taken_over(engine: AsyncEngine) -> None:
    clock = FixedClock(NOW)
    keeper, gate = Keeper(engine, keys, clock), asyncio.Event()
    running = asyncio.create_task(answer(request({"name": "An"}), Submit(engine, wait=gate), subject=SUBJECT, keeper=keeper))
    await asyncio.sleep(0.2)
    twin = await answer(request({"name": "An"}), Submit(engine), subject=SUBJECT, keeper=keeper)
    assert (twin["error"]["code"], twin["error"]["status"]) == ("request_in_progress", 409)
    gate.set()
    assert (await running)["ok"]
    assert await count(engine) == 1
    # an attempt whose process died before committing stays in flight; after a while a repeat runs it
    async with engine.begin() as conn:
        await conn.execute(
            keys.insert().values(
                id=key_id(SUBMITTER.user_id, SUBJECT, "k-dead"),
                operation=SUBJECT,
                request_digest=params_digest({"name": "Bình"}),
                state="in_flight",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    dead = request({"name": "Bình"}, key="k-dead")
    early = await answer(dead, Submit(engine), subject=SUBJECT, keeper=keeper)
    assert early["error"]["code"] == "request_in_progress"
    clock.advance(timedelta(seconds=STALE_AFTER_SECONDS + 1))
    taken_over = Submit(engine)
    assert (await answer(dead, taken_over, subject=SUBJECT, keeper=keeper))["ok"]
    assert (taken_over.runs, await count(engine)) == (1, 2)


@pytest.mark.asyncio
async def test_an_attempt_that_wakes_up_after_a_repeat_took_its_key_over_writes_nothing(engine: AsyncEngine) -> None:
    clock = FixedClock(NOW)
    keeper, gate = Keeper(engine, keys, clock), asyncio.Event()
    stalled = Submit(engine, wait=gate)  # its process stopped (SIGSTOP) after it took the key, before it wrote
    first = asyncio.create_task(answer(request({"name": "An"}), stalled, subject=SUBJECT, keeper=keeper))
    await asyncio.sleep(0.2)
    clock.advance(timedelta(seconds=STALE_AFTER_SECONDS + 1))
    repeat = Submit(engine)
    taken_over = await answer(request({"name": "An"}), repeat, subject=SUBJECT, keeper=keeper)
    assert taken_over["ok"]
    gate.set()  # the process continues: its commit is refused, its transaction rolled back
    woke = await first
    assert (woke["ok"], woke["error"]["code"], woke["error"]["status"]) == (False, "request_superseded", 409)
    assert (stalled.runs, repeat.runs, await count(engine)) == (1, 1, 1)
    again = await answer(request({"name": "An"}), Submit(engine), subject=SUBJECT, keeper=keeper)
    assert again == taken_over  # the key's outcome is the repeat's, not overwritten by the superseded attempt
