"""Uploads read with a limit: refused from the declared length before anything is read, or as soon as the bytes
received pass the limit (a chunked upload declares no length), so a body that is too large is never held whole."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message, Receive

from shared.contracts.errors import DomainError, FieldError, ValidationFailed
from shared.rules.attachments import format_size

# What a multipart body may add to the file itself (boundaries, part headers, a few small fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024


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
