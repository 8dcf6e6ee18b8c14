"""Reports in the console (`/bao-cao`) and the JSON API: counts of awards as the union's reports print them, and the
grassroots register (a CĐCS records the awards it decides itself). Awards owns the figures and decides who may see
or record what; this module turns query strings and forms into its requests and its replies into pages and .xlsx."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from pydantic import BaseModel, Field

from services.portal.api import CurrentActor
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.pages import TEMPLATES, _parse_vn_date, render
from services.portal.web.register_import import RowProblem, problems_from_reply, rows_from_xlsx, template_workbook
from shared.contracts.errors import FieldError, ValidationFailed
from shared.contracts.events import Actor
from shared.platform.rpc import RemoteError
from shared.rules.documents import vnd

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SECTORS = (
    ("public_administration", "HCSN"),
    ("school", "Trường học"),
    ("enterprise", "Doanh nghiệp"),
    ("unknown", "Chưa phân loại"),
)
LEVELS = (
    ("grassroots", "Cấp cơ sở"),
    ("district", "Cấp trên trực tiếp cơ sở"),
    ("city", "Cấp Thành phố"),
    ("national", "Cấp Trung ương"),
)
KINDS = (("individual", "Cá nhân"), ("collective", "Tập thể"))
FILTER_NAMES = ("unit_code", "year", "date_from", "date_to", "award_code", "level", "sector", "nominee_kind")

TEMPLATES.env.filters.setdefault("vn_number", lambda n: vnd(int(n or 0)))


class GrassrootsBody(BaseModel):
    unit_code: str = Field(min_length=1, max_length=64, description="Mã công đoàn cơ sở")
    entries: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=2000,
        description="Mỗi dòng: award_code, nominee_kind, nominee_name, decided_on (YYYY-MM-DD), decision_number, title,"
        " entry_key",
    )


def _params(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in FILTER_NAMES and v not in (None, "")}


def period_label(report: dict[str, Any]) -> str:
    start, end = report.get("date_from"), report.get("date_to")
    if start and end and start[4:] == "-01-01" and end[4:] == "-12-31" and start[:4] == end[:4]:
        return f"năm {start[:4]}"

    def vn(d: str) -> str:
        return datetime.fromisoformat(d).strftime("%d/%m/%Y")

    if start and end:
        return f"từ {vn(start)} đến {vn(end)}"
    if start:
        return f"từ {vn(start)}"
    if end:
        return f"đến {vn(end)}"
    return "mọi thời gian"


def report_workbook(report: dict[str, Any], unit_name: str) -> bytes:
    """The report on four sheets (summary, by award, by unit, by sector and level); counts and amounts stay numbers."""
    book = Workbook()
    bold = Font(bold=True)
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    summary.append([f"BÁO CÁO KẾT QUẢ KHEN THƯỞNG — {unit_name}".upper()])
    summary.append([f"Thời gian: {period_label(report)}"])
    summary.cell(row=1, column=1).font = Font(bold=True, size=13)
    summary.append([])
    summary.append([f"Tổng cộng: {report['total']['headline']}; tiền thưởng {vnd(report['total']['prize_vnd'])} đ"])
    for a in report["by_award"]:
        summary.append([f"- {a['headline']}"])
    summary.column_dimensions["A"].width = 110

    def table(title: str, header: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            sheet.append(row)
        for i, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + i)].width = width
        for line in sheet.iter_rows(min_row=2, min_col=2):
            for cell in line:
                if isinstance(cell.value, int):
                    cell.number_format = "#,##0"

    sector_titles = [label for _, label in SECTORS]
    table(
        "Theo hình thức",
        ["Hình thức", "Cấp quyết định", "Số lượng", "Cá nhân", "Tập thể", *sector_titles, "Tiền thưởng (đ)"],
        [
            [a["award_name"], a["level_label"], a["count"], a["individual"], a["collective"]]
            + [a["by_sector"][s] for s, _ in SECTORS]
            + [a["prize_vnd"]]
            for a in report["by_award"]
        ]
        + [
            ["Tổng cộng", "", report["total"]["count"], report["total"]["individual"], report["total"]["collective"]]
            + [report["total"]["by_sector"][s] for s, _ in SECTORS]
            + [report["total"]["prize_vnd"]]
        ],
        [46, 24, 12, 10, 10, 10, 12, 14, 14, 16],
    )
    table(
        "Theo đơn vị",
        ["Mã đơn vị", "Đơn vị", "Số lượng", *sector_titles, "Tiền thưởng (đ)"],
        [
            [u["code"], u["name"], u["count"]] + [u["by_sector"][s] for s, _ in SECTORS] + [u["prize_vnd"]]
            for u in report["by_unit"]
        ],
        [26, 50, 12, 10, 12, 14, 14, 16],
    )
    table(
        "Theo khối và cấp",
        ["Nhóm", "Số lượng", "Cá nhân", "Tập thể", "Tiền thưởng (đ)"],
        [[s["label"], s["count"], s["individual"], s["collective"], s["prize_vnd"]] for s in report["by_sector"]]
        + [
            [f"Khen thưởng {lv['label']}", lv["count"], lv["individual"], lv["collective"], lv["prize_vnd"]]
            for lv in report["by_level"]
        ]
        + [[f"Năm {y['year']}", y["count"], y["individual"], y["collective"], y["prize_vnd"]] for y in report["by_year"]],
        [40, 12, 10, 10, 16],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _visible_units(actor: Actor, units: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """The units the filter offers: every unit for operations, else the actor's units and everything below them."""
    own = {g.unit_code for g in actor.roles if g.unit_code}

    def under_own(code: str) -> bool:
        seen: set[str] = set()
        current: str | None = code
        while current and current not in seen:
            if current in own:
                return True
            seen.add(current)
            current = units.get(current, {}).get("parent_code")
        return False

    chosen = [(c, u["name"]) for c, u in units.items() if actor.sees_everything() or under_own(c)]
    levels = {"national": 0, "city": 1, "district": 2, "grassroots": 3}
    return sorted(chosen, key=lambda x: (levels.get(units[x[0]]["level"], 9), x[1]))


