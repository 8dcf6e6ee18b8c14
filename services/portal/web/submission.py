"""Submitting a nomination in the console ("nộp hồ sơ", /ho-so/moi), and editing and resubmitting one returned for
correction: the form with the fields and documents the chosen award needs, its files kept across a refusal, and
each refusal shown next to its field. Registration decides."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from services.portal.gateway import Gateway
from services.portal.web import dossier_files
from services.portal.web import session as web
from services.portal.web.dossier_form import draft_body, edit_body, nomination_values
from services.portal.web.forms import form_dates, signed_form
from services.portal.web.rendering import TEMPLATES, form_errors, render
from shared.contracts.commands import NominationDraft, NominationEdit
from shared.contracts.errors import DomainError, FieldError, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.people import NewPerson
from shared.contracts.values import VIETNAM_TZ
from shared.rules import periods

PERIOD_CONTEXT = {"period_kind_names": periods.KIND_NAMES_VI, "period_examples": periods.EXAMPLES}


def prefill_period(gateway: Gateway, award: dict[str, Any] | None, typed: str) -> str:
    """The period the form shows: the one typed when it is of the award's kind, else the current period of that kind
    ("2026", "2026-2027", "2023-2028", Vietnam time); the submitter may still change it."""
    kind: periods.PeriodKind = (award or {}).get("period_kind") or "calendar_year"
    if periods.kind_of(typed) == kind:
        return typed
    today = gateway.clock.now().astimezone(VIETNAM_TZ).date()
    return periods.current(kind, today, gateway.rules.period_rules_on(today)).text


NEW_PERSON = "new"  # the nominee's choice "Người mới": added to the register, then nominated
PEOPLE_SHOWN = 20
GENDERS = (("male", "Nam"), ("female", "Nữ"))


async def nomination_form(
    gateway: Gateway,
    request: Request,
    actor: Actor,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
    nomination: Any = None,
    files: dossier_files.FormFiles | None = None,
) -> HTMLResponse:
    """The form to submit a nomination, or to edit and resubmit `nomination` after a return."""
    unit_code = values.get("unit_code") or (nomination["unit_path"][0]["code"] if nomination else "")
    catalog = await catalog_for(gateway, actor, unit_code)
    award_code = values.get("award_code") or (nomination["award_code"] if nomination else "")
    award = next((a for a in catalog["awards"] if a["code"] == award_code), None)
    documents = await dossier_files.requirements(gateway, actor, award["code"] if award else None)
    kind = values.get("nominee.kind") or (award["nominee_kinds"][0] if award else "individual")
    editing = nomination is not None
    # Every campaign, open ones first: registration refuses one outside its window with the dates, on this field.
    campaigns = sorted(await gateway.call("registration", "list_campaigns", actor), key=lambda c: not c["open"])
    return await render(
        request,
        "nomination_form.html",
        actor,
        status_code=status_code,
        title="Sửa và nộp lại hồ sơ" if editing else "Nộp hồ sơ đề nghị khen thưởng",
        catalog=catalog,
        award=award,
        kind=kind,
        campaigns=campaigns,
        values=values,
        errors=errors,
        editing=editing,
        nomination=nomination,
        documents=documents,
        people=await person_options(gateway, actor, unit_code, values) if kind == "individual" else [],
        genders=GENDERS,
        staged=files.by_document() if files else {},
        removed=set(files.remove) if files else set(),
        submitter_units=sorted(actor.units_with("submitter")),
        action=f"/ho-so/{nomination['id']}/sua" if editing else "/ho-so/moi",
        submit_label="Nộp lại hồ sơ" if editing else "Nộp hồ sơ",
        cancel_href=f"/ho-so/{nomination['id']}" if editing else "/ho-so",
        **PERIOD_CONTEXT,
    )


async def catalog_for(gateway: Gateway, actor: Actor, unit_code: str) -> dict[str, Any]:
    """The catalogue with each award named as the unions above the submitting unit would print it."""
    catalog: dict[str, Any] = await gateway.call("awards", "list_catalog", actor, {"unit_code": unit_code or None})
    return catalog


async def person_options(gateway: Gateway, actor: Actor, unit_code: str, values: dict[str, str]) -> list[dict[str, Any]]:
    """The people of the unit a nominee may be chosen from: those whose name matches what was typed in the search
    (or the nominee's name), with the one chosen kept first; empty when the register cannot be read for the unit."""
    if not unit_code:
        return []
    q = (values.get("person.q") or values.get("nominee.name") or "").strip()[:200]
    params: dict[str, Any] = {"unit_code": unit_code, "limit": PEOPLE_SHOWN, **({"q": q} if q else {})}
    try:
        found: list[dict[str, Any]] = (await gateway.call("registration", "list_people", actor, params))["items"]
        chosen = values.get("nominee.person_id", "")
        if chosen and chosen != NEW_PERSON and all(p["id"] != chosen for p in found):
            found.insert(0, await gateway.call("registration", "get_person", actor, {"id": chosen}))
    except DomainError as exc:
        if exc.status >= 500:
            raise
        return []
    return found


async def ensure_person(gateway: Gateway, actor: Actor, values: dict[str, str], unit_code: str) -> dict[str, str]:
    """The form's values with a new person added to the register first, when "Người mới" was chosen: their name and
    position as typed for the nominee, their date of birth and gender from the new person's fields."""
    if values.get("nominee.person_id") != NEW_PERSON:
        return values
    dated, wrong = form_dates(values, ("new_person.birth_date",))  # typed dd/mm/yyyy as on every page
    if wrong:
        raise ValidationFailed(fields=[FieldError(field=field, message=message) for field, message in wrong.items()])
    body = {
        "unit_code": unit_code,
        "full_name": values.get("nominee.name", ""),
        **{k: dated[f"new_person.{k}"] for k in ("birth_date", "gender") if dated.get(f"new_person.{k}")},
        **({"position": values["nominee.position"]} if values.get("nominee.position") else {}),
    }
    try:
        created = await gateway.call(
            "registration", "create_person", actor, NewPerson.model_validate(body).model_dump(mode="json")
        )
    except ValidationError as exc:
        raise ValidationFailed(
            fields=[FieldError(field=_new_person_field(str(e["loc"][0])), message=e["msg"]) for e in exc.errors()]
        ) from exc
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.title, fields=[FieldError(field=_new_person_field(f.field), message=f.message) for f in exc.fields]
        ) from exc
    return {**values, "nominee.person_id": created["id"]}


