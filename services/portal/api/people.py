"""The JSON API of the register of people ("Đoàn viên / Người lao động"): list and search a unit's people, add, edit
and transfer one, import a member list (JSON rows or the .xlsx template).

Thin like the rest of the API: the body is validated with the shared model, then registration, which owns the register,
decides who may see or change whom and answers. An identification number is sent, never answered: the replies carry
its last four digits masked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response

from services.portal.api.deps import Code, CurrentActor, Id, Offset, page_limit, present, xlsx_upload_body
from services.portal.downloads import XLSX, binary_responses, content_disposition
from services.portal.gateway import Gateway
from services.portal.people_import import template_workbook
from services.portal.people_register import TRUE, import_people_file, read_people_upload
from services.portal.register_import import MAX_FILE_BYTES
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.operations import registration as registration_ops
from shared.contracts.people import (
    IMPORT_ROWS_MAX,
    PEOPLE_PAGE_MAX,
    ImportOutcome,
    ImportPeople,
    NewPerson,
    PeoplePage,
    PersonChanges,
    PersonView,
    Transfer,
)
from shared.rules.attachments import format_size

PEOPLE_UPLOAD_BODY = xlsx_upload_body(
    "Mã đơn vị",
    valid_only={
        "type": "string",
        "enum": ["true", "false"],
        "description": "true: nhập các dòng hợp lệ, bỏ qua dòng lỗi (mặc định: có lỗi thì không nhập)",
    },
)


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["people"])

    @api.get("/people", summary="Đoàn viên, người lao động của đơn vị (và các đơn vị trực thuộc); tìm theo tên không dấu")
    async def list_people(
        actor: CurrentActor,
        limit: Annotated[int, page_limit(PEOPLE_PAGE_MAX, 50)],
        unit_code: Code = None,
        q: Annotated[str | None, Query(min_length=1, max_length=200, description="Họ tên, có dấu hay không")] = None,
        offset: Offset = 0,
    ) -> PeoplePage:
        params = {"unit_code": unit_code, "q": q, "limit": limit, "offset": offset}
        return await gateway.ask(registration_ops.LIST_PEOPLE, actor, present(params))

    @api.post("/people", status_code=status.HTTP_201_CREATED, summary="Thêm một người vào danh sách của đơn vị")
    async def create_person(body: NewPerson, actor: CurrentActor) -> PersonView:
        return await gateway.ask(registration_ops.CREATE_PERSON, actor, body.model_dump(mode="json", exclude_none=True))

    @api.get(
        "/people/template.xlsx",
        summary="Tệp mẫu .xlsx danh sách đoàn viên để nhập",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def people_template(actor: CurrentActor) -> Response:
        return Response(
            template_workbook(), media_type=XLSX, headers={"Content-Disposition": content_disposition("mau-doan-vien.xlsx")}
        )

    @api.post("/people/import", summary="Nhập danh sách đoàn viên (các dòng JSON); người đã có được nhận ra, không nhân bản")
    async def import_people(body: ImportPeople, actor: CurrentActor) -> ImportOutcome:
        return await gateway.ask(registration_ops.IMPORT_PEOPLE, actor, body.model_dump(mode="json"))

    @api.post(
        "/people/import.xlsx",
        summary=f"Nhập danh sách đoàn viên từ tệp .xlsx theo mẫu (multipart: `unit_code`, `file`, `valid_only`; tối đa"
        f" {IMPORT_ROWS_MAX} dòng, {format_size(MAX_FILE_BYTES)})",
        openapi_extra=PEOPLE_UPLOAD_BODY,
    )
    async def import_people_xlsx(request: Request, actor: CurrentActor) -> ImportOutcome:
        upload = await read_people_upload(request)
        valid_only = upload.fields.get("valid_only", "").lower() in TRUE
        imported = await import_people_file(gateway, actor, upload.fields["unit_code"], upload.data, valid_only=valid_only)
        if imported.outcome is None:
            fields = [FieldError(field=f"row {p.row}", message=p.text()) for p in imported.problems]
            raise ValidationFailed("Tệp có dòng chưa hợp lệ, chưa nhập dòng nào", fields=fields, code="people_rows_invalid")
        return imported.outcome

    @api.get("/people/{person_id}", summary="Một người: đơn vị đã sinh hoạt theo thời gian và các hồ sơ khen thưởng")
    async def get_person(person_id: Id, actor: CurrentActor) -> PersonView:
        return await gateway.ask(registration_ops.GET_PERSON, actor, {"id": person_id})

    @api.put("/people/{person_id}", summary="Sửa thông tin một người (số định danh không gửi: giữ 4 số cuối đã lưu)")
    async def update_person(person_id: Id, body: PersonChanges, actor: CurrentActor) -> PersonView:
        params = {"id": person_id, **body.model_dump(mode="json", exclude_none=True)}
        return await gateway.ask(registration_ops.UPDATE_PERSON, actor, params)

    @api.post("/people/{person_id}/transfer", summary="Chuyển sinh hoạt sang đơn vị khác; các danh hiệu đã đạt đi theo người")
    async def transfer_person(person_id: Id, body: Transfer, actor: CurrentActor) -> PersonView:
        return await gateway.ask(registration_ops.TRANSFER_PERSON, actor, {"id": person_id, **body.model_dump(mode="json")})

    return api
