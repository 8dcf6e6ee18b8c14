"""How large a list reply can ever be: the largest possible item of a reply model, and a page of them as the bus
carries it (shared.platform.rpc.encode_reply), for every list the public API serves.

`maximal(model)` builds the worst item a model can describe: every string at its `max_length` and made of 4-byte
characters (the most UTF-8 spends on a character a request may carry: control characters other than line breaks
and tabs are refused on the way in, shared.contracts.values), every list at its `max_length` and full of maximal
items, every number at its widest, every optional field present. A string or list without a bound has no worst case,
so `maximal` refuses it (`Unbounded`): the contract must bound it.

`PAGES` lists the public API's lists; `page_table()` computes, for each, the bytes of a page of `PAGE_MAX` maximal
items, which a unit test holds under `MAX_REPLY_BYTES` with `MARGIN` to spare, and which docs/api.md shows.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import annotated_types
from pydantic import BaseModel, RootModel

from shared.contracts import paging, people
from shared.contracts.operations import Operation, RpcReply
from shared.contracts.operations import awards as awards_ops
from shared.contracts.operations import registration as registration_ops
from shared.contracts.operations import review as review_ops
from shared.platform.rpc import MAX_REPLY_BYTES, encode_reply

WIDEST_CHAR = "\U0001f3c6"  # 4 bytes in UTF-8, one character for max_length
WIDEST_INT = -(2**63)  # the widest a BIGINT column holds
WIDEST_MOMENT = dt.datetime(2100, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.timezone(-dt.timedelta(hours=10, minutes=30)))
# A page at its maximum must leave this share of the payload limit free (headers, a field added later, rounding).
MARGIN = 0.15


class Unbounded(TypeError):
    """A string, list or mapping of a reply with no bound: its worst case cannot be known."""


@dataclass(frozen=True)
class ListEndpoint:
    """One list of the public API: its path, the operation behind it, the reply's list field and the page maximum."""

    path: str
    operation: Operation[Any, Any]
    items: str
    page_max: int


PAGES: tuple[ListEndpoint, ...] = (
    ListEndpoint("/api/v1/nominations", registration_ops.LIST_NOMINATIONS, "items", paging.NOMINATIONS_PAGE_MAX),
    ListEndpoint("/api/v1/decisions", awards_ops.LIST_DECISIONS, "items", paging.DECISIONS_PAGE_MAX),
    ListEndpoint("/api/v1/drafts", awards_ops.LIST_DRAFTS, "items", paging.DRAFTS_PAGE_MAX),
    ListEndpoint("/api/v1/units/{unit_code}/outgoing-documents", awards_ops.OUTGOING_REGISTER, "items", paging.OUTGOING_PAGE_MAX),
    ListEndpoint("/api/v1/queues/{unit_code}/tasks", review_ops.LIST_QUEUE, "items", paging.QUEUE_PAGE_MAX),
    ListEndpoint("/api/v1/queues/{unit_code}/proposals", review_ops.LIST_PROPOSALS, "items", paging.PROPOSALS_PAGE_MAX),
    ListEndpoint("/api/v1/notifications", review_ops.NOTIFICATIONS, "items", paging.NOTIFICATIONS_PAGE_MAX),
    ListEndpoint("/api/v1/ops/stuck", registration_ops.OPS_STUCK, "items", paging.STUCK_PAGE_MAX),
    ListEndpoint("/api/v1/pledges", registration_ops.LIST_PLEDGES, "items", paging.PLEDGES_PAGE_MAX),
    ListEndpoint("/api/v1/people", registration_ops.LIST_PEOPLE, "items", people.PEOPLE_PAGE_MAX),
    ListEndpoint("(thidua ops) review.ops_queues", review_ops.OPS_QUEUES, "slowest", paging.OPS_QUEUES_PAGE_MAX),
)


@dataclass(frozen=True)
class PageSize:
    path: str
    page_max: int
    item_bytes: int
    page_bytes: int
    limit_bytes: int


