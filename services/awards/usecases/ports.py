"""What awards' use cases need from the world beyond their store (`services.awards.store.port`): the unit directory
(registration's tree) and the document signer (the units' keys). `services/awards/unitdirectory.py` implements the
first on NATS, `shared.platform.pdfsigning.UnitSigner` the second with pyHanko; `tests/fakes/awards.py` both in memory."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from shared.contracts.events import Actor
from shared.contracts.values import UnitRef
from shared.platform.pdfsigning import SignedPdf


@dataclass(frozen=True)
class UnitPaths:
    sector: str | None
    paths: dict[date, list[UnitRef]]  # the unit first, up to the root; empty: the unit did not exist that day


class UnitDirectory(Protocol):
    """Registration's unit tree: a unit's path on given dates, and the tree's root."""

    async def paths(self, actor: Actor, code: str, dates: Set[date]) -> UnitPaths: ...

    async def root(self, actor: Actor) -> UnitRef: ...


class DocumentSigner(Protocol):
    """Signs a rendered document with the issuing unit's key: `shared.platform.pdfsigning.UnitSigner` (PAdES with
    pyHanko); raises `SigningKeyError` when the unit has no usable key."""

    async def sign(self, pdf: bytes, *, unit_code: str, signer_name: str, reason: str, location: str) -> SignedPdf: ...
