"""Typed domain errors with a stable code, a Vietnamese title and the offending fields.

Every service raises these; the edges map them to one shape (an RPC error reply, then HTTP
problem+json in the portal).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldError(BaseModel):
    field: str
    message: str


class DomainError(Exception):
    code = "domain_error"
    status = 400
    title = "Yêu cầu không hợp lệ"

    def __init__(self, title: str | None = None, *, fields: list[FieldError] | None = None, code: str | None = None) -> None:
        self.title = title or type(self).title
        self.fields = fields or []
        if code is not None:
            self.code = code
        super().__init__(f"{self.code}: {self.title}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by its state, not by calling its constructor again (a subclass's may take no argument): an error
        raised in a worker process (the portal parses uploads in one) comes back whole, code, title and fields."""
        return (_restored, (type(self), self.args, self.__dict__))


def _restored(cls: type[DomainError], args: tuple[Any, ...], state: dict[str, Any]) -> DomainError:
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class ValidationFailed(DomainError):
    code = "validation_failed"
    status = 422
    title = "Dữ liệu không hợp lệ"

    @classmethod
    def on(cls, field: str, message: str, *, code: str | None = None) -> ValidationFailed:
        return cls(message, fields=[FieldError(field=field, message=message)], code=code)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Không tìm thấy"


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    title = "Bạn không có quyền thực hiện thao tác này"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Xung đột trạng thái"


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Thao tác không hợp lệ ở trạng thái hiện tại"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    status = 401
    title = "Chưa đăng nhập hoặc phiên đăng nhập đã hết hạn"


class ServiceUnavailable(DomainError):
    code = "service_unavailable"
    status = 503
    title = "Dịch vụ tạm thời không phản hồi, vui lòng thử lại sau"


class InternalError(DomainError):
    code = "internal_error"
    status = 500
    title = "Lỗi hệ thống, thao tác chưa được thực hiện; vui lòng thử lại"


class InconsistentEvent(Exception):
    """An event that contradicts what the receiving service knows (an approval for another award or level than the
    nomination's, a decision by a unit that may not issue it…). Never retried: the consumer dead-letters it at once
    with the reason `inconsistent_event`, for an operator to look at (it shows in `thidua ops status`)."""
