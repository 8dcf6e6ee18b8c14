"""What every registration use case is given: a unit of work on the store, the clock, the rules in force, and the
dossier's files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from services.registration.attachments import DossierFiles
from services.registration.domain.emulation import EmulationRules, parse_rules
from services.registration.store import SqlUnitOfWork, UnitOfWork
from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import Clock
from shared.platform.service import ServiceContext
from shared.rules.rulebook import Rulebook


@dataclass(frozen=True)
class RegistrationContext:
    uow: UnitOfWork
    clock: Clock
    rules: Rulebook  # the catalogue, attachment and eligibility rules the composition root chose
    files: DossierFiles | None = None  # registration's side of the Object Store; None: no file can be taken

    @classmethod
    def of(cls, service: ServiceContext, files: DossierFiles | None = None) -> RegistrationContext:
        """The use cases' context on the service's database, its clock and its outbox relay."""
        return cls(uow=SqlUnitOfWork(service.engine), clock=service.clock, rules=service.rules, files=files)

    def today(self) -> date:
        """Today in Việt Nam, where deadlines and windows are dated."""
        return self.clock.now().astimezone(VIETNAM_TZ).date()


@cache
def emulation_rules_of(rules: Rulebook) -> EmulationRules:
    """The pledge and cluster rules of the emulation file the Rulebook names, read once per Rulebook."""
    return parse_rules(rules.rule_file(rules.emulation_rules))
