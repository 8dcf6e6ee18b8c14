"""Awards reports and the grassroots register, as the JSON API and the console both ask for them.

Awards owns the figures and decides who may see or record what; this module shapes the requests (the report's
filters, a register spreadsheet's rows) and turns the replies into a workbook download or problems by row.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import Response

from services.portal.downloads import XLSX, content_disposition
from services.portal.gateway import Gateway
from services.portal.register_import import MAX_FILE_BYTES, RowProblem, problems_from_reply, rows_from_xlsx
from services.portal.report_workbook import report_workbook
from services.portal.uploads import Upload, read_upload
from shared.contracts.errors import Forbidden, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations import RemoteError
from shared.platform.workers import in_worker

FILTER_NAMES = ("unit_code", "year", "date_from", "date_to", "period", "award_code", "level", "sector", "nominee_kind")


def report_params(values: dict[str, Any]) -> dict[str, Any]:
    """The report's filters that were given, as awards' `report` takes them."""
    return {k: v for k, v in values.items() if k in FILTER_NAMES and v not in (None, "")}


async def report_xlsx(gateway: Gateway, actor: Actor, params: dict[str, Any]) -> Response:
    """The report as a .xlsx download named after the unit and the first year."""
    report = await gateway.call("awards", "report", actor, params)
    units = await gateway.units(actor)
    name = units.get(report["unit_code"], {}).get("name", report["unit_code"])
    filename = f"bao-cao-khen-thuong-{report['unit_code']}-{(report.get('date_from') or '')[:4] or 'tat-ca'}.xlsx"
    return Response(
        report_workbook(report, name), media_type=XLSX, headers={"Content-Disposition": content_disposition(filename)}
    )


async def grassroots_awards(gateway: Gateway, actor: Actor) -> dict[str, str]:
    """The awards a grassroots union decides itself, code -> name (what its register may hold)."""
    catalog = await gateway.call("awards", "list_catalog", actor)
    return {a["code"]: a["name"] for a in catalog["awards"] if a["awarding_level"] == "grassroots" and a["outcome"] == "decision"}


async def register_example(gateway: Gateway, actor: Actor) -> tuple[str, str]:
    """The award the register template's example row uses: the first, by code, a grassroots union decides for an
    individual (the example row is "Cá nhân")."""
    catalog = await gateway.call("awards", "list_catalog", actor)
    fitting = sorted(
        (a["code"], a["name"])
        for a in catalog["awards"]
        if a["awarding_level"] == "grassroots" and a["outcome"] == "decision" and "individual" in a["nominee_kinds"]
    )
    return fitting[0] if fitting else ("sang_kien_co_so", "")


def require_register_keeper(actor: Actor, unit_code: str | None = None) -> None:
    """An early refusal, before an upload is read: only an administrator or an officer (submitter, unit
    administrator) of the CĐCS keeps its register. Awards' `record_grassroots` decides by the same rule."""
    if actor.is_admin:
        return
    officer_of = actor.units_with("submitter") | actor.units_with("unit_admin")
    if not officer_of or (unit_code is not None and unit_code not in officer_of):
        raise Forbidden("Chỉ cán bộ của chính công đoàn cơ sở này được ghi sổ khen thưởng cơ sở", code="not_unit_officer")


async def read_register_upload(request: Request, actor: Actor) -> Upload:
    """The register spreadsheet of an upload (API or console), read only for someone who may keep a register and
    only up to `MAX_FILE_BYTES`."""
    require_register_keeper(actor)
    upload = await read_upload(request, MAX_FILE_BYTES)
    if not 1 <= len(upload.fields.get("unit_code", "")) <= 64:
        raise ValidationFailed.on("unit_code", "Cần chọn công đoàn cơ sở", code="validation_failed")
    return upload


async def import_register(
    gateway: Gateway, actor: Actor, unit_code: str, data: bytes
) -> tuple[dict[str, Any] | None, list[RowProblem]]:
    """Record a register spreadsheet: awards' reply, or the problems by row and column (then nothing is recorded).

    The workbook is read in a worker process (a few at a time), so the portal keeps answering meanwhile."""
    require_register_keeper(actor, unit_code)
    awards = await grassroots_awards(gateway, actor)
    rows, numbers, problems = await in_worker(rows_from_xlsx, data, awards, limiter=gateway.spreadsheet_readers)
    if problems:
        return None, problems
    try:
        return await gateway.call("awards", "record_grassroots", actor, {"unit_code": unit_code, "entries": rows}), []
    except RemoteError as exc:
        if not exc.fields:
            raise
        return None, problems_from_reply([f.model_dump() for f in exc.fields], numbers)