def build_reports(gateway: Gateway) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/api/v1/reports/awards", tags=["reports"], summary="Báo cáo khen thưởng theo đơn vị, thời gian, hình thức, cấp, khối"
    )
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
    ) -> Any:
        return await gateway.call("awards", "report", actor, _params(locals()))

    @router.get("/api/v1/reports/awards.xlsx", tags=["reports"], summary="Báo cáo khen thưởng dạng .xlsx")
    async def report_xlsx_api(request: Request, actor: CurrentActor) -> Response:
        return await _xlsx(actor, _params(dict(request.query_params)))

    @router.post("/api/v1/grassroots-awards", tags=["reports"], summary="Ghi sổ khen thưởng do công đoàn cơ sở tự quyết định")
    async def record_grassroots(actor: CurrentActor, body: GrassrootsBody) -> Any:
        return await gateway.call("awards", "record_grassroots", actor, body.model_dump(mode="json"))

    async def _xlsx(actor: Actor, params: dict[str, Any]) -> Response:
        report = await gateway.call("awards", "report", actor, params)
        units = await gateway.units(actor)
        name = units.get(report["unit_code"], {}).get("name", report["unit_code"])
        filename = f"bao-cao-khen-thuong-{report['unit_code']}-{(report.get('date_from') or '')[:4] or 'tat-ca'}.xlsx"
        return Response(
            report_workbook(report, name), media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    async def _page_params(request: Request) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
        """The query as awards wants it (dates typed dd/mm/yyyy), what the form shows back, and errors per field."""
        shown = {k: request.query_params.get(k, "").strip() for k in FILTER_NAMES}
        errors: dict[str, str] = {}
        params: dict[str, Any] = dict(shown)
        for field in ("date_from", "date_to"):
            params[field], problem = _parse_vn_date(shown[field])
            if problem:
                errors[field] = problem
        if shown["year"] and not shown["year"].isdigit():
            errors["year"] = "Năm phải là số, ví dụ 2024"
            params["year"] = ""
        return _params(params), shown, errors

    @router.get("/bao-cao", response_class=HTMLResponse)
    async def report_page(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        params, shown, errors = await _page_params(request)
        if "unit_code" not in params and not actor.sees_everything():
            active = web.active_unit(request, actor)
            if active:
                params["unit_code"] = shown["unit_code"] = active
        report = await gateway.call("awards", "report", actor, params)
        units = await gateway.units(actor)
        catalog = await gateway.call("awards", "list_catalog", actor)
        return await render(
            request,
            "reports.html",
            actor,
            title="Báo cáo khen thưởng",
            report=report,
            unit_name=units.get(report["unit_code"], {}).get("name", report["unit_code"]),
            period=period_label(report),
            filters=shown,
            errors=errors,
            unit_choices=_visible_units(actor, units),
            awards=[(a["code"], a["name"]) for a in catalog["awards"]],
            sectors=SECTORS,
            levels=LEVELS,
            kinds=KINDS,
            xlsx_query=request.url.query,
        )

    @router.get("/bao-cao.xlsx")
    async def report_page_xlsx(request: Request) -> Response:
        actor = await web.current_actor(request)
        params, _, _ = await _page_params(request)
        if "unit_code" not in params and not actor.sees_everything():
            active = web.active_unit(request, actor)
            if active:
                params["unit_code"] = active
        return await _xlsx(actor, params)

    # The grassroots register from a spreadsheet

    async def _grassroots_awards(actor: Actor) -> dict[str, str]:
        catalog = await gateway.call("awards", "list_catalog", actor)
        return {
            a["code"]: a["name"] for a in catalog["awards"] if a["awarding_level"] == "grassroots" and a["outcome"] == "decision"
        }

    async def _import(actor: Actor, unit_code: str, data: bytes) -> tuple[dict[str, Any] | None, list[RowProblem]]:
        rows, numbers, problems = rows_from_xlsx(data, await _grassroots_awards(actor))
        if problems:
            return None, problems
        try:
            return await gateway.call("awards", "record_grassroots", actor, {"unit_code": unit_code, "entries": rows}), []
        except RemoteError as exc:
            if not exc.fields:
                raise
            return None, problems_from_reply([f.model_dump() for f in exc.fields], numbers)

    @router.post("/api/v1/grassroots-awards/xlsx", tags=["reports"], summary="Ghi sổ khen thưởng cơ sở từ tệp .xlsx theo mẫu")
    async def record_grassroots_xlsx(actor: CurrentActor, unit_code: Annotated[str, Form()], file: UploadFile) -> Any:
        result, problems = await _import(actor, unit_code, await file.read())
        if problems:
            fields = [FieldError(field=f"row {p.row}", message=p.text()) for p in problems]
            raise ValidationFailed("Tệp có dòng chưa hợp lệ, chưa ghi dòng nào", fields=fields, code="grassroots_rows_invalid")
        return result

    async def _register_units(actor: Actor) -> list[tuple[str, str]]:
        units = await gateway.units(actor)
        own = {g.unit_code for g in actor.roles if g.role in ("submitter", "unit_admin") and g.unit_code}
        chosen = [
            (c, u["name"])
            for c, u in units.items()
            if u["level"] == "grassroots" and not u.get("valid_to") and (actor.is_admin or c in own)
        ]
        return sorted(chosen, key=lambda x: x[1])

    async def _register_page(request: Request, actor: Actor, **context: Any) -> HTMLResponse:
        return await render(
            request, "register.html", actor, title="Sổ khen thưởng cơ sở", unit_choices=await _register_units(actor), **context
        )

    @router.get("/so-khen-thuong", response_class=HTMLResponse)
    async def register_page(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await _register_page(request, actor, chosen=web.active_unit(request, actor), problems=[], result=None)

    @router.get("/so-khen-thuong/mau.xlsx")
    async def register_template(request: Request) -> Response:
        actor = await web.current_actor(request)
        awards = await _grassroots_awards(actor)
        example = next(iter(sorted(awards.items())), ("sang_kien_co_so", ""))
        return Response(
            template_workbook(example),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="mau-so-khen-thuong-co-so.xlsx"'},
        )

    @router.post("/so-khen-thuong", response_class=HTMLResponse)
    async def register_upload(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        unit_code = str(form.get("unit_code", ""))
        upload = form.get("file")
        data = await upload.read() if upload is not None and not isinstance(upload, str) else b""
        result, problems = await _import(actor, unit_code, data)
        return await _register_page(
            request, actor, status_code=422 if problems else 200, chosen=unit_code, problems=problems, result=result
        )

    return router
