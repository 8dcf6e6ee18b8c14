"""The register of people in the console ("Đoàn viên / Người lao động", /doan-vien): a unit's people listed and
searched (without diacritics), one added, edited or transferred to another unit, a member list imported from the
.xlsx template. Registration decides who may see or change whom."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.downloads import XLSX, content_disposition
from services.portal.gateway import Gateway
from services.portal.people_import import template_workbook
from services.portal.people_register import TRUE, import_people_file, read_people_upload
from services.portal.register_import import MAX_FILE_BYTES, WorkbookTooLarge, WorkbookTooSlow
from services.portal.uploads import UploadTooLarge
from services.portal.web import session as web
from services.portal.web.forms import form_dates, signed_form, vn_date_text
from services.portal.web.rendering import form_errors, render
from shared.contracts.errors import DomainError, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.people import IMPORT_ROWS_MAX, EditPerson, NewPerson, TransferPerson
from shared.contracts.values import VIETNAM_TZ
from shared.rules.attachments import format_size

PAGE = 50
KEEPERS = ("submitter", "unit_admin", "approver")
GENDERS = (("male", "Nam"), ("female", "Nữ"))
FIELDS = ("full_name", "birth_date", "gender", "id_number", "position")


async def people_units(gateway: Gateway, actor: Actor) -> list[tuple[str, str]]:
    """The units whose people this person keeps, in force (every grassroots union for an administrator)."""
    units = await gateway.units(actor)
    own = {g.unit_code for g in actor.roles if g.role in KEEPERS and g.unit_code}
    chosen = [
        (c, u["name"])
        for c, u in units.items()
        if not u.get("valid_to") and (c in own or (actor.sees_everything() and u["level"] == "grassroots"))
    ]
    return sorted(chosen, key=lambda x: x[1])


async def grassroots_units(gateway: Gateway, actor: Actor) -> list[tuple[str, str]]:
    """Where a person may be transferred: every grassroots union in force."""
    units = await gateway.units(actor)
    return sorted(
        ((c, u["name"]) for c, u in units.items() if u["level"] == "grassroots" and not u.get("valid_to")), key=lambda x: x[1]
    )


def _entry(values: dict[str, str]) -> dict[str, Any]:
    """The form's person fields as the command takes them (an empty input: not given)."""
    return {k: values[k] for k in FIELDS if values.get(k)}


async def people_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    units = await people_units(gateway, actor)
    chosen = request.query_params.get("unit_code") or (values or {}).get("unit_code") or web.active_unit(request, actor)
    if chosen not in {c for c, _ in units}:
        chosen = units[0][0] if units else None
    q = request.query_params.get("q", "").strip()
    offset = int(request.query_params.get("offset", "0") or 0) if request.query_params.get("offset", "0").isdigit() else 0
    params: dict[str, Any] = {"limit": PAGE, "offset": offset}
    if chosen:
        params["unit_code"] = chosen
    if q:
        params["q"] = q[:200]
    listed = await gateway.call("registration", "list_people", actor, params) if chosen or actor.sees_everything() else None
    defaults: dict[str, Any] = {
        "problems": [],
        "outcome": None,
        "file_error": None,
        "max_rows": IMPORT_ROWS_MAX,
        "max_size": format_size(MAX_FILE_BYTES),
    }
    return await render(
        request,
        "people.html",
        actor,
        status_code=status_code,
        title="Đoàn viên / Người lao động",
        unit_choices=units,
        chosen=chosen,
        q=q,
        offset=offset,
        page_size=PAGE,
        listed=listed,
        genders=GENDERS,
        values=values or {},
        errors=errors or {},
        **(defaults | context),
    )


