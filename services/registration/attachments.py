"""The dossier's files in the JetStream Object Store: take a file the portal staged and check it, keep it in
registration's own bucket, forget it again. The rows that describe them are the store's; the rules are in
shared/rules/attachments.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import nats.errors
from anyio import CapacityLimiter
from nats.js.api import ObjectMeta
from nats.js.errors import BucketNotFoundError

from shared.contracts.commands import StagedAttachment
from shared.contracts.errors import ServiceUnavailable, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.subjects import ATTACHMENTS_BUCKET, STAGING_BUCKET
from shared.platform.objectstore import Buckets, ObjectNotFoundError, ObjectTooLarge, read_object
from shared.platform.workers import in_worker
from shared.rules.attachments import (
    FILENAME_HEADER,
    UPLOADED_BY_HEADER,
    AttachmentRules,
    CheckedFile,
    check_file,
    format_size,
)

log = logging.getLogger("thidua.registration.attachments")
STAGED_GONE_VI = "Tệp đã tải lên không còn (quá thời hạn giữ tạm hoặc không phải của bạn): hãy tải lại"


@dataclass(frozen=True)
class Incoming:
    """A staged file that passed the checks, with its bytes, waiting for the transaction that records it."""

    document_type: str
    file: CheckedFile
    data: bytes


def header(headers: dict[str, Any] | None, name: str) -> str:
    """One header of an object's metadata (nats.go writes lists of values; take the first)."""
    value = (headers or {}).get(name)
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value) if value is not None else ""


class DossierFiles:
    """Registration's side of the Object Store: reads the portal's staging bucket, writes its own."""

    def __init__(self, buckets: Buckets) -> None:
        self.buckets = buckets
        self.readers = CapacityLimiter(2)  # files checked at once, each in a worker process (shared/platform/workers.py)

    async def take_staged(self, actor: Actor, staged: list[StagedAttachment], rules: AttachmentRules) -> list[Incoming]:
        """Each staged file, checked (size, type by content, extension, SHA-256); a 422 on `attachments.<type>`."""
        taken: list[Incoming] = []
        for s in staged:
            field = f"attachments.{s.document_type}"
            gone = ValidationFailed.on(field, STAGED_GONE_VI, code="staged_not_found")
            try:
                staging = await self.buckets.other(STAGING_BUCKET)
                info, data = await read_object(staging, s.staged_id, max_bytes=rules.max_file_bytes)
            except (ObjectNotFoundError, BucketNotFoundError) as exc:
                raise gone from exc
            except ObjectTooLarge as exc:
                raise ValidationFailed.on(
                    field,
                    f"Tệp có dung lượng {format_size(exc.info.size or 0)}, "
                    f"vượt giới hạn {format_size(rules.max_file_bytes)} mỗi tệp",
                    code="attachment_too_large",
                ) from exc
            except (nats.errors.Error, TimeoutError) as exc:
                log.exception("attachment.staging_unreadable", extra={"staged_id": s.staged_id})
                raise ServiceUnavailable("Kho tệp tạm thời không đọc được, vui lòng thử lại sau") from exc
            if header(info.headers, UPLOADED_BY_HEADER) != actor.user_id:
                raise gone  # another person's upload: as if it did not exist
            # the parsers (pypdf, oletools) take up to seconds on a large file: in a worker process, not this one
            name = header(info.headers, FILENAME_HEADER)
            checked = await in_worker(partial(check_file, field=field), name, data, rules, limiter=self.readers)
            taken.append(Incoming(s.document_type, checked, data))
        return taken

    async def keep(self, attachment_id: str, nomination_id: str, incoming: Incoming) -> None:
        bucket = await self.buckets.own(ATTACHMENTS_BUCKET, description="Thi Đua: tài liệu hồ sơ (registration)")
        meta = ObjectMeta(
            name=attachment_id,
            description=incoming.file.filename,
            headers={
                "Thidua-Nomination": [nomination_id],
                "Thidua-Document-Type": [incoming.document_type],
                "Thidua-Sha256": [incoming.file.sha256],
                "Content-Type": [incoming.file.media_type],
            },
        )
        await bucket.put(attachment_id, incoming.data, meta=meta)

    async def forget(self, names: list[str]) -> None:
        """Objects written for a transaction that did not commit (best effort: a leftover is only unreferenced)."""
        if not names:
            return
        try:
            bucket = await self.buckets.own(ATTACHMENTS_BUCKET)
            for name in names:
                await bucket.delete(name)
        except (nats.errors.Error, TimeoutError, ObjectNotFoundError):
            log.warning("attachment.cleanup_failed", extra={"objects": names}, exc_info=True)
