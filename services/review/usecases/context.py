"""What every review use case runs with: a unit of work on the service's database."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.review.store.port import UnitOfWork
from services.review.store.sql import SqlUnitOfWork
from shared.platform.service import ServiceContext

CONSUMER = "review"  # the inbox's name for review's reactions


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def unit_of_work(ctx: ServiceContext) -> UnitOfWork:
    return SqlUnitOfWork(ctx.engine, ctx.outbox_written)
