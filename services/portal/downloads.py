"""Files sent to the browser or an API client as downloads, alike for the JSON API and the console.

A service renders a document (a decision, a tờ trình) and replies with it in base64; a dossier's file comes
from the object store. Either way it leaves as an attachment whose name survives in every client: a plain
ASCII `filename=` for old ones and the real name in UTF-8 as `filename*` (RFC 6266, RFC 5987).
"""

from __future__ import annotations

import base64
import unicodedata
from typing import Any, Literal
from urllib.parse import quote

from starlette.responses import Response

from services.portal.gateway import Gateway
from shared.contracts.events import Actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def binary_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """What /openapi.json says a file download answers: the file's bytes, as one of these media types."""
    return {200: {"description": "Tệp", "content": {media_type: _BINARY for media_type in media_types}}}


DocumentFormat = Literal["pdf", "xlsx"]
Paper = Literal["A4", "A3"]


def content_disposition(filename: str) -> str:
    """`attachment` with the name twice (RFC 6266): a plain ASCII `filename` for old clients (Vietnamese letters
    without their marks, anything else that could end or break the header as `_`), then the name itself as
    `filename*`, UTF-8 percent-encoded (RFC 8187), so a quote, a `;`, CR/LF or any letter stays inside the value."""
    name = filename or "tep"
    return f"attachment; filename=\"{ascii_name(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def ascii_name(name: str) -> str:
    """'Báo cáo Đà Nẵng.xlsx' -> 'Bao cao Da Nang.xlsx'; printable ASCII only, no quote, backslash or `;`."""
    plain = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    kept = (c for c in plain if not unicodedata.combining(c))
    return "".join(c if " " <= c <= "~" and c not in '"\\;' else "_" for c in kept)


def document_download(document: dict[str, Any]) -> Response:
    """A document a service rendered (`filename`, `media_type`, `content_base64`), as a download."""
    return Response(
        base64.b64decode(document["content_base64"]),
        media_type=document["media_type"],
        headers={"Content-Disposition": content_disposition(document["filename"])},
    )


async def decision_download(gateway: Gateway, actor: Actor, decision_id: str, fmt: DocumentFormat) -> Response:
    """A decision's PDF or .xlsx as awards renders it (awards decides who may read it)."""
    return document_download(await gateway.call("awards", "decision_document", actor, {"id": decision_id, "format": fmt}))


async def certificates_download(
    gateway: Gateway, actor: Actor, decision_id: str, paper: Paper, nomination_id: str | None = None
) -> Response:
    """A decision's certificates (văn bằng) as one PDF, or one nominee's, as awards renders them."""
    params = {"id": decision_id, "paper": paper, **({"nomination_id": nomination_id} if nomination_id else {})}
    return document_download(await gateway.call("awards", "certificates", actor, params))


async def proposal_download(gateway: Gateway, actor: Actor, proposal_id: str, fmt: DocumentFormat) -> Response:
    """The tờ trình: once its officer signed it, as awards keeps it (the signed PDF, or its list from the same
    template); until then the draft as review renders it (review decides who may read it)."""
    proposal = await gateway.call("review", "get_proposal", actor, {"id": proposal_id})
    if proposal["document_id"]:
        return await decision_download(gateway, actor, proposal["document_id"], fmt)
    return document_download(await gateway.call("review", "proposal_document", actor, {"id": proposal_id, "format": fmt}))


def file_response(found: dict[str, Any], data: bytes) -> Response:
    """A dossier's file as a download: its own name, type, and checksum; never sniffed, never cached."""
    return Response(
        content=data,
        media_type=found["media_type"],
        headers={
            "Content-Disposition": content_disposition(found["filename"]),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "X-Checksum-Sha256": found["sha256"],
        },
    )
