"""Safe retries: a state-changing request sent again with the same `Idempotency-Key` gets the first outcome.

The key (per caller and operation) is recorded in the answering service's own database, in three states:
- `in_flight`: the first attempt is running. A repeat is told so (409 `request_in_progress`, retry in a moment);
  an attempt in flight longer than `STALE_AFTER_SECONDS` (its process died, or is stopped) is taken over by the
  repeat. Each attempt holds a fence (the record's `updated_at` when it took the key); only the attempt whose fence
  is still the record's may mark it committed, so a superseded attempt that wakes up is refused at its commit and
  rolls back: whoever took the key last, at most one attempt's effects are ever written.
- `committed`: written **in the same transaction as the operation's effects** (each service's unit of work calls
  `mark_committed` before it commits). So a key is never "committed" without the effect, nor the effect without it.
- `done`: the reply is stored; a repeat gets it again, byte for byte, whether it was a success or a refusal.
A request without a key is answered as before. Keys older than `KEEP_FOR` are forgotten.

Independently of keys, `answer()` learns whether the operation committed (`request_state`): a transient failure
after the commit (the reply's re-read failed) is reported as "recorded, result not shown", never as "not done".
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.contracts.errors import Conflict
from shared.platform.clock import Clock
from shared.platform.db import UtcDateTime

log = logging.getLogger("thidua.idempotency")

KEEP_FOR = timedelta(hours=24)
# Longer than a caller waits for a reply (the portal: 10 s), so that a twin of an attempt being answered is told to
# wait; short, so that a client retrying after a replica died is not kept waiting: the fence keeps it safe.
STALE_AFTER_SECONDS = 15.0
MAX_KEY_LENGTH = 100

State = Literal["in_flight", "committed", "done"]


TABLE = "idempotency_keys"


def columns() -> list[sa.Column[Any]]:
    """The table's columns, for the service's metadata and for its Alembic migration alike."""
    return [
        sa.Column("id", sa.String(64), primary_key=True),  # sha256(caller, operation, key)
        sa.Column("operation", sa.String(120), nullable=False),
        sa.Column("request_digest", sa.String(64), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("reply", sa.JSON, nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
    ]


def idempotency_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(TABLE, metadata, *columns())


@dataclass
class RequestState:
    """What `answer()` and the service's unit of work share about one request being answered."""

    key_id: str | None = None  # the idempotency record of this request, if it carries a key
    fence: datetime | None = None  # the record's `updated_at` when this attempt took the key
    committed: bool = False  # the operation's transaction committed


request_state: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar("thidua_request_state", default=None)
# The key of the request a caller is handling (the portal: an API call's `Idempotency-Key`, a console form's hidden
# field): `RpcClient` sends it with every request it makes on that request's behalf.
outgoing_key: contextvars.ContextVar[str | None] = contextvars.ContextVar("thidua_idempotency_key", default=None)
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"


async def mark_committed(conn: AsyncConnection, table: sa.Table) -> None:
    """Called by a service's unit of work inside its transaction, just before it commits."""
    state = request_state.get()
    if state is None:
        return
    if state.key_id is not None and not state.committed:  # (a second unit of work of the same request: already ours)
        marked = await conn.execute(
            table.update()
            .where(table.c.id == state.key_id, table.c.state == "in_flight", table.c.updated_at == state.fence)
            .values(state="committed")
        )
        if marked.rowcount != 1:  # a repeat took the key over while this attempt was stopped or stalled
            log.warning("idempotency.superseded")
            raise Superseded()
    state.committed = True  # set before the commit: if the commit itself fails, the reply says "unknown"


class Superseded(Conflict):
    """This attempt's key was taken over by a repeat of the request (it outlived `STALE_AFTER_SECONDS`): the repeat's
    outcome is the request's, this attempt writes nothing."""

    code = "request_superseded"
    title = "Yêu cầu này đã được một lần gửi lại (cùng Idempotency-Key) thực hiện thay; hãy tải lại để xem kết quả"


def key_id(user_id: str, operation: str, key: str) -> str:
    return hashlib.sha256(f"{user_id}\x1f{operation}\x1f{key}".encode()).hexdigest()


@dataclass(frozen=True)
class Earlier:
    """What a repeat gets instead of running again."""

    state: State | Literal["in_progress", "mismatch"]
    reply: dict[str, Any] | None = None


@dataclass(frozen=True)
class Attempt:
    """This attempt runs the request: it holds the key with `fence` (see `mark_committed`)."""

    fence: datetime


class Keeper:
    """The idempotency records of one service, in its database."""

    def __init__(self, engine: AsyncEngine, table: sa.Table, clock: Clock) -> None:
        self.engine = engine
        self.table = table
        self.clock = clock  # business time is fine here: keys only need an order and an age
        self._last_purge: datetime | None = None

    async def begin(self, kid: str, operation: str, request_digest: str) -> Earlier | Attempt:
        """An `Attempt`: this one runs (the record is now `in_flight`, with its fence); else what an earlier one left."""
        now = self.clock.now()
        await self._purge(now)
        t = self.table
        async with self.engine.begin() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == kid))).mappings().first()
            if row is None:
                try:
                    async with conn.begin_nested():
                        await conn.execute(
                            t.insert().values(
                                id=kid,
                                operation=operation,
                                request_digest=request_digest,
                                state="in_flight",
                                created_at=now,
                                updated_at=now,
                            )
                        )
                except IntegrityError:  # a twin request inserted it a moment ago
                    return Earlier("in_progress")
                return Attempt(now)
            if row["request_digest"] != request_digest or row["operation"] != operation:
                return Earlier("mismatch")
            if row["state"] == "done":
                return Earlier("done", row["reply"])
            if row["state"] == "committed":
                return Earlier("committed")
            if (now - row["updated_at"]).total_seconds() < STALE_AFTER_SECONDS:
                return Earlier("in_progress")
            # its process died or is stopped: run it now; should the earlier attempt wake up, its fence is stale
            fence = max(now, row["updated_at"] + timedelta(microseconds=1))
            taken = await conn.execute(
                t.update()
                .where(t.c.id == kid, t.c.state == "in_flight", t.c.updated_at == row["updated_at"])
                .values(updated_at=fence)
            )
            if taken.rowcount != 1:  # it committed, or another repeat took it over, a moment ago
                return Earlier("in_progress")
            log.warning("idempotency.taken_over", extra={"operation": operation})
            return Attempt(fence)

    async def finish(self, kid: str, fence: datetime, reply: dict[str, Any], *, transient: bool) -> None:
        """Keep the reply for repeats; after a transient failure keep only the fact (committed or not). Only while
        the key is still this attempt's (`fence`): a superseded attempt leaves the record to the one that took it."""
        t = self.table
        ours = (t.c.id == kid) & (t.c.updated_at == fence)
        async with self.engine.begin() as conn:
            if transient:  # nothing to replay: an uncommitted attempt is forgotten, a committed one stays committed
                await conn.execute(t.delete().where(ours, t.c.state == "in_flight"))
                return
            await conn.execute(t.update().where(ours).values(state="done", reply=reply, updated_at=self.clock.now()))

    async def _purge(self, now: datetime) -> None:
        if self._last_purge is not None and (now - self._last_purge).total_seconds() < 60:
            return
        self._last_purge = now
        async with self.engine.begin() as conn:
            await conn.execute(self.table.delete().where(self.table.c.created_at < now - KEEP_FOR))
