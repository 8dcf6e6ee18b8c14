"""What awards' use cases need from the world beyond their store (`services.awards.store.port`): the unit directory
(registration's tree). `services/awards/unitdirectory.py` implements it on NATS; `tests/fakes/awards.py` in memory."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from shared.contracts.events import Actor
from shared.contracts.values import UnitRef


@dataclass(frozen=True)
class UnitPaths:
    sector: str | None
    paths: dict[date, list[UnitRef]]  # the unit first, up to the root; empty: the unit did not exist that day


class UnitDirectory(Protocol):
    """Registration's unit tree: a unit's path on given dates, and the tree's root."""

    async def paths(self, actor: Actor, code: str, dates: Set[date]) -> UnitPaths: ...

    async def root(self, actor: Actor) -> UnitRef: ...
