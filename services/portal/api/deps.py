"""What every route of the JSON API depends on: the caller, from the bearer token, as an `Actor` the services check."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.portal.gateway import Gateway
from shared.contracts.errors import Unauthenticated
from shared.contracts.events import Actor
from shared.contracts.paging import CURSOR_MAX_LENGTH, PageTooLarge
from shared.contracts.values import MAX_OFFSET, MAX_YEAR, MIN_YEAR

bearer = HTTPBearer(auto_error=False, description="Token từ POST /api/v1/auth/login")


async def current_actor(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Actor:
    gateway: Gateway = request.app.state.gateway
    return await gateway.actor_from_token(creds.credentials if creds else None)


async def bearer_token(creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The token itself, for the route that revokes it."""
    if creds is None:
        raise Unauthenticated()
    return creds.credentials


CurrentActor = Annotated[Actor, Depends(current_actor)]
BearerToken = Annotated[str, Depends(bearer_token)]

# Parameters as /openapi.json documents them, with their bounds: a value beyond them is a 422 naming it, never a
# number no database column or OFFSET holds.
Id = Annotated[str, Path(min_length=1, max_length=64, description="Mã định danh")]
CodePath = Annotated[str, Path(min_length=1, max_length=64, description="Mã")]
Code = Annotated[str | None, Query(min_length=1, max_length=64)]
Period = Annotated[str | None, Query(min_length=1, max_length=20, description="Kỳ xét, ví dụ 2025")]
Year = Annotated[int | None, Query(ge=MIN_YEAR, le=MAX_YEAR, description="Năm")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Bỏ qua từng ấy dòng đầu (nên dùng cursor)")]


def page_limit(maximum: int, default: int) -> Any:
    """The `limit` of a list whose pages hold at most `maximum` items (shared.contracts.paging): above it, a 422
    naming `limit` and saying the maximum (`limit_too_large`), before any service is asked."""

    async def limit(limit: int) -> int:  # async: FastAPI would run a plain function in a worker thread, per request
        if limit > maximum:
            raise PageTooLarge(maximum)
        return limit

    # built, not written, because the bound is a value of this call (string annotations could not name it)
    query = Query(default, ge=1, description=f"Số mục mỗi trang, tối đa {maximum}", json_schema_extra={"maximum": maximum})
    parameter = inspect.Parameter("limit", inspect.Parameter.KEYWORD_ONLY, default=query, annotation=int)
    limit.__signature__ = inspect.Signature([parameter], return_annotation=int)  # type: ignore[attr-defined]
    return Depends(limit)


# The big lists' cursor; the service that made it checks it (`cursor_invalid`, 422, naming `cursor`).
PageCursor = Annotated[
    str | None,
    Query(min_length=1, max_length=CURSOR_MAX_LENGTH, description="next_cursor của trang trước; bỏ trống: trang đầu"),
]


def present(params: dict[str, Any]) -> dict[str, Any]:
    """The query parameters that were given (a service reads a missing one as its default)."""
    return {k: v for k, v in params.items() if v is not None}


def xlsx_upload_body(unit_description: str, **more: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its own multipart upload (role check first, then a bounded
    read): a unit code and an .xlsx file made from the template, with `more` form fields beside them."""
    properties = {
        "unit_code": {"type": "string", "minLength": 1, "maxLength": 64, "description": unit_description},
        "file": {"type": "string", "format": "binary", "description": "Tệp .xlsx theo mẫu"},
        **more,
    }
    schema = {"type": "object", "required": ["unit_code", "file"], "properties": properties}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}
