"""The approver's queue tools over review's use cases and the portal's pure parts: "Việc của tôi", sorting with keyset
pages in every order, the saved filter's link, and the queue and nominations workbooks."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from services.portal import exports
from services.portal.list_workbook import EXPORT_ROW_CAP, NOMINATION_COLUMNS, QUEUE_COLUMNS, list_workbook
from services.portal.saved_filters import NewSavedFilter, QueueFilter
from services.review.usecases import queues, tasks
from shared.contracts.events import Actor, Nominee
from shared.contracts.operations.review import QueueQuery, TaskRef
from shared.contracts.paging import CursorInvalid
from tests.unit.test_review_usecases import SONTAY, SONTAY_2, Review, dossier, review, submitted

__all__ = ["review"]  # the fixture, used by name

NAMES = ["Trần Thị Bình", "Lê Văn Cường", "Nguyễn Văn An", "Đặng Thu Hà", "Phạm Minh Đức", "Vũ Thị Én"]


async def queue_of(review: Review, names: list[str]) -> dict[str, str]:
    """One task per nominee in Sơn Tây's queue; task id by name."""
    ids = {}
    for name in names:
        nom = dossier().model_copy(update={"nominee": Nominee(kind="individual", name=name)})
        ids[name] = await submitted(review, nom)
    return ids


async def names_in_order(review: Review, who: Actor, **query: Any) -> list[str]:
    """Every page of the queue, following next_cursor, two tasks a page."""
    seen: list[str] = []
    cursor = None
    while True:
        page = await queues.list_queue(
            review.context, who, QueueQuery.model_validate({"unit_code": "HN-SONTAY", "limit": 2, "cursor": cursor, **query})
        )
        seen += [t.nominee_name for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.asyncio
async def test_my_tasks_are_those_i_claimed_not_my_colleagues_nor_the_open_ones(review: Review) -> None:
    ids = await queue_of(review, NAMES[:4])
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=ids["Trần Thị Bình"]))
    await tasks.claim(review.context, SONTAY_2, TaskRef(task_id=ids["Lê Văn Cường"]))

    assert await names_in_order(review, SONTAY, mine=True) == ["Trần Thị Bình"]
    assert await names_in_order(review, SONTAY_2, mine=True) == ["Lê Văn Cường"]
    assert len(await names_in_order(review, SONTAY)) == 4  # without "mine": the whole queue


@pytest.mark.asyncio
async def test_the_queue_sorts_by_nominee_forwards_and_backwards_across_keyset_pages(review: Review) -> None:
    await queue_of(review, NAMES)
    by_name = ["Đặng Thu Hà", "Lê Văn Cường", "Nguyễn Văn An", "Phạm Minh Đức", "Trần Thị Bình", "Vũ Thị Én"]
    assert await names_in_order(review, SONTAY, sort="nominee") == by_name  # "Đặng" as "dang": without diacritics
    assert await names_in_order(review, SONTAY, sort="-nominee") == by_name[::-1]


@pytest.mark.asyncio
async def test_sorting_by_received_or_state_pages_through_every_task_once(review: Review) -> None:
    ids = await queue_of(review, NAMES)
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=ids["Vũ Thị Én"]))
    received = await names_in_order(review, SONTAY, sort="received")
    assert sorted(received) == sorted(NAMES)
    assert len(received) == len(NAMES)
    by_state = await names_in_order(review, SONTAY, sort="state")
    assert by_state[0] == "Vũ Thị Én"  # "claimed" before "open"
    assert (await names_in_order(review, SONTAY, sort="-state"))[-1] == "Vũ Thị Én"
    assert sorted(by_state) == sorted(NAMES)


@pytest.mark.asyncio
async def test_a_cursor_of_one_order_or_of_my_tasks_is_refused_elsewhere(review: Review) -> None:
    await queue_of(review, NAMES[:3])
    first = await queues.list_queue(review.context, SONTAY, QueueQuery(unit_code="HN-SONTAY", limit=1, sort="nominee"))
    assert first.next_cursor is not None
    with pytest.raises(CursorInvalid):
        await queues.list_queue(
            review.context, SONTAY, QueueQuery(unit_code="HN-SONTAY", limit=1, sort="award", cursor=first.next_cursor)
        )
    with pytest.raises(CursorInvalid):  # nor one of "Việc của tôi" in the whole queue
        await queues.list_queue(
            review.context,
            SONTAY,
            QueueQuery(unit_code="HN-SONTAY", limit=1, mine=True, sort="nominee", cursor=first.next_cursor),
        )
    # the queue's own order binds its cursor as before "mine" and "sort" existed
    plain = await queues.list_queue(review.context, SONTAY, QueueQuery(unit_code="HN-SONTAY", limit=1))
    assert plain.next_cursor is not None
    again = await queues.list_queue(
        review.context, SONTAY, QueueQuery.model_validate({"unit_code": "HN-SONTAY", "limit": 1, "cursor": plain.next_cursor})
    )
    assert len(again.items) == 1


