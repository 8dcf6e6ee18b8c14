"""How an HTTP front door answers while a dependency is down: 503 with `Retry-After`, never a 500 or silence.

- An exception handler for the exception classes a transient fault surfaces as (`faults.FAULT_TYPES`):
  a transient one is answered 503 — problem+json under the API prefix, a Vietnamese page elsewhere;
  anything else is raised again, to be the 500 it is.
- An outer ASGI middleware that does the same for a fault raised where no handler runs (inside another
  error handler, e.g. an error page that looks up the signed-in user in the database that just went
  away), and puts `Retry-After` on every 503, whoever produced it (a service that answered 503 too).
"""

from __future__ import annotations

import html
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.errors import DomainError
from shared.platform.faults import FAULT_TYPES, describe, is_transient

log = logging.getLogger("thidua.http")

RETRY_AFTER_SECONDS = 5
PROBLEM_MEDIA_TYPE = "application/problem+json"
CODE = "service_unavailable"
TITLE = "Hệ thống tạm thời gián đoạn (cơ sở dữ liệu hoặc hàng đợi tin nhắn không truy cập được), vui lòng thử lại sau ít phút"
PAGE_HEADING = "Hệ thống tạm thời gián đoạn"
PAGE_ADVICE = (
    "Thao tác của bạn có thể chưa được ghi nhận. Vui lòng chờ ít phút rồi tải lại trang; "
    "trước khi gửi lại một biểu mẫu, hãy kiểm tra xem thao tác đã có hiệu lực chưa."
)


def outage_response(path: str, *, api_prefix: str = "/api/") -> Response:
    """The 503 for a request to `path`: problem+json for the API, a page a person can read for the console."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if path.startswith(api_prefix):
        body = {"type": f"urn:thidua:error:{CODE}", "code": CODE, "title": TITLE, "status": 503, "fields": []}
        return JSONResponse(body, status_code=503, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
    return HTMLResponse(_page(), status_code=503, headers=headers)


def _page() -> str:
    return f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS * 6}">
<title>{html.escape(PAGE_HEADING)} · Thi Đua</title>
<link rel="stylesheet" href="/static/app.css">
</head>
<body>
<header class="top"><div class="bar">
<a class="brand" href="/">Thi Đua<small>Xét duyệt khen thưởng Công đoàn</small></a>
</div></header>
<main id="noi-dung">
<div class="card">
  <h1>{html.escape(PAGE_HEADING)}</h1>
  <p>{html.escape(TITLE)}.</p>
  <p>{html.escape(PAGE_ADVICE)}</p>
  <p><a href="/">Về trang chính</a></p>
</div>
</main>
</body>
</html>
"""


def install_outage_handlers(app: Starlette, *, api_prefix: str = "/api/") -> None:
    """Answer a transient fault 503 wherever a route or dependency raises it (DomainError keeps its own handler)."""

    async def unavailable(request: Request, exc: Exception) -> Response:
        if not is_transient(exc):
            raise exc
        log.warning("http.dependency_unavailable", extra={"path": request.url.path, "error": describe(exc)})
        return outage_response(request.url.path, api_prefix=api_prefix)

    for cls in FAULT_TYPES:
        if not issubclass(cls, DomainError):
            app.add_exception_handler(cls, unavailable)


class OutageAnswers:
    """Pure ASGI middleware: `Retry-After` on every 503, and a 503 for a transient fault no handler caught."""

    def __init__(self, app: ASGIApp, api_prefix: str = "/api/") -> None:
        self.app = app
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_retry_after(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 503 and not _has_header(message, b"retry-after"):
                    message = {**message, "headers": [*message.get("headers", []), (b"retry-after", b"%d" % RETRY_AFTER_SECONDS)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_retry_after)
        except Exception as exc:
            if started or not is_transient(exc):
                raise
            path = str(scope.get("path", ""))
            log.warning("http.dependency_unavailable", extra={"path": path, "error": describe(exc)})
            await outage_response(path, api_prefix=self.api_prefix)(scope, receive, send)


def _has_header(message: Message, name: bytes) -> bool:
    headers: list[tuple[bytes, bytes]] = message.get("headers", [])
    return any(key.lower() == name for key, _ in headers)
