"""Sổ văn bản đi: each issuing unit's register of outgoing documents for a year, every kind (quyết định, tờ trình) in
one gapless sequence, read page by page in number order or whole as an .xlsx; read by the unit's own people."""

from __future__ import annotations

import asyncio
import base64
import io

from services.awards.domain.view import may_read_register, register_line
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor
from shared.contracts.operations.awards import (
    OUTGOING_REGISTER,
    DocumentFile,
    OutgoingDocument,
    OutgoingQuery,
    OutgoingRegister,
    OutgoingWorkbook,
)
from shared.contracts.paging import cut_page, decode_cursor, encode_cursor, scope_of
from shared.contracts.values import VIETNAM_TZ

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WHOLE_YEAR = 100_000  # more documents than a unit issues in a year
COLUMNS = (
    ("Số", 8),
    ("Số, ký hiệu", 18),
    ("Ngày tháng", 12),
    ("Loại văn bản", 12),
    ("Trích yếu nội dung", 60),
    ("Người ký", 24),
    ("Nơi nhận", 36),
    ("Số tập thể, cá nhân", 10),
    ("Tình trạng", 14),
)


def _require_reader(actor: Actor, unit_code: str) -> None:
    if not may_read_register(actor, unit_code):
        raise Forbidden("Chỉ người của đơn vị được xem sổ văn bản đi của đơn vị", code="not_of_unit")


async def outgoing_register(ctx: AwardsContext, actor: Actor, q: OutgoingQuery) -> OutgoingRegister:
    """A page of the unit's register for the year, in number order; `next_cursor` continues after its last line."""
    _require_reader(actor, q.unit_code)
    scope = scope_of(OUTGOING_REGISTER.subject, {"unit_code": q.unit_code, "year": q.year})
    after = None
    if q.cursor:
        number, kind = decode_cursor(q.cursor, scope, shape=(int, str))
        after = (int(number), str(kind))
    async with ctx.reading() as uow:
        total = await uow.store.count_register(q.unit_code, q.year)
        found = await uow.store.register_page(q.unit_code, q.year, limit=q.limit + 1, after=after)
        page, next_cursor = cut_page(found, q.limit, lambda d: encode_cursor([d.number, d.kind], scope))
        listings = await uow.store.listings([d.id for d in page])
        unit_name = page[0].issuer.name if page else (await uow.store.entry_unit_name(q.unit_code) or q.unit_code)
    return OutgoingRegister(
        unit_code=q.unit_code,
        unit_name=unit_name,
        year=q.year,
        total=total,
        items=[register_line(d, listings.get(d.id)) for d in page],
        next_cursor=next_cursor,
    )


async def outgoing_workbook(ctx: AwardsContext, actor: Actor, q: OutgoingWorkbook) -> DocumentFile:
    """The whole year's register as an .xlsx (numbers stay numbers, dates dd/mm/yyyy)."""
    _require_reader(actor, q.unit_code)
    async with ctx.reading() as uow:
        found = await uow.store.register_page(q.unit_code, q.year, limit=WHOLE_YEAR)
        listings = await uow.store.listings([d.id for d in found])
    lines = [register_line(d, listings.get(d.id)) for d in found]
    unit_name = found[0].issuer.name if found else q.unit_code
    content = await asyncio.to_thread(_workbook, unit_name, q.year, lines)
    return DocumentFile(
        filename=f"so-van-ban-di-{q.unit_code}-{q.year}.xlsx",
        media_type=XLSX,
        content_base64=base64.b64encode(content).decode("ascii"),
    )


def _workbook(unit_name: str, year: int, lines: list[OutgoingDocument]) -> bytes:
    from openpyxl import Workbook  # with the first workbook, not at start-up (memory)
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Sổ văn bản đi {year}"
    sheet.append([f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year}"])
    sheet.append([unit_name])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([title for title, _ in COLUMNS])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for line in lines:
        sheet.append(
            [
                line.number,
                line.number_text,
                line.issued_at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"),
                line.kind_label,
                line.subject,
                line.signed_by,
                line.addressee,
                line.listed,
                line.status_label,
            ]
        )
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
