"""The JSON API's one error shape: `application/problem+json` with a stable `code`, a Vietnamese `title` and
the `fields` at fault. The console answers the same errors with a page (`services.portal.errors` picks)."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
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


# What /openapi.json says about errors


class ProblemField(BaseModel):
    field: str = Field(description="Trường có lỗi, ví dụ `nominee.name`, `offset`, `file`")
    message: str = Field(description="Lỗi của trường, tiếng Việt")


class ProblemDetails(BaseModel):
    """Every error of the JSON API (RFC 9457, `application/problem+json`)."""

    type: str = Field(description="urn:thidua:error:<code>")
    code: str = Field(description="Mã lỗi ổn định, cho chương trình (ví dụ `validation_failed`, `not_claimant`)")
    title: str = Field(description="Lỗi, tiếng Việt, cho người đọc")
    status: int = Field(description="Mã trạng thái HTTP")
    fields: list[ProblemField] = Field(default_factory=list, description="Các trường có lỗi (có thể rỗng)")


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Yêu cầu không đọc được (ví dụ biểu mẫu hỏng)",
    401: "Chưa đăng nhập, token sai, hết hạn hoặc đã bị thu hồi",
    403: "Không có quyền thực hiện thao tác này",
    404: "Không tìm thấy",
    409: "Xung đột trạng thái (ví dụ hồ sơ đã được người khác nhận xử lý)",
    413: "Nội dung gửi lên vượt giới hạn",
    422: "Dữ liệu không hợp lệ; `fields` nêu từng trường",
    429: "Đăng nhập sai quá nhiều lần; thử lại sau `Retry-After` giây",
    502: "Tệp lưu trữ bị hỏng (mã kiểm tra SHA-256 không khớp)",
    503: "Dịch vụ tạm thời không phản hồi; thử lại sau `Retry-After` giây",
}
PROBLEM_REF = {"$ref": "#/components/schemas/ProblemDetails"}
_WRITES = ("post", "put", "patch", "delete")
RETRY_AFTER = {"description": "Số giây nên chờ trước khi thử lại", "schema": {"type": "integer", "minimum": 1}}


def error_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    """The error statuses an operation of the API can answer."""
    statuses = {400, 422, 503}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    if method in _WRITES:
        statuses |= {409, 413}
    if path == "/api/v1/auth/login":
        statuses |= {401, 429}
    if path.endswith("/attachments/{attachment_id}"):
        statuses.add(502)
    return sorted(statuses)


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with every error of every operation as `application/problem+json` (`ProblemDetails`),
    in place of FastAPI's own 422 shape, which the API never answers."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem_schema.pop("$defs", {}))
    schemas["ProblemDetails"] = problem_schema
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status in error_statuses(path, method, operation):
                response: dict[str, Any] = {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {PROBLEM: {"schema": PROBLEM_REF}},
                }
                if status in (429, 503):
                    response["headers"] = {"Retry-After": RETRY_AFTER}
                responses[str(status)] = response
    return schema
