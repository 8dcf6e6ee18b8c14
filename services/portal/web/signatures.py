"""The public page that checks a signed document ("Xác thực văn bản", `/xac-thuc`): office staff upload a PDF the
system issued and read, in plain words, who signed it, when, and whether it is still as signed. No sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from services.portal.gateway import Gateway
from services.portal.signatures import MAX_DOCUMENT_BYTES, read_document, verify_document
from services.portal.uploads import UploadTooLarge
from services.portal.web import session as web
from services.portal.web.rendering import render
from shared.contracts.errors import ValidationFailed
from shared.platform.pdfverdicts import details, verdict
from shared.rules.attachments import format_size


async def render_page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {"result": None, "file_error": None, "max_size": format_size(MAX_DOCUMENT_BYTES)}
    return await render(request, "verify.html", None, status_code=status_code, title="Xác thực văn bản", **(defaults | context))


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/xac-thuc", response_class=HTMLResponse)
    async def verify_form(request: Request) -> HTMLResponse:
        return await render_page(request)

    @pages.post("/xac-thuc", response_class=HTMLResponse)
    async def verify_upload(request: Request) -> HTMLResponse:
        try:
            upload = await read_document(request)
        except (UploadTooLarge, ValidationFailed) as exc:
            return await render_page(request, status_code=exc.status, file_error=exc.title)
        web.check_csrf(request, upload.fields.get("csrf_token"))
        verification = await verify_document(gateway, upload.data)
        signatures = [(check, details(check)) for check in verification.signatures]
        return await render_page(
            request,
            result=verification,
            verdict=verdict(verification),
            signatures=signatures,
            filename=upload.filename,
        )

    return pages
