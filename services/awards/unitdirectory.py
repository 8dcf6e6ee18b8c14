"""Awards asks registration, which owns the unit tree, for a unit's path on given dates (request/reply over NATS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import nats.errors
from faststream.nats import NatsBroker
from pydantic import ValidationError

from shared.contracts.errors import ServiceUnavailable
from shared.contracts.events import Actor
from shared.contracts.subjects import rpc_subject
from shared.contracts.values import UnitRef
from shared.platform.rpc import RemoteError, RpcReply, RpcRequest

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class UnitPaths:
    sector: str | None
    paths: dict[date, list[UnitRef]]  # empty list: the unit did not exist that day


class UnitDirectory:
    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker

    async def paths(self, actor: Actor, code: str, dates: set[date]) -> UnitPaths:
        request = RpcRequest(actor=actor, params={"code": code, "dates": sorted(d.isoformat() for d in dates)})
        try:
            message = await self.broker.request(
                request.model_dump_json().encode(), rpc_subject("registration", "unit_paths"), timeout=TIMEOUT_SECONDS
            )
            reply = RpcReply.model_validate(await message.decode())
        except (TimeoutError, nats.errors.Error, ValidationError) as exc:
            raise ServiceUnavailable("Dịch vụ “Tiếp nhận hồ sơ” không trả lời về cây đơn vị, vui lòng thử lại sau") from exc
        if not reply.ok:
            assert reply.error is not None
            raise RemoteError(reply.error)
        data: dict[str, Any] = reply.data
        return UnitPaths(
            sector=data.get("sector"),
            paths={date.fromisoformat(d): [UnitRef.model_validate(u) for u in path] for d, path in data["paths"].items()},
        )
