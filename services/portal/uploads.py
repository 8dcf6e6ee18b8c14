"""Request bodies read with a limit: refused from the declared length before anything is read, or as soon as the
bytes received pass the limit (a chunked body declares no length), so a body that is too large is never held whole.

Every request's body is bounded (`BodyLimit`): `MAX_BODY_BYTES` for JSON and forms without files,
`MAX_UPLOAD_BODY_BYTES` for multipart forms, whose routes refine it with the limits of what they take (`read_upload`:
the dated attachment rules, the register's 2 MB). Over the limit is a 413 like any other refusal: problem+json
under /api/, a page in the console.

Starlette's own `RequestBodyLimitMiddleware` (FastAPI's `max_body_size`) is not used: it answers a body declared
over the limit with its own plain-text 413, replacing whatever the app answered (even after a route ran).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData, Headers, UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contracts.errors import DomainError, FieldError, ValidationFailed
from shared.rules.attachments import format_size

# What a multipart body may add to the file itself (boundaries, part headers, a few small fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# The largest body of a JSON request or a form without files (the largest command, 2000 register rows, is ~1 MB).
MAX_BODY_BYTES = 2 * 1024 * 1024
# The largest multipart body: a whole dossier's files (`max_total_bytes` of every dated attachment rule, which a unit
# test checks) and the form around them.
MAX_UPLOAD_BODY_BYTES = 64 * 1024 * 1024
LIMIT_SCOPE_KEY = "thidua.max_body_bytes"


def body_limit(headers: Headers) -> int:
    """The most a request with these headers may send."""
    multipart = headers.get("content-type", "").lower().startswith("multipart/form-data")
    return MAX_UPLOAD_BODY_BYTES if multipart else MAX_BODY_BYTES


def declared_length(headers: Headers) -> int | None:
    declared = headers.get("content-length", "")
    return int(declared) if declared.isdigit() else None


class BodyLimit:
    """ASGI middleware: whoever reads the body (FastAPI for a JSON body or a form, a route streaming an upload) gets
    an `HTTPException(413)` instead of the chunk that passes the limit, or at once when the declared length is over
    it; the app's handlers answer it. A route that reads no body is refused by `refuse_declared_oversize`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = body_limit(headers)
        declared = declared_length(headers)
        scope[LIMIT_SCOPE_KEY] = limit
        received = 0

        async def limited() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise HTTPException(413)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited, send)


async def refuse_declared_oversize(request: Request) -> None:
    """An app-wide dependency: a body declared over the limit is refused before the route runs, even a route that
    would read none (claim, release, a page)."""
    declared = declared_length(request.headers)
    if declared is not None and declared > request.scope.get(LIMIT_SCOPE_KEY, body_limit(request.headers)):
        raise HTTPException(413)


class UploadTooLarge(DomainError):
    code = "upload_too_large"
    status = 413
    title = "Tệp tải lên quá lớn"

    def __init__(self, max_file_bytes: int, field: str = "file") -> None:
        message = f"Tệp tải lên vượt giới hạn {format_size(max_file_bytes)}"
        super().__init__(message, fields=[FieldError(field=field, message=message)])


@dataclass(frozen=True)
class Upload:
    """One file of a multipart form with the form's other (text) fields."""

    filename: str
    data: bytes
    fields: dict[str, str]


async def read_body(request: Request, max_bytes: int, max_file_bytes: int) -> bytes:
    """The body, at most `max_bytes` of it, else `UploadTooLarge` (stating the file limit) before the rest is read."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise UploadTooLarge(max_file_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise UploadTooLarge(max_file_bytes)
    return bytes(body)


async def read_upload(request: Request, max_file_bytes: int, *, field: str = "file", max_fields: int = 10) -> Upload:
    """The one file of a multipart form (at most `max_file_bytes`) and its text fields."""
    body = await read_body(request, max_file_bytes + MULTIPART_OVERHEAD_BYTES, max_file_bytes)
    form = await Request(request.scope, receive=_replay(body)).form(max_files=1, max_fields=max_fields)
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise ValidationFailed.on(field, "Cần chọn một tệp để tải lên", code="upload_missing_file")
        data = await upload.read(max_file_bytes + 1)
        if len(data) > max_file_bytes:
            raise UploadTooLarge(max_file_bytes, field)
        return Upload(upload.filename or "", data, _text_fields(form))
    finally:
        await form.close()


def _text_fields(form: FormData) -> dict[str, str]:
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


def _replay(body: bytes) -> Receive:
    """An ASGI `receive` giving a body already read, in one message."""
    given = False

    async def receive() -> Message:
        nonlocal given
        if given:
            return {"type": "http.disconnect"}
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive
