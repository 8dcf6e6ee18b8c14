"""The nomination form's files: each `file.<document type>` input is staged as it is posted, and kept across a
re-rendered form as hidden `staged.<document type>` entries so that a refused submission need not upload them again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request

from services.portal.gateway import Gateway
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import Actor
from shared.rules.attachments import format_size

FILE_PREFIX = "file."
STAGED_PREFIX = "staged."
REMOVE_PREFIX = "remove_attachment."


@dataclass
class FormFiles:
    staged: list[dict[str, str]] = field(default_factory=list)  # {document_type, staged_id, filename, size_text}
    errors: dict[str, str] = field(default_factory=dict)  # "attachments.<type>" -> message
    remove: list[str] = field(default_factory=list)  # attachment ids ticked "Bỏ tệp này"

    def command(self) -> list[dict[str, str]]:
        return [{"document_type": s["document_type"], "staged_id": s["staged_id"]} for s in self.staged]

    def by_document(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = {}
        for s in self.staged:
            grouped.setdefault(s["document_type"], []).append(s)
        return grouped


FORM_OVERHEAD_BYTES = 1024 * 1024  # the form's other fields and multipart boundaries


def refuse_oversized_form(request: Request, gateway: Gateway) -> None:
    """A form whose declared length is beyond every file a nomination may carry is refused before it is read."""
    rules = gateway.attachment_rules()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > rules.max_total_bytes + FORM_OVERHEAD_BYTES:
        raise ValidationFailed.on(
            "attachments",
            f"Tổng dung lượng tệp gửi lên vượt giới hạn {format_size(rules.max_total_bytes)} của một hồ sơ",
            code="attachments_too_large",
        )


async def read_form_files(gateway: Gateway, actor: Actor, form: FormData) -> FormFiles:
    """Files staged before (hidden entries) plus the ones chosen now, each staged; a refused file is an error on
    its document's field."""
    files = FormFiles()
    for key, value in form.multi_items():
        if key.startswith(STAGED_PREFIX) and isinstance(value, str) and value.count("|") >= 2:
            staged_id, filename, size_text = value.split("|", 2)
            document_type = key.removeprefix(STAGED_PREFIX)
            files.staged.append(
                {"document_type": document_type, "staged_id": staged_id, "filename": filename, "size_text": size_text}
            )
        elif key.startswith(REMOVE_PREFIX) and value:
            files.remove.append(key.removeprefix(REMOVE_PREFIX))
    rules = gateway.attachment_rules()
    for key, value in form.multi_items():
        if not (key.startswith(FILE_PREFIX) and isinstance(value, UploadFile) and value.filename):
            continue
        document_type = key.removeprefix(FILE_PREFIX)
        data = await value.read(rules.max_file_bytes + 1)
        try:
            staged = await gateway.stage(actor, value.filename, data)
        except ValidationFailed as exc:
            message = exc.fields[0].message if exc.fields else exc.title
            name = f"attachments.{document_type}"
            files.errors[name] = f"{files.errors[name]}; {message}" if name in files.errors else message
            continue
        files.staged.append(
            {
                "document_type": document_type,
                "staged_id": staged["staged_id"],
                "filename": staged["filename"],
                "size_text": staged["size_text"],
            }
        )
    return files


async def requirements(gateway: Gateway, actor: Actor, award_code: str | None) -> dict[str, Any] | None:
    """The award's documents as registration states them (None before an award is chosen)."""
    if not award_code:
        return None
    result: dict[str, Any] = await gateway.call("registration", "document_requirements", actor, {"award_code": award_code})
    return result
