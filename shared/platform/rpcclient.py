"""The one way to call another service's RPC operation: NATS request/reply with the caller as an `Actor`."""

from __future__ import annotations

from typing import Any

import nats.errors
from faststream.nats import NatsBroker
from pydantic import ValidationError

from shared.contracts.errors import ServiceUnavailable
from shared.contracts.events import Actor
from shared.contracts.operations import (
    SERVICE_NAMES_VI,
    Operation,
    RemoteError,
    ReplyT,
    RequestT,
    RpcReply,
    RpcRequest,
    SpilledPointer,
)
from shared.contracts.subjects import rpc_subject
from shared.platform.assertions import Signer
from shared.platform.idempotency import outgoing_key
from shared.platform.largereplies import LargeReplies

DEFAULT_TIMEOUT_SECONDS = 10.0


class RpcClient:
    """Sends requests over the service's own broker connection; a service that does not answer is `ServiceUnavailable`."""

    def __init__(
        self, broker: NatsBroker, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS, signer: Signer | None = None
    ) -> None:
        self.broker = broker
        self.timeout_seconds = timeout_seconds
        self.signer = signer  # proves the actor to the answering service (shared.platform.assertions)
        # replies kept in the object store; a lambda: the broker connects after this is built
        self.large = LargeReplies(lambda: broker.connection.jetstream())  # noqa: PLW0108

    async def call(self, operation: Operation[RequestT, ReplyT], actor: Actor, request: RequestT) -> ReplyT:
        data = await self._request(operation.service, operation.subject, actor, request.model_dump(mode="json"))
        return operation.reply.model_validate(data)

    async def call_untyped(self, service: str, operation: str, actor: Actor, params: dict[str, Any] | None = None) -> Any:
        """For the operations not yet declared in `shared.contracts.operations`: the reply's data as JSON values."""
        return await self._request(service, rpc_subject(service, operation), actor, params or {})

    async def _request(self, service: str, subject: str, actor: Actor, params: dict[str, Any]) -> Any:
        request = RpcRequest(actor=actor, params=params, idempotency_key=outgoing_key.get())
        if self.signer is not None:  # signed as the service will read them: the parameters as JSON values
            wire_params = request.model_dump(mode="json")["params"]
            request = request.model_copy(update={"assertion": self.signer.sign(actor, subject, wire_params)})
        body = request.model_dump_json().encode()
        try:
            message = await self.broker.request(body, subject, timeout=self.timeout_seconds)
            decoded = await message.decode()
            spilled = isinstance(decoded, dict) and "spilled" in decoded  # too large for one message: kept elsewhere
            pointer = SpilledPointer.model_validate(decoded) if spilled else None
            reply = RpcReply.model_validate(decoded) if pointer is None else RpcReply(ok=False)
        except (TimeoutError, nats.errors.TimeoutError) as exc:  # it may be running it still, or have done it
            raise ServiceUnavailable(
                f"Dịch vụ “{SERVICE_NAMES_VI.get(service, service)}” không trả lời kịp: chưa xác định được yêu cầu đã được "
                "thực hiện hay chưa. Hãy tải lại để kiểm tra trước khi làm lại (gửi lại với cùng Idempotency-Key thì an toàn)",
                code="outcome_unknown",
            ) from exc
        except (nats.errors.Error, ValidationError) as exc:  # no instance took it (no responders), or a garbled reply
            raise ServiceUnavailable(
                f"Dịch vụ “{SERVICE_NAMES_VI.get(service, service)}” tạm thời không phản hồi, vui lòng thử lại sau"
            ) from exc
        if pointer is not None:  # read where the service kept it
            try:
                reply = await self.large.fetch(pointer.spilled)
            except Exception as exc:
                raise ServiceUnavailable(
                    f"Không đọc được kết quả (lớn) của dịch vụ “{SERVICE_NAMES_VI.get(service, service)}”, vui lòng thử lại"
                ) from exc
        if reply.ok:
            return reply.data
        assert reply.error is not None
        raise RemoteError(reply.error)
