"""Awards asks registration, which owns the unit tree, for a unit's path on given dates (request/reply over NATS).

Awards keeps no copy of the tree and reads no unit file: a decision takes the paths its approval event carries, and
what no event carries (the grassroots register's units, the parent of an old decision's issuer) comes from here.
"""

from __future__ import annotations

from collections.abc import Set
from datetime import date

from faststream.nats import NatsBroker
from pydantic import BaseModel

from services.awards.usecases.ports import UnitPaths
from shared.contracts.events import Actor
from shared.contracts.operations import Operation
from shared.contracts.values import UnitRef
from shared.platform.assertions import Signer
from shared.platform.rpcclient import RpcClient


class UnitPathsQuery(BaseModel):
    """What registration checks (its limits are its own: a request it refuses comes back as its error)."""

    code: str
    dates: list[date]


class UnitPathsReply(BaseModel):
    sector: str | None = None
    paths: dict[date, list[UnitRef]]  # the unit first, up to the root; empty: the unit did not exist that day


# Registration's operation as awards calls it; registration's own declaration will replace this one.
UNIT_PATHS = Operation(service="registration", name="unit_paths", request=UnitPathsQuery, reply=UnitPathsReply)


class NoParams(BaseModel):
    pass


UNIT_ROOT = Operation(service="registration", name="unit_root", request=NoParams, reply=UnitRef)


class RpcUnitDirectory:
    """The unit directory over NATS (`services.awards.usecases.ports.UnitDirectory`)."""

    def __init__(self, broker: NatsBroker, signer: Signer | None = None) -> None:
        self.rpc = RpcClient(broker, signer=signer)  # awards' own key: registration answers it for these operations only
        self._root: UnitRef | None = None  # the top of the union's hierarchy: asked once

    async def paths(self, actor: Actor, code: str, dates: Set[date]) -> UnitPaths:
        reply = await self.rpc.call(UNIT_PATHS, actor, UnitPathsQuery(code=code, dates=sorted(dates)))
        return UnitPaths(sector=reply.sector, paths=reply.paths)

    async def root(self, actor: Actor) -> UnitRef:
        if self._root is None:
            self._root = await self.rpc.call(UNIT_ROOT, actor, NoParams())
        return self._root
