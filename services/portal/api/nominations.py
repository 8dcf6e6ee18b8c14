"""Nominations ("hồ sơ đề nghị khen thưởng") through the JSON API: submit, list, read, edit after a return,
resubmit, withdraw, and the dossier's files (staged on upload, checked on download). Registration decides."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel

from services.portal.api.deps import Code, CurrentActor, Id, Offset, PageCursor, Period, page_limit, present
from services.portal.downloads import XLSX, binary_responses, file_response
from services.portal.exports import nominations_download
from services.portal.gateway import Gateway
from services.portal.list_workbook import EXPORT_ROW_CAP
from services.portal.uploads import read_upload
from shared.contracts.commands import NominationDraft, NominationEdit, Withdrawal
from shared.contracts.operations import registration as registration_ops
from shared.contracts.paging import NOMINATIONS_PAGE_MAX
from shared.rules.attachments import MEDIA_TYPES

UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class StagedFile(BaseModel):
    """A file the portal checked and keeps for a while, for the submission that names it by `staged_id`."""

    staged_id: str
    filename: str
    size: int
    size_text: str
    media_type: str
    type: str
    sha256: str
    expires_in_seconds: int


NominationOrder = Annotated[
    registration_ops.NominationSort,
    Query(description="Thứ tự: -created (mới nộp trước, mặc định) hoặc created (nộp trước lên trước)"),
]


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["nominations"])

    @api.post("/nominations", status_code=status.HTTP_201_CREATED, summary="Nộp hồ sơ đề nghị khen thưởng")
    async def submit(body: NominationDraft, actor: CurrentActor, response: Response) -> registration_ops.NominationView:
        created = await gateway.ask(registration_ops.SUBMIT, actor, body.model_dump(mode="json"))
        response.headers["Location"] = f"/api/v1/nominations/{created.id}"
        return created

    @api.get("/nominations", summary="Danh sách hồ sơ trong phạm vi của người dùng")
    async def list_nominations(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(NOMINATIONS_PAGE_MAX, 50)],
        unit_code: Code = None,
        status: Code = None,
        award_code: Code = None,
        period: Period = None,
        sort: NominationOrder = "-created",
        offset: Offset = 0,
        cursor: PageCursor = None,
    ) -> registration_ops.NominationPage:
        params = {
            "unit_code": unit_code,
            "status": status,
            "award_code": award_code,
            "period": period,
            "sort": sort if sort != "-created" else None,
            "limit": limit,
            "offset": offset or None,
            "cursor": cursor,
        }
        return await gateway.ask(registration_ops.LIST_NOMINATIONS, actor, present(params))

    @api.get(
        "/nominations.xlsx",
        summary=f"Danh sách hồ sơ dạng bảng tính .xlsx: mọi hồ sơ khớp bộ lọc (tối đa {EXPORT_ROW_CAP} dòng)",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def nominations_xlsx(
        actor: CurrentActor,
        unit_code: Code = None,
        status: Code = None,
        award_code: Code = None,
        period: Period = None,
        sort: NominationOrder = "-created",
    ) -> Response:
        params = {"unit_code": unit_code, "status": status, "award_code": award_code, "period": period}
        params["sort"] = sort if sort != "-created" else None
        return await nominations_download(gateway, actor, present(params))

    @api.get("/nominations/{nomination_id}", summary="Hồ sơ, trạng thái, dòng thời gian và quyết định")
    async def get_nomination(nomination_id: Id, actor: CurrentActor) -> registration_ops.NominationView:
        return await gateway.ask(registration_ops.GET_NOMINATION, actor, {"id": nomination_id})

    @api.put("/nominations/{nomination_id}", summary="Sửa hồ sơ đã bị trả lại")
    async def edit(nomination_id: Id, body: NominationEdit, actor: CurrentActor) -> registration_ops.NominationView:
        return await gateway.ask(
            registration_ops.UPDATE, actor, {"id": nomination_id, **body.model_dump(mode="json", exclude_none=True)}
        )

    @api.post("/nominations/{nomination_id}/resubmit", summary="Nộp lại hồ sơ sau khi sửa")
    async def resubmit(
        nomination_id: Id, actor: CurrentActor, body: NominationEdit | None = None
    ) -> registration_ops.NominationView:
        edits = body.model_dump(mode="json", exclude_none=True) if body else {}
        return await gateway.ask(registration_ops.RESUBMIT, actor, {"id": nomination_id, **edits})

    @api.post("/nominations/{nomination_id}/withdraw", summary="Rút hồ sơ trước khi có quyết định")
    async def withdraw(nomination_id: Id, actor: CurrentActor, body: Withdrawal | None = None) -> registration_ops.NominationView:
        return await gateway.ask(registration_ops.WITHDRAW, actor, {"id": nomination_id, "reason": body.reason if body else ""})

    @api.post(
        "/attachments",
        status_code=status.HTTP_201_CREATED,
        summary="Tải lên một tài liệu (multipart, trường `file`); trả về mã tệp để nộp kèm hồ sơ",
        openapi_extra=UPLOAD_BODY,
    )
    async def upload(request: Request, actor: CurrentActor) -> StagedFile:
        # at most the file limit in force (and the form around it), refused as soon as a chunked body passes it
        upload = await read_upload(request, gateway.attachment_rules().max_file_bytes)
        return StagedFile.model_validate(await gateway.stage(actor, upload.filename, upload.data))

    @api.get(
        "/nominations/{nomination_id}/attachments/{attachment_id}",
        summary="Tải về một tài liệu của hồ sơ (kiểm tra SHA-256 trước khi gửi)",
        response_class=Response,
        responses=binary_responses(*MEDIA_TYPES.values()),
    )
    async def download(nomination_id: Id, attachment_id: Id, actor: CurrentActor) -> Response:
        found, data = await gateway.download(actor, nomination_id, attachment_id)
        return file_response(found, data)

    return api
