"""A user's saved queue filters ("Bộ lọc đã lưu"): the approver's queue filtered and sorted, under a name.

Kept by the portal, which owns users and sessions: a saved filter is a person's shortcut, not a fact about tasks, and
it grants nothing (review decides what the queue shows whenever the filter is run). Each user sees and deletes only
their own; another user's filter is "not found", as if it did not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlencode
from uuid import uuid4

import sqlalchemy as sa
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.ext.asyncio import AsyncEngine

from services.portal import store
from shared.contracts.errors import NotFound, ValidationFailed
from shared.contracts.operations.review import QueueSort, QueueState
from shared.contracts.values import one_line
from shared.platform.db import reading

# Enough for every award and state an approver follows; past it the oldest are for deleting, not for scrolling.
SAVED_FILTERS_PER_USER = 50

# One line each, no control character (PostgreSQL refuses a NUL in text): as the services' own `Name`.
FilterName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(one_line)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), AfterValidator(one_line)]


class QueueFilter(BaseModel):
    """What the queue page is filtered and sorted by (the query parameters of `/hop-viec` and of the API's queue)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_code: Code
    state: QueueState = "active"
    award_code: Code | None = None
    origin_unit_code: Code | None = None
    period: Annotated[str, StringConstraints(max_length=20), AfterValidator(one_line)] | None = None
    q: Annotated[str, StringConstraints(max_length=200), AfterValidator(one_line)] | None = None
    due_before: date | None = None
    mine: bool = False
    sort: QueueSort = "due"

    def console_url(self) -> str:
        """The console's queue page with this filter (its dates as a person types them, dd/mm/yyyy)."""
        params: dict[str, str] = {"unit": self.unit_code, "state": self.state}
        for name in ("award_code", "origin_unit_code", "period", "q"):
            value = getattr(self, name)
            if value:
                params[name] = value
        if self.due_before:
            params["due_before"] = self.due_before.strftime("%d/%m/%Y")
        if self.mine:
            params["mine"] = "1"
        if self.sort != "due":
            params["sort"] = self.sort
        return "/hop-viec?" + urlencode(params)


class NewSavedFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: FilterName = Field(description="Tên bộ lọc, ví dụ “Quá hạn – Công nhân giỏi”; lưu lại cùng tên thì thay thế")
    filter: QueueFilter


class SavedFilter(BaseModel):
    id: str
    name: str
    filter: QueueFilter
    created_at: datetime


async def of_user(engine: AsyncEngine, user_id: str) -> list[SavedFilter]:
    """The user's saved filters, by name."""
    table = store.saved_filters
    query = sa.select(table).where(table.c.user_id == user_id).order_by(table.c.name, table.c.id)
    async with reading(engine) as conn:
        rows = (await conn.execute(query)).mappings().all()
    return [_saved(row) for row in rows]


async def save(engine: AsyncEngine, user_id: str, new: NewSavedFilter, now: datetime) -> SavedFilter:
    """Save the filter under its name; a filter of the same name of this user is replaced."""
    table = store.saved_filters
    params = new.filter.model_dump(mode="json", exclude_defaults=True) | {"unit_code": new.filter.unit_code}
    async with engine.begin() as conn:
        existing = await conn.scalar(sa.select(table.c.id).where(table.c.user_id == user_id, table.c.name == new.name))
        if existing is not None:
            await conn.execute(table.update().where(table.c.id == existing).values(params=params, created_at=now))
            return SavedFilter(id=existing, name=new.name, filter=new.filter, created_at=now)
        held = await conn.scalar(sa.select(sa.func.count()).select_from(table).where(table.c.user_id == user_id))
        if (held or 0) >= SAVED_FILTERS_PER_USER:
            raise ValidationFailed.on(
                "name",
                f"Đã lưu {SAVED_FILTERS_PER_USER} bộ lọc, là số tối đa: xoá bớt bộ lọc không dùng trước khi lưu thêm.",
                code="too_many_saved_filters",
            )
        filter_id = str(uuid4())
        await conn.execute(table.insert().values(id=filter_id, user_id=user_id, name=new.name, params=params, created_at=now))
    return SavedFilter(id=filter_id, name=new.name, filter=new.filter, created_at=now)


async def delete(engine: AsyncEngine, user_id: str, filter_id: str) -> None:
    """Delete one of the user's filters; another user's, or one that is gone, is not found."""
    table = store.saved_filters
    async with engine.begin() as conn:
        deleted = await conn.execute(table.delete().where(table.c.id == filter_id, table.c.user_id == user_id))
    if deleted.rowcount != 1:
        raise NotFound("Không tìm thấy bộ lọc đã lưu này.")


def _saved(row: sa.RowMapping) -> SavedFilter:
    return SavedFilter(
        id=row["id"], name=row["name"], filter=QueueFilter.model_validate(row["params"]), created_at=row["created_at"]
    )
