"""Every RPC operation, declared once: who answers it, its name, its request model and its reply model.

The portal (and any other caller) and the answering service share one declaration, so a request is checked
against the same model on both sides and the reply has a documented shape (the portal's OpenAPI reuses it).
A reply that is a list is a `RootModel`, so the JSON on the wire is the list itself.

The envelope around every request and reply is here too: `RpcRequest` carries the caller (`actor`) and the
operation's parameters; `RpcReply` carries either the data or an error with a stable code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.actors import Actor
from shared.contracts.errors import DomainError, FieldError
from shared.contracts.subjects import rpc_subject

RequestT = TypeVar("RequestT", bound=BaseModel)
ReplyT = TypeVar("ReplyT", bound=BaseModel)

SERVICE_NAMES_VI = {"registration": "Tiếp nhận hồ sơ", "review": "Xét duyệt", "awards": "Khen thưởng", "notifier": "Gửi thư"}


@dataclass(frozen=True)
class Operation(Generic[RequestT, ReplyT]):
    """`thidua.rpc.<service>.<name>`: what it takes and what it answers."""

    service: str
    name: str
    request: type[RequestT]
    reply: type[ReplyT]

    @property
    def subject(self) -> str:
        return rpc_subject(self.service, self.name)


class NoParams(BaseModel):
    """The request of an operation that takes nothing but its caller."""

    model_config = ConfigDict(extra="forbid")


class RpcRequest(BaseModel):
    # `actor` is who the caller says it acts for; `assertion` proves it: a short-lived token signed by the
    # issuer (the portal, or a service for its own calls), bound to the operation and these parameters. The
    # answering service believes the assertion only (shared.platform.assertions).
    actor: Actor
    params: dict[str, Any] = {}
    assertion: str | None = None
    # The client's `Idempotency-Key`: the same key for the same operation and parameters gets the first outcome.
    idempotency_key: str | None = Field(default=None, pattern=r"^[\x21-\x7e]{1,100}$")


class RpcError(BaseModel):
    code: str
    title: str
    status: int
    fields: list[FieldError] = []


class RemoteError(DomainError):
    """An error a service replied with, raised again on the caller's side with the same code."""

    def __init__(self, error: RpcError) -> None:
        self.status = error.status
        super().__init__(error.title, fields=error.fields, code=error.code)


class SpilledReply(BaseModel):
    """Where a reply too large for one bus message waits for its caller: an object of the answering service's
    replies bucket (`subjects.replies_bucket`), kept a few minutes."""

    bucket: str
    name: str
    bytes: int


class SpilledPointer(BaseModel):
    """The small reply sent instead of one too large for the bus: `{"ok": true, "spilled": {...}}`; the object holds
    the whole `RpcReply` as JSON."""

    ok: bool
    spilled: SpilledReply


class RpcReply(BaseModel):
    ok: bool
    data: Any = None
    error: RpcError | None = None
