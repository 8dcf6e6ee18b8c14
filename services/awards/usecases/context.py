"""What every awards use case gets from the composition root: a way to open a unit of work, the clock, the
settings it reads, the relay's wake-up call, the rules in force and the document signer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from services.awards.domain.legal_basis import LegalBasisFile, parse_legal_basis
from services.awards.store.port import UnitOfWork
from services.awards.store.sql import SqlUnitOfWork
from services.awards.usecases.ports import DocumentSigner
from shared.platform.clock import Clock
from shared.platform.pdfsigning import SigningKeys, UnitSigner
from shared.platform.service import ServiceContext
from shared.rules.rulebook import Rulebook


@dataclass(frozen=True)
class AwardsContext:
    unit_of_work: Callable[[], UnitOfWork]
    clock: Clock
    base_salary_vnd: int | None  # fixed by configuration; None: the dated parameter in force
    rules: Rulebook  # the award catalogues and rule files the composition root chose
    signer: DocumentSigner  # signs a document with its issuer's key when its officer signs it
    read_only: Callable[[], UnitOfWork] | None = None  # for `reading`; by default a unit of work like any other

    @classmethod
    def of(cls, ctx: ServiceContext) -> AwardsContext:
        """Awards over its own database."""

        return cls(
            unit_of_work=lambda: SqlUnitOfWork(ctx.engine),
            clock=ctx.clock,
            base_salary_vnd=ctx.settings.base_salary_vnd,
            rules=ctx.rules,
            signer=UnitSigner(SigningKeys.from_settings(ctx.settings)),
            read_only=lambda: SqlUnitOfWork(ctx.engine, reads_only=True),
        )

    def reading(self) -> UnitOfWork:
        """A unit of work for a query that writes nothing (a list, a decision, a document, a report): on SQLite it
        neither waits for nor holds the write lock that numbering and signing hold, and it cannot write."""
        return (self.read_only or self.unit_of_work)()

    @property
    def legal_basis(self) -> LegalBasisFile:
        """What documents cite and who signs them, from the file the Rulebook names."""
        return legal_basis_of(self.rules)


@cache
def legal_basis_of(rules: Rulebook) -> LegalBasisFile:
    """The legal basis configuration of the file the Rulebook names (`legal_basis_rules`), read once per Rulebook."""
    return parse_legal_basis(rules.rule_file(rules.legal_basis_rules))
