"""Pages that always fit in one bus message, and the cursors that walk them."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from shared.contracts import paging
from shared.contracts.operations import RpcReply
from shared.platform import replysize
from shared.platform.rpc import MAX_REPLY_BYTES, encode_reply, fitting

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SCOPE = paging.scope_of("thidua.rpc.registration.list", {"status": "granted", "period": None})


# The largest page of every list fits


@pytest.mark.parametrize("endpoint", replysize.PAGES, ids=lambda e: e.path)
def test_a_page_of_maximal_items_at_the_maximum_size_fits_under_the_payload_limit(endpoint: replysize.ListEndpoint) -> None:
    reply = replysize.maximal(endpoint.operation.reply, items={endpoint.items: endpoint.page_max}).model_dump(mode="json")
    assert len(reply[endpoint.items]) == endpoint.page_max
    wire = encode_reply(RpcReply(ok=True, data=reply).model_dump(mode="json"))
    assert len(wire) == replysize.page_bytes(endpoint, endpoint.page_max)
    assert len(wire) <= MAX_REPLY_BYTES * (1 - replysize.MARGIN)
    assert fitting(json.loads(wire))["ok"] is True  # the run-time guard lets it through


@pytest.mark.parametrize("endpoint", replysize.PAGES, ids=lambda e: e.path)
def test_the_page_maximum_is_no_more_than_the_largest_page_with_margin(endpoint: replysize.ListEndpoint) -> None:
    assert 1 <= endpoint.page_max <= replysize.largest_page(endpoint)


@pytest.mark.parametrize("endpoint", replysize.PAGES, ids=lambda e: e.path)
def test_the_service_refuses_a_limit_over_the_page_maximum_in_its_request_model(endpoint: replysize.ListEndpoint) -> None:
    request = endpoint.operation.request
    limit = request.model_fields["limit"]
    assert [m.le for m in limit.metadata if hasattr(m, "le")] == [endpoint.page_max]


@pytest.mark.parametrize("endpoint", replysize.PAGES, ids=lambda e: e.path)
def test_the_reply_model_refuses_more_items_than_the_page_maximum(endpoint: replysize.ListEndpoint) -> None:
    field = endpoint.operation.reply.model_fields[endpoint.items]
    assert [m.max_length for m in field.metadata if hasattr(m, "max_length")] == [endpoint.page_max]


def test_the_console_pages_of_fifty_stay_legal() -> None:
    for endpoint in replysize.PAGES[:3]:  # nominations, decisions, queues: the console shows 50 a page
        assert endpoint.page_max >= 50


def test_a_string_without_a_bound_has_no_worst_case() -> None:
    class Loose(BaseModel):
        name: str

    with pytest.raises(replysize.Unbounded, match=r"Loose\.name"):
        replysize.maximal(Loose)


def test_a_list_without_a_bound_has_no_worst_case() -> None:
    class Loose(BaseModel):
        names: list[str]

    with pytest.raises(replysize.Unbounded, match=r"Loose\.names"):
        replysize.maximal(Loose)


def test_the_worst_item_fills_every_string_to_its_bound_with_four_byte_characters() -> None:
    class Item(BaseModel):
        code: str = Field(max_length=3)
        note: str | None = Field(default=None, max_length=2)
        tags: list[paging.Cursor] = Field(max_length=2)

    item = replysize.maximal(Item).model_dump()
    assert item["code"] == replysize.WIDEST_CHAR * 3
    assert item["note"] == replysize.WIDEST_CHAR * 2
    assert item["tags"] == [replysize.WIDEST_CHAR * paging.CURSOR_MAX_LENGTH] * 2
    assert len(replysize.WIDEST_CHAR.encode()) == 4


def test_a_reply_goes_on_the_bus_as_the_bytes_fitting_measures() -> None:
    reply = {"ok": True, "data": {"name": "Nguyễn Thị Hường"}}
    assert encode_reply(reply) == '{"ok":true,"data":{"name":"Nguyễn Thị Hường"}}'.encode()


def test_the_documented_table_is_the_computed_one() -> None:
    text = DOCS.read_text(encoding="utf-8")
    table = re.search(r"<!-- page-table -->\n(.*?)\n<!-- /page-table -->", text, re.S)
    assert table is not None, "docs/api.md has no page table"
    assert table.group(1).strip() == replysize.markdown_table()


# Cursors


def test_a_cursor_gives_back_its_position() -> None:
    at = datetime(2026, 3, 1, 8, 30, 0, 123456, tzinfo=UTC)
    cursor = paging.encode_moment_key(at, "a1b2", SCOPE)
    assert paging.decode_moment_key(cursor, SCOPE) == (at, "a1b2")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)  # safe in a URL as it is
    assert len(cursor) <= paging.CURSOR_MAX_LENGTH


def test_a_cursor_with_any_character_changed_is_refused() -> None:
    cursor = paging.encode_moment_key(datetime(2026, 3, 1, tzinfo=UTC), "a1b2", SCOPE)
    for at in range(len(cursor)):
        changed = cursor[:at] + ("A" if cursor[at] != "A" else "B") + cursor[at + 1 :]
        with pytest.raises(paging.CursorInvalid):
            paging.decode_moment_key(changed, SCOPE)


def test_a_cursor_with_its_position_rewritten_is_refused() -> None:
    cursor = paging.encode_moment_key(datetime(2026, 3, 1, tzinfo=UTC), "a1b2", SCOPE)
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    forged = raw.replace(b"a1b2", b"zzzz")
    with pytest.raises(paging.CursorInvalid):
        paging.decode_moment_key(base64.urlsafe_b64encode(forged).decode().rstrip("="), SCOPE)


@pytest.mark.parametrize("cursor", ["", "x", "not a cursor!", "====", "A" * 400, base64.urlsafe_b64encode(b"[1,[]]").decode()])
def test_garbage_is_not_a_cursor(cursor: str) -> None:
    with pytest.raises(paging.CursorInvalid) as refused:
        paging.decode_moment_key(cursor, SCOPE)
    assert refused.value.code == "cursor_invalid"
    assert refused.value.status == 422
    assert [f.field for f in refused.value.fields] == ["cursor"]


def test_a_cursor_made_for_other_filters_is_refused() -> None:
    cursor = paging.encode_moment_key(datetime(2026, 3, 1, tzinfo=UTC), "a1b2", SCOPE)
    other = paging.scope_of("thidua.rpc.registration.list", {"status": "returned"})
    with pytest.raises(paging.CursorInvalid):
        paging.decode_moment_key(cursor, other)


def test_a_cursor_whose_position_has_another_shape_is_refused() -> None:
    cursor = paging.encode_cursor(["2026-03-01T00:00:00+00:00", 7], SCOPE)
    with pytest.raises(paging.CursorInvalid):
        paging.decode_moment_key(cursor, SCOPE)
    naive = paging.encode_cursor(["2026-03-01T00:00:00", "a"], SCOPE)
    with pytest.raises(paging.CursorInvalid):
        paging.decode_moment_key(naive, SCOPE)


def test_a_page_cut_from_one_row_more_says_whether_another_follows() -> None:
    assert paging.cut_page([1, 2, 3], 2, str) == ([1, 2], "2")
    assert paging.cut_page([1, 2], 2, str) == ([1, 2], None)
    assert paging.cut_page([], 2, str) == ([], None)
