"""What every review use case runs with: the clock, and a fresh unit of work for each command or reaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.review.store.port import UnitOfWork
from services.review.store.sql import SqlUnitOfWork
from shared.platform.clock import Clock
from shared.platform.service import ServiceContext
from shared.rules.rulebook import Rulebook

CONSUMER = "review"  # the inbox's name for review's reactions


@dataclass(frozen=True)
class ReviewContext:
    clock: Clock
    unit_of_work: Callable[[], UnitOfWork]
    rules: Rulebook  # the award catalogues the composition root chose
    read_only: Callable[[], UnitOfWork] | None = None  # for `reading`; by default a unit of work like any other

    @classmethod
    def of(cls, ctx: ServiceContext) -> ReviewContext:
        """Review over its own database."""
        return cls(
            clock=ctx.clock,
            unit_of_work=lambda: SqlUnitOfWork(ctx.engine),
            rules=ctx.rules,
            read_only=lambda: SqlUnitOfWork(ctx.engine, reads_only=True),
        )

    def reading(self) -> UnitOfWork:
        """A unit of work for a query that writes nothing (a queue page, a task, a list): on SQLite it neither waits for
        nor holds the write lock the commands and reactions queue on, and it cannot write."""
        return (self.read_only or self.unit_of_work)()
