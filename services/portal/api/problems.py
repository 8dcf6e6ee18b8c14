"""The JSON API's one error shape: `application/problem+json` with a stable `code`, a Vietnamese `title` and
the `fields` at fault. The console answers the same errors with a page (`services.portal.errors` picks)."""

from __future__ import annotations

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal.throttle import TooManyAttempts
from shared.contracts.errors import DomainError, ValidationFailed
from shared.platform.rpc import field_name, message_vi

PROBLEM = "application/problem+json"
HTTP_TITLES = {
    400: ("bad_request", "Yêu cầu không đọc được"),
    404: ("not_found", "Không tìm thấy"),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ"),
    413: ("body_too_large", "Nội dung gửi lên vượt giới hạn cho phép"),
}


def problem(status_code: int, code: str, title: str, fields: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(
        {"type": f"urn:thidua:error:{code}", "code": code, "title": title, "status": status_code, "fields": fields or []},
        status_code=status_code,
        media_type=PROBLEM,
    )


def domain_problem(exc: DomainError) -> JSONResponse:
    """A refusal or failure of the portal or a service, with the headers its status calls for."""
    response = problem(exc.status, exc.code, exc.title, [f.model_dump() for f in exc.fields])
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(int(exc.retry_after.total_seconds()) + 1)
    return response


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    """A request FastAPI refused before any route ran, field by field in Vietnamese."""
    fields = [{"field": field_name(err["loc"]), "message": message_vi(err)} for err in exc.errors()]
    return problem(422, ValidationFailed.code, ValidationFailed.title, fields)


def http_error(exc: StarletteHTTPException) -> DomainError:
    """An HTTP error of the framework (no such route, wrong method) as a domain error with a Vietnamese title."""
    code, title = HTTP_TITLES.get(exc.status_code, ("http_error", str(exc.detail)))
    failure = DomainError(title, code=code)
    failure.status = exc.status_code
    return failure
