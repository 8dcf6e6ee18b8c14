"""The queue and the nominations list as downloads ("Tải Excel"): every row the filter matches, asked of the owning
service page by page in the order chosen (review for the queue, registration for the nominations; each decides what
the person may see), up to EXPORT_ROW_CAP rows, then written by list_workbook."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.responses import Response

from services.portal.downloads import XLSX, content_disposition
from services.portal.gateway import Gateway
from services.portal.list_workbook import EXPORT_ROW_CAP, NOMINATION_COLUMNS, QUEUE_COLUMNS, list_workbook
from shared.contracts.events import Actor
from shared.contracts.paging import NOMINATIONS_PAGE_MAX, QUEUE_PAGE_MAX
from shared.contracts.values import VIETNAM_TZ

QUEUE_STATES = [
    ("active", "Đang mở"),
    ("open", "Chờ nhận"),
    ("claimed", "Đang xử lý"),
    ("overdue", "Quá hạn"),
    ("escalated_in", "Quá hạn ở cấp dưới"),
    ("escalated_out", "Quá hạn – đã báo cấp trên"),
    ("done", "Đã xử lý"),
    ("all", "Tất cả"),
]
NOMINATION_STATUSES = [
    ("submitted", "Đã nộp"),
    ("in_review", "Đang xét duyệt"),
    ("returned", "Trả lại để bổ sung"),
    ("approved", "Đã phê duyệt"),
    ("awaiting_signature", "Chờ ký"),
    ("granted", "Đã khen thưởng"),
    ("proposed", "Đã trình cấp có thẩm quyền"),
    ("not_granted", "Cấp có thẩm quyền không khen thưởng"),
    ("revoked", "Đã thu hồi quyết định"),
    ("rejected", "Không được duyệt"),
    ("withdrawn", "Đã rút hồ sơ"),
]
# The queue's sortable columns (QueueQuery.sort), as their headers read.
QUEUE_SORTS = {
    "due": "Hạn xử lý",
    "received": "Vào hộp việc",
    "nominee": "Đối tượng",
    "award": "Hình thức",
    "state": "Trạng thái",
}

Page = Callable[[str | None], Awaitable[dict[str, Any]]]


async def all_rows(page: Page) -> tuple[list[dict[str, Any]], bool]:
    """The rows of every page up to EXPORT_ROW_CAP, and whether more were left out."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        reply = await page(cursor)
        rows.extend(reply["items"])
        cursor = reply.get("next_cursor")
        if cursor is None or len(rows) >= EXPORT_ROW_CAP:
            return rows[:EXPORT_ROW_CAP], cursor is not None or len(rows) > EXPORT_ROW_CAP


def sort_label(sort: str) -> str:
    key = sort.removeprefix("-")
    return f"{QUEUE_SORTS.get(key, key)} ({'giảm dần' if sort.startswith('-') else 'tăng dần'})"


async def queue_download(gateway: Gateway, actor: Actor, params: dict[str, Any]) -> Response:
    """The unit's queue with `params` (list_queue's filters and sort, no paging) as an .xlsx attachment."""

    async def page(cursor: str | None) -> dict[str, Any]:
        paging = {"limit": QUEUE_PAGE_MAX, **({"cursor": cursor} if cursor else {})}
        result: dict[str, Any] = await gateway.call("review", "list_queue", actor, {**params, **paging})
        return result

    rows, more = await all_rows(page)
    units = await gateway.units(actor)
    unit_code = params["unit_code"]
    unit_name = units.get(unit_code, {}).get("name", unit_code)
    states = dict(QUEUE_STATES)
    described = [f"Trạng thái: {states.get(params.get('state', 'active'), params.get('state'))}"]
    if params.get("mine"):
        described.append("Việc của tôi")
    if params.get("award_code"):
        described.append(f"Hình thức: {params['award_code']}")
    if params.get("origin_unit_code"):
        origin = params["origin_unit_code"]
        described.append(f"CĐCS: {units.get(origin, {}).get('name', origin)}")
    if params.get("period"):
        described.append(f"Kỳ: {params['period']}")
    if params.get("q"):
        described.append(f"Tìm theo tên: {params['q']}")
    if params.get("due_before"):
        described.append(f"Hạn trước ngày: {date.fromisoformat(params['due_before']).strftime('%d/%m/%Y')}")
    lines = [
        f"Bộ lọc: {'; '.join(described)}",
        f"Sắp xếp: {sort_label(params.get('sort', 'due'))}",
        f"Xuất lúc: {_now_text(gateway)}",
    ]
    data = list_workbook(f"Hộp việc — {unit_name}", lines, QUEUE_COLUMNS, rows, more=more, sheet_title="Hộp việc")
    return xlsx_response(data, f"Hộp việc {unit_code} {_today(gateway)}.xlsx")


async def nominations_download(gateway: Gateway, actor: Actor, params: dict[str, Any]) -> Response:
    """The nominations the person may see with `params` (list_nominations' filters, no paging) as an .xlsx attachment."""

    async def page(cursor: str | None) -> dict[str, Any]:
        paging = {"limit": NOMINATIONS_PAGE_MAX, **({"cursor": cursor} if cursor else {})}
        result: dict[str, Any] = await gateway.call("registration", "list", actor, {**params, **paging})
        return result

    rows, more = await all_rows(page)
    units = await gateway.units(actor)
    described = []
    if params.get("unit_code"):
        described.append(f"Đơn vị: {units.get(params['unit_code'], {}).get('name', params['unit_code'])}")
    if params.get("status"):
        described.append(f"Trạng thái: {dict(NOMINATION_STATUSES).get(params['status'], params['status'])}")
    if params.get("award_code"):
        described.append(f"Hình thức: {params['award_code']}")
    if params.get("period"):
        described.append(f"Kỳ: {params['period']}")
    order = "nộp trước lên trước" if params.get("sort") == "created" else "mới nộp trước"
    lines = [
        f"Bộ lọc: {'; '.join(described) or 'tất cả hồ sơ trong phạm vi của anh/chị'}",
        f"Sắp xếp: Ngày nộp ({order})",
        f"Xuất lúc: {_now_text(gateway)}",
    ]
    data = list_workbook("Danh sách hồ sơ đề nghị khen thưởng", lines, NOMINATION_COLUMNS, rows, more=more, sheet_title="Hồ sơ")
    return xlsx_response(data, f"Hồ sơ đề nghị khen thưởng {_today(gateway)}.xlsx")


def xlsx_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition(filename)})


def _now_text(gateway: Gateway) -> str:
    return gateway.clock.now().astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M")


def _today(gateway: Gateway) -> str:
    return gateway.clock.now().astimezone(VIETNAM_TZ).strftime("%Y-%m-%d")
