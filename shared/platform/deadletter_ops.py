"""`ops_dlq_retry`: the ops page repairs a dead letter through the service whose consumer gave up on it. That
service runs its own handler again (only that consumer gets the event), so no other NATS user needs the right
to publish another service's events. Removing the letter and recording who did it in OPS_AUDIT is the
operator tools' part (shared.platform.deadletters.retry, discard): a service may do neither."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nats.js import JetStreamContext
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.errors import Conflict
from shared.contracts.events import Actor
from shared.platform import deadletters
from shared.platform.messaging import consumers_of
from shared.platform.observability import require_operations
from shared.platform.rpc import RpcOperation
from shared.platform.service import ServiceContext


class DeadLetterRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1)


def dead_letter_operations(ctx: ServiceContext, jetstream: Callable[[], JetStreamContext]) -> dict[str, RpcOperation]:
    service = ctx.settings.service

    async def own_letter(seq: int) -> deadletters.DeadLetter:
        letter = await deadletters.get_dead_letter(jetstream(), seq)
        if letter.service != service:
            raise Conflict(
                f"Thư lỗi số {seq} thuộc dịch vụ {letter.service}, không phải {service}", code="dead_letter_other_service"
            )
        return letter

    async def retry(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
        require_operations(actor)
        letter = await own_letter(DeadLetterRef.model_validate(params).seq)
        consumer = consumers_of.get(ctx.registry, {}).get(letter.consumer)
        if consumer is None:
            raise Conflict(f"Dịch vụ {service} không còn consumer {letter.consumer}", code="dead_letter_other_consumer")
        await consumer.retry_dead_letter(letter)
        return {"seq": letter.seq, "handled": True}

    return {"ops_dlq_retry": retry}