async def person_page(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    person_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    person = await gateway.call("registration", "get_person", actor, {"id": person_id})
    current = {k: person.get(k) or "" for k in ("full_name", "gender", "position")} | {
        "birth_date": vn_date_text(person.get("birth_date"))
    }
    return await render(
        request,
        "person.html",
        actor,
        status_code=status_code,
        title=person["full_name"],
        person=person,
        genders=GENDERS,
        destinations=[u for u in await grassroots_units(gateway, actor) if u[0] != person["unit_code"]],
        values=values or current,
        errors=errors or {},
        edit_errors={k: v for k, v in (errors or {}).items() if not k.startswith("transfer.")},
        today=gateway.clock.now().astimezone(VIETNAM_TZ).date().strftime("%d/%m/%Y"),
    )


def refusal(exc: ValidationError | DomainError) -> tuple[dict[str, str], int]:
    """A refused form's messages by input and the status to answer with; a service's failure is raised again."""
    if isinstance(exc, DomainError) and exc.status >= 500:
        raise exc
    return form_errors(exc), exc.status if isinstance(exc, DomainError) else 422


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/doan-vien", response_class=HTMLResponse)
    async def people(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await people_page(gateway, request, actor)

    @pages.get("/doan-vien/mau.xlsx")
    async def people_template(request: Request) -> Response:
        await web.current_actor(request)
        return Response(
            template_workbook(), media_type=XLSX, headers={"Content-Disposition": content_disposition("mau-doan-vien.xlsx")}
        )

    @pages.post("/doan-vien", response_class=HTMLResponse)
    async def add_person(request: Request) -> Response:
        actor, values = await signed_form(request)
        dated, wrong = form_dates(values, ("birth_date", "joined_on"))  # typed dd/mm/yyyy as on every page
        if wrong:
            return await people_page(gateway, request, actor, values=values, errors=wrong, status_code=422)
        body = {"unit_code": values.get("unit_code", ""), **_entry(dated)}
        if dated.get("joined_on"):
            body["joined_on"] = dated["joined_on"]
        try:
            command = NewPerson.model_validate(body)
            created = await gateway.call("registration", "create_person", actor, command.model_dump(mode="json"))
        except (ValidationError, DomainError) as exc:
            errors, status_code = refusal(exc)
            return await people_page(gateway, request, actor, values=values, errors=errors, status_code=status_code)
        web.flash(request, f"Đã thêm {created['full_name']} vào danh sách.")
        return RedirectResponse(f"/doan-vien?unit_code={created['unit_code']}", status_code=303)

    @pages.post("/doan-vien/nhap", response_class=HTMLResponse)
    async def import_people(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        try:
            upload = await read_people_upload(request)
        except (UploadTooLarge, ValidationFailed) as exc:
            return await people_page(gateway, request, actor, status_code=exc.status, file_error=exc.title)
        web.check_csrf(request, upload.fields.get("csrf_token"))
        unit_code = upload.fields["unit_code"]
        valid_only = upload.fields.get("valid_only", "").lower() in TRUE
        try:
            imported = await import_people_file(gateway, actor, unit_code, upload.data, valid_only=valid_only)
        except (WorkbookTooLarge, WorkbookTooSlow, ValidationFailed) as exc:
            return await people_page(
                gateway, request, actor, status_code=exc.status, values={"unit_code": unit_code}, file_error=exc.title
            )
        return await people_page(
            gateway,
            request,
            actor,
            status_code=422 if imported.outcome is None else 200,
            values={"unit_code": unit_code},
            problems=imported.problems,
            outcome=imported.outcome,
        )

    @pages.get("/doan-vien/{person_id}", response_class=HTMLResponse)
    async def person(request: Request, person_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await person_page(gateway, request, actor, person_id)

    @pages.post("/doan-vien/{person_id}", response_class=HTMLResponse)
    async def edit_person(request: Request, person_id: str) -> Response:
        actor, values = await signed_form(request)
        dated, wrong = form_dates(values, ("birth_date",))
        if wrong:
            return await person_page(gateway, request, actor, person_id, values=values, errors=wrong, status_code=422)
        body = {"id": person_id, **_entry(dated), "clear_id_number": values.get("clear_id_number") in TRUE}
        try:
            command = EditPerson.model_validate(body)
            await gateway.call("registration", "update_person", actor, command.model_dump(mode="json", exclude_none=True))
        except (ValidationError, DomainError) as exc:
            errors, status_code = refusal(exc)
            return await person_page(gateway, request, actor, person_id, values=values, errors=errors, status_code=status_code)
        web.flash(request, "Đã lưu thông tin.")
        return RedirectResponse(f"/doan-vien/{person_id}", status_code=303)

    @pages.post("/doan-vien/{person_id}/chuyen", response_class=HTMLResponse)
    async def transfer_person(request: Request, person_id: str) -> Response:
        return await transfer_form(gateway, request, person_id)

    return pages


async def transfer_form(gateway: Gateway, request: Request, person_id: str) -> Response:
    """The person moves to another unit from the day typed: the unit left, or one above it, records it."""
    actor, values = await signed_form(request)
    dated, wrong = form_dates(values, ("transfer.on",))
    if wrong:
        return await person_page(gateway, request, actor, person_id, errors=wrong, status_code=422)
    body = {"id": person_id, **{k: dated.get(f"transfer.{k}", "") for k in ("to_unit_code", "on", "note")}}
    try:
        command = TransferPerson.model_validate(body)
        moved = await gateway.call("registration", "transfer_person", actor, command.model_dump(mode="json"))
    except (ValidationError, DomainError) as exc:
        errors, status_code = refusal(exc)
        transfer_errors = {f"transfer.{k}": v for k, v in errors.items()}
        return await person_page(gateway, request, actor, person_id, errors=transfer_errors, status_code=status_code)
    web.flash(request, f"Đã chuyển {moved['full_name']} sang {moved['unit_name']}; các danh hiệu đã đạt đi theo người.")
    return RedirectResponse("/doan-vien", status_code=303)  # the unit left may no longer see the person
