"""Pages of a list, sized so that the reply always fits in one bus message, and the cursors that walk them.

Every list reply travels in one NATS message, and NATS refuses a message over its max_payload (1 MB). Each list
therefore has a maximum page size (`PAGE_MAX`), derived from its largest possible item (every string at its bound,
every nested list full; shared.platform.replysize computes it and a unit test holds the constants to it). A request
for more is refused before any query is run.

The big lists are walked with a cursor (keyset pagination): the reply's `next_cursor` names the last item it
carried, and the next request asks for what comes after it. Items added or removed meanwhile never shift a page,
so a walk sees no item twice and skips none that existed when it began. A cursor is opaque: the position and the
filters it was made for, with a checksum, so that a cursor edited by hand, cut short or reused with other filters is
refused (`cursor_invalid`, 422) rather than read as another position. It is not a secret: whoever forges one still
sees only what the filters and their own scope allow.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import Field

from shared.contracts.errors import FieldError, ValidationFailed

# The largest page each list serves (items per reply); docs/api.md has the table with their sizes.
NOMINATIONS_PAGE_MAX = 80
DECISIONS_PAGE_MAX = 50
DRAFTS_PAGE_MAX = 50
OUTGOING_PAGE_MAX = 60
QUEUE_PAGE_MAX = 75
PROPOSALS_PAGE_MAX = 100
NOTIFICATIONS_PAGE_MAX = 200
STUCK_PAGE_MAX = 100
OPS_QUEUES_PAGE_MAX = 100
PLEDGES_PAGE_MAX = 10

CURSOR_MAX_LENGTH = 400
Cursor = Annotated[str, Field(min_length=1, max_length=CURSOR_MAX_LENGTH, description="Vị trí trang tiếp theo (next_cursor)")]

_VERSION = 1
_CHECKSUM_BYTES = 12
Position = list[str | int]
RowT = TypeVar("RowT")


class CursorInvalid(ValidationFailed):
    code = "cursor_invalid"

    def __init__(self, field: str = "cursor") -> None:
        message = "Con trỏ trang không hợp lệ hoặc đã bị sửa; hãy bắt đầu lại từ trang đầu (bỏ tham số cursor)"
        super().__init__(message, fields=[FieldError(field=field, message=message)])


class PageTooLarge(ValidationFailed):
    code = "limit_too_large"

    def __init__(self, maximum: int, field: str = "limit") -> None:
        message = f"Mỗi trang tối đa {maximum} mục; hãy dùng limit nhỏ hơn hoặc bằng {maximum} và next_cursor để lấy tiếp"
        super().__init__(message, fields=[FieldError(field=field, message=message)])


def scope_of(list_name: str, filters: dict[str, Any]) -> str:
    """What a cursor is bound to: the list and its filters (not the page size, which may change during a walk)."""
    return json.dumps([list_name, {k: v for k, v in sorted(filters.items()) if v is not None}], separators=(",", ":"))


def _checksum(scope: str, body: bytes) -> bytes:
    return hashlib.sha256(b"thidua-cursor\x00" + scope.encode() + b"\x00" + body).digest()[:_CHECKSUM_BYTES]


def encode_cursor(position: Position, scope: str) -> str:
    """The opaque cursor for the item at `position` (its sort key) in the list `scope` names."""
    body = json.dumps([_VERSION, position], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(body + _checksum(scope, body)).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str, *, shape: tuple[type, ...]) -> Position:
    """The position a cursor names, or `CursorInvalid` when it was not made by `encode_cursor` for this `scope` or its
    position does not have `shape` (the types of the sort key, in order)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise CursorInvalid() from None
    if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:  # one spelling only (no ignored bits, no padding)
        raise CursorInvalid()
    body, checksum = raw[:-_CHECKSUM_BYTES], raw[-_CHECKSUM_BYTES:]
    if len(raw) <= _CHECKSUM_BYTES or checksum != _checksum(scope, body):
        raise CursorInvalid()
    try:
        version, position = json.loads(body)
    except (ValueError, TypeError):
        raise CursorInvalid() from None
    if version != _VERSION or not isinstance(position, list) or len(position) != len(shape):
        raise CursorInvalid()
    if not all(isinstance(value, kind) and not isinstance(value, bool) for value, kind in zip(position, shape, strict=True)):
        raise CursorInvalid()
    return position


def encode_moment_key(at: datetime, key: str, scope: str) -> str:
    """The cursor after the item with this (instant, id) sort key: the lists newest first, ties by id."""
    return encode_cursor([at.isoformat(), key], scope)


def decode_moment_key(cursor: str, scope: str) -> tuple[datetime, str]:
    at, key = decode_cursor(cursor, scope, shape=(str, str))
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        raise CursorInvalid() from None
    if moment.tzinfo is None:
        raise CursorInvalid()
    return moment, str(key)


def cut_page(rows: Sequence[RowT], limit: int, cursor_of: Callable[[RowT], str]) -> tuple[list[RowT], str | None]:
    """A page from `limit + 1` rows read: the first `limit`, and the cursor after the last of them when more follow."""
    page = list(rows[:limit])
    return page, (cursor_of(page[-1]) if len(rows) > limit and page else None)


def refuse_offset_with_cursor(offset: int, cursor: str | None) -> None:
    if cursor is not None and offset:
        raise ValidationFailed.on(
            "offset", "Không dùng offset cùng với cursor: cursor đã chỉ vị trí trang", code="offset_with_cursor"
        )
