"""Reports and the grassroots register through the JSON API: counts of awards as the union's reports print them
(JSON or .xlsx), and a CĐCS recording the awards it decides itself (JSON rows or the .xlsx template)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.portal.api.deps import CurrentActor
from services.portal.downloads import XLSX, binary_responses
from services.portal.gateway import Gateway
from services.portal.register_import import MAX_FILE_BYTES, MAX_ROWS
from services.portal.reports import import_register, read_register_upload, report_params, report_xlsx
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.operations import awards as awards_ops
from shared.rules.attachments import format_size

# Read by the route itself (role check first, then a bounded read), so the body is described here.
REGISTER_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["unit_code", "file"],
                    "properties": {
                        "unit_code": {"type": "string", "minLength": 1, "maxLength": 64, "description": "Mã công đoàn cơ sở"},
                        "file": {"type": "string", "format": "binary", "description": "Tệp .xlsx theo mẫu"},
                    },
                }
            }
        },
    }
}


class GrassrootsBody(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở")
    entries: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=2000,
        description="Mỗi dòng: award_code, nominee_kind, nominee_name, decided_on (YYYY-MM-DD), decision_number, title,"
        " entry_key",
    )


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["reports"])

    @api.get("/reports/awards", summary="Báo cáo khen thưởng theo đơn vị, thời gian, hình thức, cấp, khối")
    async def report_api(
        actor: CurrentActor,
        unit_code: str | None = None,
        year: int | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        award_code: str | None = None,
        level: Literal["grassroots", "district", "city", "national"] | None = None,
        sector: Literal["public_administration", "school", "enterprise", "unknown"] | None = None,
        nominee_kind: Literal["individual", "collective"] | None = None,
    ) -> awards_ops.ReportView:
        return await gateway.ask(awards_ops.REPORT, actor, report_params(locals()))

    @api.get(
        "/reports/awards.xlsx",
        summary="Báo cáo khen thưởng dạng .xlsx",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def report_xlsx_api(request: Request, actor: CurrentActor) -> Response:
        return await report_xlsx(gateway, actor, report_params(dict(request.query_params)))

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
