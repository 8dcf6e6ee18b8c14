"""Reports and the grassroots register through the JSON API: counts of awards as the union's reports print them
(JSON or .xlsx), and a CĐCS recording the awards it decides itself (JSON rows or the .xlsx template)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.portal.api.deps import CurrentActor, xlsx_upload_body
from services.portal.downloads import XLSX, binary_responses
from services.portal.gateway import Gateway
from services.portal.register_import import MAX_FILE_BYTES, MAX_ROWS
from services.portal.reports import import_register, read_register_upload, report_xlsx
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.operations import awards as awards_ops
from shared.rules.attachments import format_size

# Read by the route itself (role check first, then a bounded read), so the body is described here.
REGISTER_UPLOAD_BODY = xlsx_upload_body("Mã công đoàn cơ sở")


# The report's filters, as awards' `report` takes them (bounds and choices documented from the one model).
ReportFilters = Annotated[awards_ops.ReportQuery, Query()]


class GrassrootsBody(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở")
    entries: list[awards_ops.GrassrootsRow] = Field(min_length=1, max_length=awards_ops.MAX_GRASSROOTS_ROWS)


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["reports"])

    @api.get("/reports/awards", summary="Báo cáo khen thưởng theo đơn vị, thời gian, hình thức, cấp, khối")
    async def report_api(actor: CurrentActor, filters: ReportFilters) -> awards_ops.ReportView:
        return await gateway.ask(awards_ops.REPORT, actor, filters.model_dump(mode="json", exclude_none=True))

    @api.get(
        "/reports/awards.xlsx",
        summary="Báo cáo khen thưởng dạng .xlsx",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def report_xlsx_api(actor: CurrentActor, filters: ReportFilters) -> Response:
        return await report_xlsx(gateway, actor, filters.model_dump(mode="json", exclude_none=True))

    @api.post("/grassroots-awards", summary="Ghi sổ khen thưởng do công đoàn cơ sở tự quyết định")
    async def record_grassroots(actor: CurrentActor, body: GrassrootsBody) -> awards_ops.GrassrootsRecorded:
        return await gateway.ask(awards_ops.RECORD_GRASSROOTS, actor, body.model_dump(mode="json"))

    @api.post(
        "/grassroots-awards/xlsx",
        summary=f"Ghi sổ khen thưởng cơ sở từ tệp .xlsx theo mẫu (multipart: `unit_code`, `file`; tối đa {MAX_ROWS} dòng,"
        f" {format_size(MAX_FILE_BYTES)})",
        openapi_extra=REGISTER_UPLOAD_BODY,
    )
    async def record_grassroots_xlsx(request: Request, actor: CurrentActor) -> awards_ops.GrassrootsRecorded:
        upload = await read_register_upload(request, actor)  # who may, then at most MAX_FILE_BYTES, then read
        result, problems = await import_register(gateway, actor, upload.fields["unit_code"], upload.data)
        if problems:
            fields = [FieldError(field=f"row {p.row}", message=p.text()) for p in problems]
            raise ValidationFailed("Tệp có dòng chưa hợp lệ, chưa ghi dòng nào", fields=fields, code="grassroots_rows_invalid")
        return awards_ops.GrassrootsRecorded.model_validate(result)

    return api
