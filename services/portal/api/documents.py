"""Checking a signed document through the JSON API: public, like the console's page `/xac-thuc`."""

from __future__ import annotations

from fastapi import APIRouter, Request

from services.portal.gateway import Gateway
from services.portal.signatures import MAX_DOCUMENT_BYTES, read_document, verify_document
from shared.contracts.verification import Verification
from shared.rules.attachments import format_size

# Read by the route itself (a bounded read), so the body is described here.
DOCUMENT_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary", "description": "Văn bản PDF đã ký"}},
                }
            }
        },
    }
}


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["documents"])

    @api.post(
        "/documents/verify",
        summary=f"Kiểm tra chữ ký số của một văn bản PDF (multipart: `file`, tối đa {format_size(MAX_DOCUMENT_BYTES)};"
        " không cần đăng nhập)",
        openapi_extra=DOCUMENT_UPLOAD_BODY,
    )
    async def verify(request: Request) -> Verification:
        upload = await read_document(request)
        return await verify_document(gateway, upload.data)

    return api
