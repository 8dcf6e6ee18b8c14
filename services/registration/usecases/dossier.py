"""The dossier's files: taking the files the portal staged, checking them against the award and the limits in force,
keeping them with the nomination; and what one may read of them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from uuid import uuid4

import nats.errors

from services.registration.attachments import DossierFiles, Incoming
from services.registration.store import Store
from services.registration.store.records import AttachmentRow
from services.registration.usecases.access import require_view
from services.registration.usecases.common import load_nomination
from services.registration.usecases.context import RegistrationContext
from services.registration.usecases.views import attachment_view
from shared.contracts import subjects
from shared.contracts.commands import StagedAttachment
from shared.contracts.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.registration import (
    AttachmentLocation,
    AttachmentQuery,
    DocumentRequirement,
    DocumentRequirements,
    RequirementsQuery,
)
from shared.rules import attachments as att
from shared.rules.catalog import Award

log = logging.getLogger("thidua.registration.attachments")
FILE_STORE_NOT_READY_VI = "Kho tệp chưa sẵn sàng, vui lòng thử lại sau"


async def take_staged(
    files: DossierFiles | None, actor: Actor, staged: list[StagedAttachment], rules: att.AttachmentRules
) -> list[Incoming]:
    if not staged:
        return []
    if files is None:
        raise ServiceUnavailable(FILE_STORE_NOT_READY_VI)
    return await files.take_staged(actor, staged, rules)


@asynccontextmanager
async def cleaning_up(files: DossierFiles | None, written: list[str]) -> AsyncIterator[None]:
    """Objects put for a transaction that then failed are deleted again (the rows never existed)."""
    try:
        yield
    except BaseException:
        if files is not None:
            await files.forget(written)
        raise


def check_attachments(
    award: Award | None,
    kept: list[AttachmentRow],
    incoming: list[Incoming],
    rules: att.AttachmentRules,
    names: dict[str, str],
    *,
    required: bool,
) -> None:
    """The award's documents only; the limits on the whole dossier; the required documents when `required` and the
    rules in force enforce them (otherwise the missing ones are listed on the dossier)."""
    if award is None:
        return
    att.check_document_types(award, [i.document_type for i in incoming], names)
    att.check_totals([a.size for a in kept] + [i.file.size for i in incoming], rules)
    if required:
        att.require_documents(award, [a.document_type for a in kept] + [i.document_type for i in incoming], rules, names)


async def keep_files(
    store: Store,
    files: DossierFiles | None,
    nomination_id: str,
    incoming: list[Incoming],
    names: dict[str, str],
    *,
    actor: Actor,
    round_: int,
    now: datetime,
    written: list[str],
) -> None:
    """Rows for the new files and their bytes in registration's bucket; `written` collects the objects put."""
    if not incoming:
        return
    if files is None:
        raise ServiceUnavailable(FILE_STORE_NOT_READY_VI)
    for item in incoming:
        attachment_id = str(uuid4())
        await store.add_attachment(
            AttachmentRow(
                id=attachment_id,
                nomination_id=nomination_id,
                document_type=item.document_type,
                document_name=names.get(item.document_type, item.document_type),
                filename=item.file.filename,
                media_type=item.file.media_type,
                size=item.file.size,
                sha256=item.file.sha256,
                bucket=subjects.ATTACHMENTS_BUCKET,
                object_name=attachment_id,
                round=round_,
                uploaded_by=actor.user_id,
                uploaded_at=now,
            )
        )
        try:
            await files.keep(attachment_id, nomination_id, item)
        except (nats.errors.Error, TimeoutError) as exc:
            log.exception("attachment.store_failed", extra={"nomination_id": nomination_id})
            raise ServiceUnavailable("Kho tệp tạm thời không ghi được, hồ sơ chưa được lưu; vui lòng thử lại sau") from exc
        written.append(attachment_id)


def refuse_unknown_removals(removed: frozenset[str], kept: list[AttachmentRow]) -> None:
    unknown = removed - {a.id for a in kept}
    if unknown:
        raise ValidationFailed.on(
            "remove_attachments",
            "Tài liệu cần bỏ không có trong hồ sơ: " + ", ".join(sorted(unknown)),
            code="attachment_not_found",
        )


def files_changed(added: int, removed: int) -> str:
    parts = ([f"thêm {added} tệp"] if added else []) + ([f"bỏ {removed} tệp"] if removed else [])
    return ("Tài liệu: " + ", ".join(parts)) if parts else ""


async def attachment(ctx: RegistrationContext, actor: Actor, q: AttachmentQuery) -> AttachmentLocation:
    """Where one of the dossier's files is and its checksum, for whoever may see the nomination (the portal then
    reads the object and checks the SHA-256 on the way out). A removed file stays readable for the record."""
    async with ctx.uow.reading() as store:
        require_view(actor, await load_nomination(store, q.nomination_id))
        found = await store.attachment(q.nomination_id, q.attachment_id)
    if found is None:
        raise NotFound("Không tìm thấy tài liệu này trong hồ sơ", code="attachment_not_found")
    return AttachmentLocation(**dict(attachment_view(found)), bucket=found.bucket, object_name=found.object_name)


async def document_requirements(ctx: RegistrationContext, actor: Actor, q: RequirementsQuery) -> DocumentRequirements:
    """The award's documents (required or not), the limits in force and whether missing documents refuse a submission."""
    today = ctx.today()
    catalogs = ctx.rules.catalogs_on(today)
    award = catalogs.get(q.award_code)
    if award is None:
        raise NotFound("Không có hình thức khen thưởng này trong danh mục đang áp dụng", code="award_not_found")
    rules = ctx.rules.attachment_rules_on(today)
    names = att.document_names(catalogs.catalogs)
    required = set(att.required_documents(award))
    return DocumentRequirements(
        award_code=award.code,
        documents=[DocumentRequirement(code=d, name=names.get(d, d), required=d in required) for d in award.documents],
        enforced=rules.require_documents,
        max_file_bytes=rules.max_file_bytes,
        max_files=rules.max_files,
        max_total_bytes=rules.max_total_bytes,
        allowed_types=list(rules.allowed_types),
        accept=",".join(ext for k in rules.allowed_types for ext in att.EXTENSIONS[k]),
        limits_text=(
            f"Tối đa {att.format_size(rules.max_file_bytes)} mỗi tệp, {rules.max_files} tệp, "
            f"tổng {att.format_size(rules.max_total_bytes)}; định dạng: "
            + ", ".join(att.KIND_NAMES_VI[k] for k in rules.allowed_types)
        ),
    )
