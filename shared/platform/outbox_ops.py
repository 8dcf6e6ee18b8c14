"""Seeing and retrying a service's outbox; the RPC operations every service (and the portal) exposes.

Each outbox lives in its owner's database, so repair goes through the owner. The relay already
retries a pending row at every poll and records `attempts` and `last_error` on each failure (it stops
at the first failing row, to keep order). "Retry" therefore means: the cause is fixed, forget the
failures counted so far and publish now (the relay wakes when that transaction ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.contracts.events import Actor
from shared.platform.db import reading
from shared.platform.observability import require_operations
from shared.platform.outbox import mark_outbox_written, outbox_backlog
from shared.platform.rpc import RpcOperation
from shared.platform.service import ServiceContext

FAILING_SHOWN = 20


class OutboxRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    event_id: str
    subject: str
    created_at: datetime
    attempts: int
    last_error: str | None


class OutboxStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    pending: int
    oldest_pending_at: datetime | None
    oldest_pending_age_seconds: float | None
    failing_count: int  # pending rows whose publication failed at least once
    failing: list[OutboxRow]  # the first of them, oldest first


class RetryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(default=None, max_length=1000)


async def outbox_status(
    engine: AsyncEngine, table: sa.Table, now: datetime, *, failing_shown: int = FAILING_SHOWN
) -> OutboxStatus:
    count, oldest_at = await outbox_backlog(engine, table)
    failing = sa.and_(table.c.published_at.is_(None), table.c.attempts > 0)
    async with reading(engine) as conn:
        failing_count = await conn.scalar(sa.select(sa.func.count()).select_from(table).where(failing))
        rows = (
            await conn.execute(
                sa.select(table.c.id, table.c.event_id, table.c.subject, table.c.created_at, table.c.attempts, table.c.last_error)
                .where(failing)
                .order_by(table.c.id)
                .limit(failing_shown)
            )
        ).mappings()
        shown = [OutboxRow.model_validate(dict(r)) for r in rows]
    return OutboxStatus(
        pending=count,
        oldest_pending_at=oldest_at,
        oldest_pending_age_seconds=max(0.0, (now - oldest_at).total_seconds()) if oldest_at else None,
        failing_count=int(failing_count or 0),
        failing=shown,
    )


async def outbox_retry(engine: AsyncEngine, table: sa.Table, ids: Sequence[int] | None = None) -> int:
    """Clear the failure count of pending rows (these ids, or every failing one); how many were cleared."""
    where = [table.c.published_at.is_(None), table.c.attempts > 0]
    if ids is not None:
        where.append(table.c.id.in_(list(ids)))
    async with engine.begin() as conn:
        result = await conn.execute(table.update().where(*where).values(attempts=0, last_error=None))
        if result.rowcount:
            mark_outbox_written(conn)  # the relay tries them at once, not at its next retry
    return int(result.rowcount or 0)


def outbox_operations(ctx: ServiceContext, table: sa.Table) -> dict[str, RpcOperation]:
    """`ops_outbox_status` and `ops_outbox_retry` for a service's RPC table."""

    async def status(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        require_operations(actor)
        return (await outbox_status(ctx.engine, table, ctx.clock.now())).model_dump(mode="json")

    async def retry(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        require_operations(actor)
        request = RetryParams.model_validate(params)
        retried = await outbox_retry(ctx.engine, table, request.ids)
        return {"retried": retried}

    return {"ops_outbox_status": status, "ops_outbox_retry": retry}
