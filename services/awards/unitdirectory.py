"""Awards asks registration, which owns the unit tree, for a unit's path on given dates (request/reply over NATS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from faststream.nats import NatsBroker

from shared.contracts.events import Actor
from shared.contracts.values import UnitRef
from shared.platform.rpcclient import RpcClient


@dataclass(frozen=True)
class UnitPaths:
    sector: str | None
    paths: dict[date, list[UnitRef]]  # empty list: the unit did not exist that day


class UnitDirectory:
    def __init__(self, broker: NatsBroker) -> None:
        self.rpc = RpcClient(broker)

    async def paths(self, actor: Actor, code: str, dates: set[date]) -> UnitPaths:
        params = {"code": code, "dates": sorted(d.isoformat() for d in dates)}
        reply = await self.rpc.call_untyped("registration", "unit_paths", actor, params)
        data: dict[str, Any] = reply
        return UnitPaths(
            sector=data.get("sector"),
            paths={date.fromisoformat(d): [UnitRef.model_validate(u) for u in path] for d, path in data["paths"].items()},
        )