def test_an_unknown_sort_key_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as refused:
        QueueQuery.model_validate({"unit_code": "HN-SONTAY", "sort": "nominee_search; DROP TABLE tasks"})
    assert [e["loc"] for e in refused.value.errors()] == [("sort",)]


def test_a_saved_filter_opens_the_queue_page_with_its_filters_and_sort() -> None:
    saved = QueueFilter(unit_code="HN-SONTAY", state="overdue", award_code="cong_nhan_gioi", mine=True, sort="-due")
    assert saved.console_url() == "/hop-viec?unit=HN-SONTAY&state=overdue&award_code=cong_nhan_gioi&mine=1&sort=-due"
    dated = QueueFilter(unit_code="HN-SONTAY", due_before=date(2026, 12, 20))
    assert dated.console_url() == "/hop-viec?unit=HN-SONTAY&state=active&due_before=20%2F12%2F2026"
    with pytest.raises(ValidationError):
        NewSavedFilter(name="   ", filter=saved)
    with pytest.raises(ValidationError):  # PostgreSQL would refuse the NUL: refused before, naming the field
        NewSavedFilter(name="Quá hạn\x00", filter=saved)


QUEUE_ROW = {
    "nominee_name": '=HYPERLINK("http://x")',
    "nominee_kind": "individual",
    "award_name": "Giấy khen của LĐLĐ huyện",
    "origin_unit_name": "CĐCS Công ty DST",
    "period": "2026",
    "opened_at": "2026-03-01T18:30:00+00:00",  # 2 March in Hà Nội
    "due_at": None,
    "overdue": False,
    "state_label": "Chờ nhận",
    "claimant_name": None,
    "unit_name": "LĐLĐ thị xã Sơn Tây",
    "round": 1,
}


def test_the_queue_workbook_has_vietnamese_headers_frozen_dates_as_dates_and_text_not_formulas() -> None:
    data = list_workbook(
        "Hộp việc — LĐLĐ Sơn Tây", ["Bộ lọc: Trạng thái: Đang mở"], QUEUE_COLUMNS, [QUEUE_ROW], more=False, sheet_title="Hộp việc"
    )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert rows[header_at][1:4] == ("Đối tượng", "Cá nhân / tập thể", "Hình thức khen thưởng")
    assert sheet.freeze_panes == f"A{header_at + 2}"
    row = sheet[header_at + 2]
    assert row[1].value == '=HYPERLINK("http://x")'
    assert row[1].data_type == "s"
    received = row[6]
    assert received.value.date() == date(2026, 3, 2)
    assert received.number_format == "DD/MM/YYYY"
    assert sheet.column_dimensions["B"].width == 32
    assert "Số dòng: 1" in [r[0] for r in rows]


def test_a_capped_export_says_so_in_the_sheet() -> None:
    rows = [{**QUEUE_ROW, "nominee_name": f"Người {i}"} for i in range(3)]
    data = list_workbook("Hộp việc", [], QUEUE_COLUMNS, rows, more=True, sheet_title="Hộp việc")
    first_column = [r[0] for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    assert any(isinstance(v, str) and v.startswith(f"Chỉ gồm {EXPORT_ROW_CAP:,}".replace(",", ".")) for v in first_column)


@pytest.mark.asyncio
async def test_the_export_follows_the_cursor_and_stops_at_the_cap() -> None:
    asked: list[str | None] = []

    async def page(cursor: str | None) -> dict[str, Any]:
        asked.append(cursor)
        start = int(cursor or 0)
        return {"items": [{"n": i} for i in range(start, start + 75)], "next_cursor": str(start + 75)}

    rows, more = await exports.all_rows(page)
    assert len(rows) == EXPORT_ROW_CAP
    assert more
    assert rows[-1] == {"n": EXPORT_ROW_CAP - 1}
    assert asked[:3] == [None, "75", "150"]

    async def short(cursor: str | None) -> dict[str, Any]:
        return {"items": [{"n": 1}], "next_cursor": None}

    assert await exports.all_rows(short) == ([{"n": 1}], False)


def test_the_nominations_workbook_names_its_columns_in_vietnamese() -> None:
    nomination = {
        "nominee": {"name": "Nguyễn Văn An", "kind": "individual", "position": "Tổ trưởng"},
        "unit_name": "CĐCS Công ty DST",
        "award_name": "Giấy khen",
        "period": "2026",
        "status_label": "Đang xét duyệt",
        "current_unit_name": "LĐLĐ thị xã Sơn Tây",
        "decision": None,
        "submitted_by": "Cán bộ CĐCS",
        "created_at": "2026-03-02T02:00:00+00:00",
        "updated_at": "2026-03-05T02:00:00+00:00",
    }
    data = list_workbook("Hồ sơ", [], NOMINATION_COLUMNS, [nomination], more=False, sheet_title="Hồ sơ")
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[-2][:2] == ("STT", "Người/tập thể được đề nghị")
    assert rows[-1][1:4] == ("Nguyễn Văn An", "Cá nhân", "Tổ trưởng")