def _new_person_field(field: str) -> str:
    return {"full_name": "nominee.name", "position": "nominee.position"}.get(field, f"new_person.{field}")


async def _award_fields_context(gateway: Gateway, actor: Actor, values: dict[str, str]) -> dict[str, Any]:
    """What the form's award-dependent part shows for the chosen award: its nominee fields, documents, the unit's
    people, and the period under way of the award's kind (unless what is typed already fits)."""
    catalog = await catalog_for(gateway, actor, values.get("unit_code", ""))
    award = next((a for a in catalog["awards"] if a["code"] == values.get("award_code")), None)
    kind = values.get("nominee.kind", "")
    if award and kind not in award["nominee_kinds"]:
        kind = award["nominee_kinds"][0]
    documents = await dossier_files.requirements(gateway, actor, award["code"] if award else None)
    people = await person_options(gateway, actor, values.get("unit_code", ""), values) if kind == "individual" else []
    values["period"] = prefill_period(gateway, award, values.get("period", ""))
    return {
        "award": award,
        "kind": kind,
        "values": values,
        "errors": {},
        "catalog": catalog,
        "documents": documents,
        "people": people,
        "genders": GENDERS,
        "period_oob": True,
        **PERIOD_CONTEXT,
    }


def build_router(gateway: Gateway) -> APIRouter:
    # Included before `dossiers`: `/ho-so/moi` would otherwise be taken by `/ho-so/{nomination_id}`.
    pages = APIRouter(include_in_schema=False)

    @pages.get("/ho-so/moi", response_class=HTMLResponse)
    async def new_nomination(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        unit = web.active_unit(request, actor)
        default_unit = unit if unit in actor.units_with("submitter") else next(iter(sorted(actor.units_with("submitter"))), "")
        # the period under way (Vietnam time) of the chosen award's kind, a calendar year until one is chosen
        values = {"unit_code": default_unit, "period": prefill_period(gateway, None, "")}
        return await nomination_form(gateway, request, actor, values=values, errors={})

    @pages.get("/ho-so/moi/truong", response_class=HTMLResponse)
    async def award_fields(request: Request) -> HTMLResponse:
        """The nominee fields the chosen award needs (htmx swaps them into the form)."""
        actor = await web.current_actor(request)
        context = await _award_fields_context(gateway, actor, {k: v for k, v in request.query_params.items()})
        return TEMPLATES.TemplateResponse(request, "nominee_fields.html", {**context, "staged": {}, "removed": set()})

    @pages.get("/ho-so/moi/nguoi", response_class=HTMLResponse)
    async def person_choices(request: Request) -> HTMLResponse:
        """The people of the unit matching the search (htmx swaps them into the form)."""
        actor = await web.current_actor(request)
        values = {k: v for k, v in request.query_params.items()}
        people = await person_options(gateway, actor, values.get("unit_code", ""), values)
        context = {"people": people, "values": values, "errors": {}, "genders": GENDERS}
        return TEMPLATES.TemplateResponse(request, "person_options.html", context)

    @pages.post("/ho-so/moi", response_class=HTMLResponse)
    async def submit_nomination(request: Request) -> Response:
        dossier_files.refuse_oversized_form(request, gateway)
        actor, values = await signed_form(request)
        files = await dossier_files.read_form_files(gateway, actor, await request.form())
        if files.errors:
            return await nomination_form(
                gateway, request, actor, values=values, errors=files.errors, status_code=422, files=files
            )
        try:
            values = await ensure_person(gateway, actor, values, values.get("unit_code", ""))
            draft = NominationDraft.model_validate({**draft_body(values), "attachments": files.command()})
            created = await gateway.call("registration", "submit", actor, draft.model_dump(mode="json"))
        except (ValidationError, ValidationFailed) as exc:
            return await nomination_form(
                gateway, request, actor, values=values, errors=form_errors(exc), status_code=422, files=files
            )
        except DomainError as exc:
            if exc.status >= 500:
                raise
            return await nomination_form(
                gateway, request, actor, values=values, errors=form_errors(exc), status_code=exc.status, files=files
            )
        web.flash(request, f"Đã nộp hồ sơ của {created['nominee']['name']}.")
        return RedirectResponse(f"/ho-so/{created['id']}", status_code=303)

    @pages.get("/ho-so/{nomination_id}/sua", response_class=HTMLResponse)
    async def edit_nomination(request: Request, nomination_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        n = await gateway.call("registration", "get", actor, {"id": nomination_id})
        return await nomination_form(gateway, request, actor, values=nomination_values(n), errors={}, nomination=n)

    @pages.post("/ho-so/{nomination_id}/sua", response_class=HTMLResponse)
    async def resubmit(request: Request, nomination_id: str) -> Response:
        dossier_files.refuse_oversized_form(request, gateway)
        actor, values = await signed_form(request)
        files = await dossier_files.read_form_files(gateway, actor, await request.form())
        try:
            values = await ensure_person(gateway, actor, values, values.get("unit_code", ""))
            edit = {**edit_body(values), "attachments": files.command(), "remove_attachments": files.remove}
            if files.errors:
                raise ValidationFailed(fields=[FieldError(field=k, message=v) for k, v in files.errors.items()])
            command = NominationEdit.model_validate(edit)
            await gateway.call(
                "registration", "resubmit", actor, {"id": nomination_id, **command.model_dump(mode="json", exclude_none=True)}
            )
        except (ValidationError, DomainError) as exc:
            if isinstance(exc, DomainError) and exc.status >= 500:
                raise
            n = await gateway.call("registration", "get", actor, {"id": nomination_id})
            return await nomination_form(
                gateway, request, actor, values=values, errors=form_errors(exc), status_code=422, nomination=n, files=files
            )
        web.flash(request, "Đã nộp lại hồ sơ; hồ sơ được xét lại ở cấp đã trả lại.")
        return RedirectResponse(f"/ho-so/{nomination_id}", status_code=303)

    return pages