def maximal(model: type[BaseModel], *, items: dict[str, int] | None = None) -> BaseModel:
    """The largest instance of `model`; `items` sets the length of some list fields (by name) instead of their bound."""
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        where = f"{model.__name__}.{name}"
        count = (items or {}).get(name)
        values[name] = _widest(field.annotation, list(field.metadata), where, count)
    if issubclass(model, RootModel):
        return model.model_construct(values["root"])
    return model.model_construct(**values)


def page_bytes(endpoint: ListEndpoint, count: int) -> int:
    """The bytes on the bus of the reply carrying `count` maximal items (and every other field at its widest)."""
    data = maximal(endpoint.operation.reply, items={endpoint.items: count}).model_dump(mode="json")
    return len(encode_reply(RpcReply(ok=True, data=data).model_dump(mode="json")))


def largest_page(endpoint: ListEndpoint) -> int:
    """How many maximal items fit with `MARGIN` to spare (the bound `page_max` must not exceed)."""
    budget = MAX_REPLY_BYTES * (1 - MARGIN)
    empty, one = page_bytes(endpoint, 0), page_bytes(endpoint, 1)
    return int((budget - empty) // max(one - empty, 1))


def page_table() -> list[PageSize]:
    rows = []
    for endpoint in PAGES:
        one, empty = page_bytes(endpoint, 1), page_bytes(endpoint, 0)
        rows.append(
            PageSize(endpoint.path, endpoint.page_max, one - empty, page_bytes(endpoint, endpoint.page_max), MAX_REPLY_BYTES)
        )
    return rows


def markdown_table() -> str:
    lines = [
        "| endpoint | max page size | bytes of the largest possible item | bytes of the largest possible page | limit |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| `{r.path}` | {r.page_max} | {r.item_bytes:,} | {r.page_bytes:,} | {r.limit_bytes:,} |".replace(",", " ")
        for r in page_table()
    ]
    return "\n".join(lines)


def _bound(metadata: list[Any], where: str) -> int:
    for m in metadata:
        if isinstance(m, annotated_types.MaxLen):
            return int(m.max_length)
        max_length = getattr(m, "max_length", None)
        if isinstance(max_length, int):
            return max_length
    raise Unbounded(f"{where} has no max_length")


def _widest(tp: Any, metadata: list[Any], where: str, count: int | None = None) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(tp)
        for m in extra:
            metadata = [*metadata, *(getattr(m, "metadata", None) or [m])]
        return _widest(inner, metadata, where, count)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        candidates = [_widest(a, metadata, where, count) for a in options]
        return max(candidates, key=lambda v: len(_json(v)))
    if origin is typing.Literal:
        return max(typing.get_args(tp), key=lambda v: len(_json(v)))
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return max(tp, key=lambda member: len(_json(member.value)))
    if origin in (list, tuple):
        args = typing.get_args(tp)
        n = count if count is not None else _bound(metadata, where)
        return [_widest(args[0], [], f"{where}[]") for _ in range(n)]
    if origin is dict and typing.get_origin(typing.get_args(tp)[0]) is typing.Literal:  # one entry per possible key
        key_type, value_type = typing.get_args(tp)
        return {key: _widest(value_type, [], f"{where}[{key}]") for key in typing.get_args(key_type)}
    if origin is dict or tp is dict or tp is Any:
        raise Unbounded(f"{where} is a mapping or Any: give it a model with bounded fields")
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return maximal(tp)
    if tp is str:
        return WIDEST_CHAR * _bound(metadata, where)
    if tp in _WIDEST_SCALARS:
        return _WIDEST_SCALARS[tp]
    raise Unbounded(f"{where}: no worst case known for {tp!r}")


_WIDEST_SCALARS: dict[Any, Any] = {
    bool: False,
    int: WIDEST_INT,
    float: Decimal("-9223372036854775.807"),
    Decimal: Decimal("-9223372036854775.807"),
    dt.datetime: WIDEST_MOMENT,
    dt.date: dt.date(2100, 12, 31),
    uuid.UUID: uuid.UUID(int=0),
}


def _json(value: Any) -> str:
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    return repr(value)


if __name__ == "__main__":  # python -m shared.platform.replysize: the table docs/api.md shows
    print(markdown_table())
