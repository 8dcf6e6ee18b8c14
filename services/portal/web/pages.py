"""The Vietnamese web console: server-rendered pages over the same gateway as the JSON API.

The pages hold no business rules: every action is a call to the owning service, which checks the
caller's rights; the pages only turn forms into commands and replies into HTML.
"""

from __future__ import annotations

import base64
import math
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from services.portal import users
from services.portal.gateway import Gateway
from services.portal.web import dossier_files
from services.portal.web import session as web
from services.portal.web.charts import STAGE_COLOURS, stacked_days
from services.portal.web.formatting import FILTERS, ROLE_LABELS, date_vn
from shared.contracts.commands import NominationDraft, NominationEdit
from shared.contracts.errors import DomainError, FieldError, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ
from shared.platform.rpc import RemoteError, field_errors

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.filters.update(FILTERS)
PAGE_SIZE = 50
STUCK_AFTER_SECONDS = 3 * 86_400  # the ops page lists nominations whose last step is older than this

NOMINATION_STATUSES = [
    ("submitted", "Đã nộp"),
    ("in_review", "Đang xét duyệt"),
    ("returned", "Trả lại để bổ sung"),
    ("approved", "Đã phê duyệt"),
    ("granted", "Đã khen thưởng"),
    ("proposed", "Đã trình cấp có thẩm quyền"),
    ("revoked", "Đã thu hồi quyết định"),
    ("rejected", "Không được duyệt"),
    ("withdrawn", "Đã rút hồ sơ"),
]
QUEUE_STATES = [
    ("active", "Đang mở"),
    ("open", "Chờ nhận"),
    ("claimed", "Đang xử lý"),
    ("overdue", "Quá hạn"),
    ("escalated_in", "Quá hạn – chuyển lên"),
    ("escalated_out", "Đã chuyển cấp trên"),
    ("done", "Đã xử lý"),
    ("all", "Tất cả"),
]


class Pager:
    def __init__(self, request: Request, total: int, page: int) -> None:
        self.request = request
        self.total = total
        self.page = page
        self.pages = max(1, math.ceil(total / PAGE_SIZE))

    def url(self, page: int) -> str:
        query = dict(self.request.query_params)
        query["page"] = str(page)
        return f"{self.request.url.path}?{urlencode(query)}"


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _window(page: int) -> dict[str, int]:
    return {"limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v not in (None, "")}


def _nav(actor: Actor, path: str) -> list[dict[str, Any]]:
    items = [("/ho-so", "Hồ sơ")]
    if actor.units_with("submitter") or actor.is_admin:
        items.append(("/ho-so/moi", "Nộp hồ sơ"))
    if actor.units_with("approver") or actor.units_with("unit_admin") or actor.sees_everything():
        items.append(("/hop-viec", "Hộp việc"))
    items.append(("/quyet-dinh", "Quyết định"))
    items += [("/giao-uoc", "Giao ước"), ("/dot-thi-dua", "Đợt thi đua"), ("/cum-thi-dua", "Cụm thi đua")]
    items.append(("/bao-cao", "Báo cáo"))
    if actor.units_with("submitter") or actor.is_admin:
        items.append(("/so-khen-thuong", "Sổ khen thưởng cơ sở"))
    if actor.sees_everything():
        items.append(("/van-hanh", "Vận hành"))
    current = max((href for href, _ in items if path.startswith(href)), key=len, default="")
    return [{"href": href, "label": label, "current": href == current} for href, label in items]


async def _signed_form(request: Request) -> tuple[Actor, dict[str, str]]:
    """The signed-in person and the fields of the form they posted (its CSRF token checked)."""
    actor = await web.current_actor(request)
    form = await request.form()
    web.check_csrf(request, str(form.get("csrf_token", "")))
    return actor, {k: v.strip() for k, v in form.multi_items() if k != "csrf_token" and isinstance(v, str)}


def _nested(values: dict[str, str], prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in values.items() if k.startswith(prefix) and v != ""}


def _year_list(text: str) -> list[Any]:
    """'2023, 2024 2025' -> [2023, 2024, 2025]; '0' -> [] (declared: none); a bad token stays for the model to refuse."""
    tokens = [t for t in text.replace(",", " ").replace(";", " ").split() if t != "0"]
    return [int(t) if t.isdigit() else t for t in tokens]


def _declared_lists(values: dict[str, str]) -> dict[str, Any]:
    """The form's 'title_years.<title>' and 'rating_years.<rating>' inputs as the nominee's title and rating history."""
    lists: dict[str, Any] = {}
    for key, field, item in (("title_years.", "title_history", "title"), ("rating_years.", "duty_ratings", "rating")):
        entered = {k.removeprefix(key): v for k, v in values.items() if k.startswith(key) and v != ""}
        if entered:
            lists[field] = [{"year": y, item: code} for code, text in entered.items() for y in _year_list(text)]
    return lists


def _declared_values(nominee: dict[str, Any]) -> dict[str, str]:
    """The other way round, to fill the form again when a returned dossier is edited."""
    values: dict[str, str] = {}
    for field, key, item in (("title_history", "title_years.", "title"), ("duty_ratings", "rating_years.", "rating")):
        by_code: dict[str, list[str]] = {}
        for entry in nominee.get(field) or ():
            by_code.setdefault(entry[item], []).append(str(entry["year"]))
        values.update({key + code: ", ".join(sorted(years)) for code, years in by_code.items()})
    for k, v in nominee.items():
        if v is None or isinstance(v, list):
            continue
        values[f"nominee.{k}"] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return values


def _draft_body(values: dict[str, str]) -> dict[str, Any]:
    """Form fields ('nominee.name', 'council_vote.present') as the command body the API takes."""
    body: dict[str, Any] = {k: v for k, v in values.items() if "." not in k and v != "" and k != "comment"}
    body["nominee"] = {**_nested(values, "nominee."), **_declared_lists(values)}
    vote = _nested(values, "council_vote.")
    vote.pop("secret_ballot", None)
    if vote:
        vote["secret_ballot"] = bool(values.get("council_vote.secret_ballot"))
        body["council_vote"] = vote
    return body


def _errors(exc: DomainError | ValidationError) -> dict[str, str]:
    fields = field_errors(exc) if isinstance(exc, ValidationError) else exc.fields
    found: dict[str, str] = {}
    for f in fields:
        # One message per form input: an entry of a declared history ('nominee.title_history.0.year') shows on the list.
        name = next((p for p in ("nominee.title_history", "nominee.duty_ratings") if f.field.startswith(p)), f.field)
        found[name] = f"{found[name]}; {f.message}" if name in found else f.message
    if isinstance(exc, DomainError) and not fields:
        found["_"] = exc.title
    return found


async def render(request: Request, template: str, actor: Actor | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    gateway: Gateway = request.app.state.gateway
    unit_names: dict[str, str] = {}
    unit = None
    roles_here: list[str] = []
    unread: int | None = None
    if actor is not None:
        try:
            unit_names = {code: u["name"] for code, u in (await gateway.units(actor)).items()}
        except DomainError:  # registration unreachable: show codes rather than fail the page
            unit_names = {}
        unit = web.active_unit(request, actor)
        roles_here = sorted({ROLE_LABELS[g.role] for g in actor.roles if g.unit_code in (unit, None)})
        if "unread" in context:
            unread = context.pop("unread")
        else:
            try:  # the bell: review unreachable leaves it out rather than failing the page
                unread = (await gateway.call("review", "notifications", actor, {"limit": 1}))["unread"]
            except DomainError:
                unread = None
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "actor": actor,
            "csrf": web.csrf_token(request),
            "flashes": web.take_flashes(request),
            "nav": _nav(actor, request.url.path) if actor else [],
            "units": web.scoped_units(actor) if actor else [],
            "unit": unit,
            "unit_names": unit_names,
            "roles_here": roles_here,
            "unread": unread,
            "clock_shift": clock_shift(gateway),
            "title": context.pop("title", "Thi Đua"),
            **context,
        },
        status_code=status_code,
    )


def clock_shift(gateway: Gateway) -> str:
    """'+15 ngày 2 giờ' when the demo clock has been moved (`thidua clock`), else ''. Never in production,
    where the clock cannot move."""
    seconds = round((gateway.clock.now() - gateway.wall_clock.now()).total_seconds())
    if abs(seconds) < 60:
        return ""
    days, rest = divmod(abs(seconds), 86_400)
    hours, rest = divmod(rest, 3_600)
    parts = [f"{days} ngày"] if days else []
    if hours:
        parts.append(f"{hours} giờ")
    if not parts:
        parts.append(f"{rest // 60} phút")
    return ("+" if seconds > 0 else "−") + " ".join(parts)


async def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """A refusal or failure as a page a person can read, with the header when they are signed in."""
    try:
        actor: Actor | None = await web.current_actor(request)
    except (web.LoginRequired, DomainError):
        actor = None
    headings = {401: "Cần đăng nhập", 403: "Không có quyền truy cập", 404: "Không tìm thấy", 409: "Không thể thực hiện"}
    heading = headings.get(exc.status, "Có lỗi xảy ra")
    return await render(request, "error.html", actor, status_code=exc.status, title=heading, heading=heading, message=exc.title)


def build_pages(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    # Sign-in

    @pages.get("/dang-nhap", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return await render(request, "login.html", None, title="Đăng nhập", next=next, username="", error=None)

    @pages.post("/dang-nhap", response_class=HTMLResponse)
    async def login(request: Request) -> Response:
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        username = str(form.get("username", "")).strip()
        next_path = str(form.get("next") or "/")
        if not next_path.startswith("/") or next_path.startswith("//"):
            next_path = "/"
        try:
            actor = await gateway.login(username, str(form.get("password", "")), request.client.host if request.client else "")
        except DomainError as exc:
            return await render(
                request,
                "login.html",
                None,
                status_code=exc.status,
                title="Đăng nhập",
                next=next_path,
                username=username,
                error=exc.title,
            )
        web.sign_in(request, actor)
        return RedirectResponse(next_path, status_code=303)

    @pages.post("/dang-xuat")
    async def logout(request: Request) -> Response:
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        web.sign_out(request)
        return RedirectResponse("/dang-nhap", status_code=303)

    @pages.post("/don-vi")
    async def switch_unit(request: Request) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        code = str(form.get("unit_code", ""))
        if code in web.scoped_units(actor):
            request.session["unit"] = code
        next_path = str(form.get("next") or "/")
        return RedirectResponse(
            next_path if next_path.startswith("/") and not next_path.startswith("//") else "/", status_code=303
        )

    @pages.get("/")
    async def home(request: Request) -> Response:
        actor = await web.current_actor(request)
        unit = web.active_unit(request, actor)
        if unit and (actor.has_role("approver", unit) or actor.has_role("unit_admin", unit)):
            return RedirectResponse("/hop-viec", status_code=303)
        return RedirectResponse("/ho-so", status_code=303)

    # Nominations (submitters; approvers and operations read)

    @pages.get("/ho-so", response_class=HTMLResponse)
    async def nominations(request: Request, status: str = "", period: str = "") -> HTMLResponse:
        actor = await web.current_actor(request)
        page = _page_number(request)
        params = _clean({"status": status, "period": period, **_window(page)})
        result = await gateway.call("registration", "list", actor, params)
        return await render(
            request,
            "nominations.html",
            actor,
            title="Hồ sơ đề nghị khen thưởng",
            page=result,
            pager=Pager(request, result["total"], page),
            filters={"status": status, "period": period},
            statuses=NOMINATION_STATUSES,
            can_submit=bool(actor.units_with("submitter")),
        )

    async def nomination_form(
        request: Request,
        actor: Actor,
        *,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
        nomination: Any = None,
        files: dossier_files.FormFiles | None = None,
    ) -> HTMLResponse:
        catalog = await gateway.call("awards", "list_catalog", actor)
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
            staged=files.by_document() if files else {},
            removed=set(files.remove) if files else set(),
            submitter_units=sorted(actor.units_with("submitter")),
            action=f"/ho-so/{nomination['id']}/sua" if editing else "/ho-so/moi",
            submit_label="Nộp lại hồ sơ" if editing else "Nộp hồ sơ",
            cancel_href=f"/ho-so/{nomination['id']}" if editing else "/ho-so",
        )

    @pages.get("/ho-so/moi", response_class=HTMLResponse)
    async def new_nomination(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        unit = web.active_unit(request, actor)
        default_unit = unit if unit in actor.units_with("submitter") else next(iter(sorted(actor.units_with("submitter"))), "")
        return await nomination_form(request, actor, values={"unit_code": default_unit}, errors={})

    @pages.get("/ho-so/moi/truong", response_class=HTMLResponse)
    async def award_fields(request: Request) -> HTMLResponse:
        """The nominee fields the chosen award needs (htmx swaps them into the form)."""
        actor = await web.current_actor(request)
        values = {k: v for k, v in request.query_params.items()}
        catalog = await gateway.call("awards", "list_catalog", actor)
        award = next((a for a in catalog["awards"] if a["code"] == values.get("award_code")), None)
        kind = values.get("nominee.kind", "")
        if award and kind not in award["nominee_kinds"]:
            kind = award["nominee_kinds"][0]
        documents = await dossier_files.requirements(gateway, actor, award["code"] if award else None)
        context = {"award": award, "kind": kind, "values": values, "errors": {}, "catalog": catalog, "documents": documents}
        return TEMPLATES.TemplateResponse(request, "nominee_fields.html", {**context, "staged": {}, "removed": set()})

    @pages.post("/ho-so/moi", response_class=HTMLResponse)
    async def submit_nomination(request: Request) -> Response:
        dossier_files.refuse_oversized_form(request, gateway)
        actor, values = await _signed_form(request)
        files = await dossier_files.read_form_files(gateway, actor, await request.form())
        if files.errors:
            return await nomination_form(request, actor, values=values, errors=files.errors, status_code=422, files=files)
        try:
            draft = NominationDraft.model_validate({**_draft_body(values), "attachments": files.command()})
            created = await gateway.call("registration", "submit", actor, draft.model_dump(mode="json"))
        except (ValidationError, ValidationFailed) as exc:
            return await nomination_form(request, actor, values=values, errors=_errors(exc), status_code=422, files=files)
        except DomainError as exc:
            if exc.status >= 500:
                raise
            return await nomination_form(request, actor, values=values, errors=_errors(exc), status_code=exc.status, files=files)
        web.flash(request, f"Đã nộp hồ sơ của {created['nominee']['name']}.")
        return RedirectResponse(f"/ho-so/{created['id']}", status_code=303)

    @pages.get("/ho-so/{nomination_id}", response_class=HTMLResponse)
    async def nomination(request: Request, nomination_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        n = await gateway.call("registration", "get", actor, {"id": nomination_id})
        is_submitter = actor.has_role("submitter", n["unit_code"])
        return await render(
            request,
            "nomination.html",
            actor,
            title=n["nominee"]["name"],
            n=n,
            can_edit=is_submitter and n["status"] == "returned",
            can_withdraw=is_submitter and n["status"] in ("submitted", "in_review", "returned"),
        )

    @pages.get("/ho-so/{nomination_id}/tai-lieu/{attachment_id}")
    async def attachment(request: Request, nomination_id: str, attachment_id: str) -> Response:
        """A file of the dossier: registration decides who may read it; the bytes leave only if their SHA-256 matches."""
        actor = await web.current_actor(request)
        found, data = await gateway.download(actor, nomination_id, attachment_id)
        return dossier_files.file_response(found, data)

    @pages.get("/ho-so/{nomination_id}/sua", response_class=HTMLResponse)
    async def edit_nomination(request: Request, nomination_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        n = await gateway.call("registration", "get", actor, {"id": nomination_id})
        values = {"award_code": n["award_code"], "period": n["period"], "achievements": n["achievements"]}
        values.update(_declared_values(n["nominee"]))
        for k, v in (n["council_vote"] or {}).items():
            values[f"council_vote.{k}"] = ("1" if v else "") if k == "secret_ballot" else str(v)
        return await nomination_form(request, actor, values=values, errors={}, nomination=n)

    @pages.post("/ho-so/{nomination_id}/sua", response_class=HTMLResponse)
    async def resubmit(request: Request, nomination_id: str) -> Response:
        dossier_files.refuse_oversized_form(request, gateway)
        actor, values = await _signed_form(request)
        files = await dossier_files.read_form_files(gateway, actor, await request.form())
        body = _draft_body(values)
        edit: dict[str, Any] = {k: body[k] for k in ("period", "nominee", "achievements", "council_vote") if k in body}
        edit["comment"] = values.get("comment", "")
        edit["attachments"] = files.command()
        edit["remove_attachments"] = files.remove
        try:
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
                request, actor, values=values, errors=_errors(exc), status_code=422, nomination=n, files=files
            )
        web.flash(request, "Đã nộp lại hồ sơ; hồ sơ được xét lại ở cấp đã trả lại.")
        return RedirectResponse(f"/ho-so/{nomination_id}", status_code=303)

    @pages.post("/ho-so/{nomination_id}/rut")
    async def withdraw(request: Request, nomination_id: str) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        await gateway.call("registration", "withdraw", actor, {"id": nomination_id, "reason": str(form.get("reason", ""))})
        web.flash(request, "Đã rút hồ sơ.", "warn")
        return RedirectResponse(f"/ho-so/{nomination_id}", status_code=303)

    # The approver's queue

    @pages.get("/hop-viec", response_class=HTMLResponse)
    async def queue(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        q = request.query_params
        unit_code = q.get("unit") or web.active_unit(request, actor) or ""
        page = _page_number(request)
        filters = {
            "state": q.get("state", "active"),
            "award_code": q.get("award_code", ""),
            "origin_unit_code": q.get("origin_unit_code", ""),
            "period": q.get("period", ""),
            "q": q.get("q", ""),
            "due_before": q.get("due_before", ""),
        }
        due_before, due_error = _parse_vn_date(filters["due_before"])
        params = _clean({"unit_code": unit_code, **filters, "due_before": due_before, **_window(page)})
        result = await gateway.call("review", "list_queue", actor, params)
        catalog = await gateway.call("awards", "list_catalog", actor)
        try:
            proposals = (await gateway.call("review", "list_proposals", actor, {"unit_code": unit_code, "limit": 10}))["items"]
        except DomainError:
            proposals = []  # not an approver here (ops sees everything): the queue itself says so
        units = await gateway.units(actor)
        origin_units = sorted(c for c, u in units.items() if u["level"] == "grassroots" and _below(units, c, unit_code))

        def state_url(state: str) -> str:
            return "/hop-viec?" + urlencode({"unit": unit_code, "state": state})

        return await render(
            request,
            "queue.html",
            actor,
            title="Hộp việc",
            unit_code=unit_code,
            page=result,
            pager=Pager(request, result["total"], page),
            filters=filters,
            states=QUEUE_STATES,
            catalog=catalog,
            origin_units=origin_units,
            state_url=state_url,
            due_error=due_error,
            read_only=filters["state"] == "escalated_out",
            proposals=proposals,
        )

    @pages.post("/hop-viec/hang-loat")
    async def bulk(request: Request) -> Response:
        """Claim or approve many tasks; each is its own command, and each result is reported."""
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        action = str(form.get("action", ""))
        task_ids = [str(t) for t in form.getlist("task_id")]
        back = str(form.get("back") or "/hop-viec")
        if not task_ids:
            web.flash(request, "Chưa chọn hồ sơ nào.", "warn")
            return RedirectResponse(back, status_code=303)
        unit_code = str(form.get("unit") or "")
        if action == "council":
            return RedirectResponse("/hop-viec/hoi-dong?" + urlencode({"unit": unit_code, "task_id": task_ids}, doseq=True), 303)
        if action in ("forward_batch", "approve_batch"):
            return await batch(request, actor, action, unit_code, task_ids, str(form.get("comment", "")), back)
        failures: list[str] = []
        for task_id in task_ids:
            try:
                if action == "claim":
                    await gateway.call("review", "claim", actor, {"task_id": task_id})
                else:
                    await gateway.call("review", "decide", actor, {"task_id": task_id, "action": "approve", "comment": ""})
            except DomainError as exc:
                failures.append(f"{await _task_name(gateway, actor, task_id)} — {exc.title}")
        done = len(task_ids) - len(failures)
        verb = "nhận xử lý" if action == "claim" else "đồng ý"
        message = f"{done} thành công ({verb})"
        if failures:
            message += f", {len(failures)} lỗi: " + "; ".join(failures)
        web.flash(request, message + ".", "warn" if failures else "ok")
        return RedirectResponse(_safe_back(back), status_code=303)

    async def batch(
        request: Request, actor: Actor, action: str, unit_code: str, task_ids: list[str], comment: str, back: str
    ) -> Response:
        """Forward the selection with one tờ trình, or approve it in one decision; all or nothing."""
        params = {"unit_code": unit_code, "task_ids": task_ids, "comment": comment.strip()}
        try:
            result = await gateway.call("review", action, actor, params)
        except DomainError as exc:
            if exc.status not in (403, 409, 422):
                raise
            details = "; ".join(f.message for f in exc.fields)
            web.flash(request, exc.title + (f": {details}" if details else "") + ".", "bad")
            return RedirectResponse(_safe_back(back), status_code=303)
        if action == "forward_batch":
            web.flash(
                request,
                f"Đã chuyển {len(task_ids)} hồ sơ lên {result['to_unit_name']} kèm Tờ trình số {result['number_text']}.",
            )
            return RedirectResponse(f"/to-trinh/{result['id']}", status_code=303)
        web.flash(request, f"Đã phê duyệt {len(task_ids)} hồ sơ; một quyết định khen thưởng sẽ liệt kê cả danh sách.")
        return RedirectResponse(_safe_back(back), status_code=303)

    @pages.get("/hop-viec/hoi-dong", response_class=HTMLResponse)
    async def council_meeting(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        q = request.query_params
        today = gateway.clock.now().astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
        return await meeting_page(request, actor, q.get("unit", ""), q.getlist("task_id"), values={"held_on": today}, errors={})

    async def meeting_page(
        request: Request,
        actor: Actor,
        unit_code: str,
        task_ids: list[str],
        *,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> HTMLResponse:
        tasks = [await gateway.call("review", "get_task", actor, {"task_id": task_id}) for task_id in task_ids]
        return await render(
            request,
            "council_meeting.html",
            actor,
            status_code=status_code,
            title="Họp Hội đồng Thi đua – Khen thưởng",
            unit_code=unit_code,
            tasks=tasks,
            values=values,
            errors=errors,
        )

    @pages.post("/hop-viec/hoi-dong", response_class=HTMLResponse)
    async def record_meeting(request: Request) -> Response:
        actor, values = await _signed_form(request)
        form = await request.form()
        task_ids = [str(t) for t in form.getlist("task_id")]
        unit_code = values.get("unit", "")
        try:
            result = await gateway.call("review", "record_council", actor, _meeting_params(values, task_ids))
        except DomainError as exc:
            if exc.status == 422:
                errors = _errors(exc)
                return await meeting_page(request, actor, unit_code, task_ids, values=values, errors=errors, status_code=422)
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/hop-viec?unit={unit_code}", status_code=303)
            raise
        outcome = "; ".join(f"{v['nominee_name']}: {v['summary']}" for v in result["votes"])
        web.flash(request, f"Đã ghi nhận cuộc họp: {outcome}.")
        return RedirectResponse(f"/hop-viec?unit={unit_code}", status_code=303)

    @pages.post("/nhiem-vu/{task_id}/hoi-dong", response_class=HTMLResponse)
    async def record_task_council(request: Request, task_id: str) -> Response:
        """The council form on the task page: one meeting, voting on this task."""
        actor, values = await _signed_form(request)
        try:
            result = await gateway.call("review", "record_council", actor, _meeting_params(values, [task_id], prefix=""))
        except DomainError as exc:
            if exc.status == 422:
                errors = {k.removeprefix("votes.0."): v for k, v in _errors(exc).items()}
                return await task_page(
                    request, actor, task_id, values={}, errors={}, council_values=values, council_errors=errors, status_code=422
                )
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)
            raise
        [vote] = result["votes"]
        web.flash(request, f"Đã ghi nhận biểu quyết của Hội đồng: {vote['summary']}.", "ok" if vote["passed"] else "warn")
        return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)

    @pages.get("/to-trinh/{proposal_id}", response_class=HTMLResponse)
    async def proposal(request: Request, proposal_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        p = await gateway.call("review", "get_proposal", actor, {"id": proposal_id})
        return await render(request, "proposal.html", actor, title=f"Tờ trình số {p['number_text']}", p=p)

    @pages.get("/to-trinh/{proposal_id}/tai-ve")
    async def proposal_download(request: Request, proposal_id: str, format: str = "pdf") -> Response:
        actor = await web.current_actor(request)
        return await proposal_file(gateway, actor, proposal_id, "xlsx" if format == "xlsx" else "pdf")

    async def task_page(
        request: Request,
        actor: Actor,
        task_id: str,
        *,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
        back_values: dict[str, str] | None = None,
        back_errors: dict[str, str] | None = None,
        council_values: dict[str, str] | None = None,
        council_errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        """The task with its forms; `values`/`errors` belong to the decision form, `back_*` to send-back."""
        t = await gateway.call("review", "get_task", actor, {"task_id": task_id})
        timeline = None
        try:
            timeline = (await gateway.call("registration", "get", actor, {"id": t["nomination_id"]}))["timeline"]
        except DomainError:
            timeline = None
        n = t.get("nomination")
        is_final = n is not None and t["unit_level"] == n["awarding_level"]
        return await render(
            request,
            "task.html",
            actor,
            status_code=status_code,
            title=t["nominee_name"],
            t=t,
            n=n,
            timeline=timeline,
            values=values,
            errors=errors,
            back_values=back_values or {},
            back_errors=back_errors or {},
            council_values=council_values or {"held_on": gateway.clock.now().astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")},
            council_errors=council_errors or {},
            approve_label="Phê duyệt (cấp quyết định)" if is_final else "Đồng ý, chuyển cấp trên",
        )

    @pages.get("/nhiem-vu/{task_id}", response_class=HTMLResponse)
    async def task(request: Request, task_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await task_page(request, actor, task_id, values={}, errors={})

    @pages.post("/nhiem-vu/{task_id}/tra-xuong", response_class=HTMLResponse)
    async def send_back(request: Request, task_id: str) -> Response:
        """The unit an overdue task escalated to hands it back to the task's own unit with a new due date."""
        actor, values = await _signed_form(request)
        due_on, due_error = _parse_vn_date(values.get("due_on", ""))
        try:
            if due_error or due_on is None:
                raise ValidationFailed.on("due_on", due_error or "Cần nhập hạn mới, dạng dd/mm/yyyy")
            result = await gateway.call(
                "review", "send_back", actor, {"task_id": task_id, "due_on": due_on, "comment": values.get("comment", "")}
            )
        except DomainError as exc:
            if exc.status == 422:
                return await task_page(
                    request, actor, task_id, values={}, errors={}, back_values=values, back_errors=_errors(exc), status_code=422
                )
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)
            raise
        web.flash(request, f"Đã trả hồ sơ về {result['queue_unit_name']}, hạn mới {date_vn(result['due_at'])}.")
        return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)

    async def task_command(
        request: Request, task_id: str, operation: str, message: str, extra: dict[str, Any] | None = None
    ) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        try:
            await gateway.call("review", operation, actor, {"task_id": task_id, **(extra or {})})
        except DomainError as exc:
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)
            raise
        web.flash(request, message)
        return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)

    @pages.post("/nhiem-vu/{task_id}/nhan")
    async def claim(request: Request, task_id: str) -> Response:
        return await task_command(request, task_id, "claim", "Bạn đã nhận xử lý hồ sơ này.")

    @pages.post("/nhiem-vu/{task_id}/tra")
    async def release(request: Request, task_id: str) -> Response:
        return await task_command(request, task_id, "release", "Đã trả hồ sơ về hộp việc.")

    @pages.post("/nhiem-vu/{task_id}/giao")
    async def reassign(request: Request, task_id: str) -> Response:
        await web.current_actor(request)  # signed in before anyone is looked up
        form = await request.form()
        assignee = await users.actor_by_username(gateway.engine, str(form.get("assignee_username", "")).strip())
        if assignee is None:
            web.flash(request, "Không có người dùng này.", "bad")
            return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)
        return await task_command(
            request, task_id, "reassign", f"Đã giao cho {assignee.full_name}.", {"assignee": assignee.model_dump(mode="json")}
        )

    @pages.post("/nhiem-vu/{task_id}/quyet-dinh", response_class=HTMLResponse)
    async def decide(request: Request, task_id: str) -> Response:
        actor, values = await _signed_form(request)
        try:
            await gateway.call(
                "review",
                "decide",
                actor,
                {"task_id": task_id, "action": values.get("action", ""), "comment": values.get("comment", "")},
            )
        except DomainError as exc:
            if exc.status == 422:
                return await task_page(request, actor, task_id, values=values, errors=_errors(exc), status_code=422)
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)
            raise
        labels = {
            "approve": "Đã gửi quyết định đồng ý.",
            "return": "Đã trả hồ sơ để bổ sung.",
            "reject": "Đã ghi quyết định không duyệt.",
        }
        web.flash(request, labels.get(values.get("action", ""), "Đã gửi quyết định."))
        held_by = (await gateway.call("review", "get_task", actor, {"task_id": task_id}))["queue_unit_code"]
        return RedirectResponse(f"/hop-viec?unit={held_by}", status_code=303)

    # Notifications (the bell)

    @pages.get("/thong-bao", response_class=HTMLResponse)
    async def notifications(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        result = await gateway.call("review", "notifications", actor, {"limit": 100})
        return await render(
            request, "notifications.html", actor, title="Thông báo", notes=result["items"], unread=result["unread"]
        )

    @pages.post("/thong-bao/da-doc")
    async def notifications_read(request: Request) -> Response:
        actor = await web.current_actor(request)
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        ids = [int(str(i)) for i in form.getlist("id") if str(i).isdigit()] or None
        result = await gateway.call("review", "mark_notifications_read", actor, {"ids": ids})
        web.flash(request, f"Đã đánh dấu {result['marked']} thông báo là đã đọc.")
        return RedirectResponse("/thong-bao", status_code=303)

    # Operations

    async def ops_context(actor: Actor) -> dict[str, Any]:
        status = await gateway.ops_status(actor)
        stages = [(s["stage"], s["label"]) for s in status.pipeline["stages"]] if status.pipeline else []
        chart = stacked_days(status.pipeline["per_day"], stages) if status.pipeline else None
        return {"status": status, "chart": chart, "stage_colours": STAGE_COLOURS}

    @pages.get("/van-hanh", response_class=HTMLResponse)
    async def ops(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        context = await ops_context(actor)
        try:
            letters: list[Any] | None = await gateway.dead_letters(actor)
        except DomainError:
            raise
        except Exception:  # NATS trouble shows in the verdict above; the page still renders
            letters = None
        try:
            stuck = await gateway.call(
                "registration", "ops_stuck", actor, {"older_than_seconds": STUCK_AFTER_SECONDS, "limit": 20}
            )
        except DomainError as exc:
            if exc.status < 500:
                raise
            stuck = None
        return await render(request, "ops.html", actor, title="Vận hành", letters=letters, stuck=stuck, **context)

    async def dead_letter_action(request: Request, seq: int, operation: str, done: str) -> Response:
        actor, values = await _signed_form(request)
        params: dict[str, Any] = {"seq": seq}
        if operation == "ops_dlq_discard":
            params["reason"] = values.get("reason", "")
        try:
            await gateway.call(values.get("service", ""), operation, actor, params)
        except DomainError as exc:
            if exc.status >= 500 and not isinstance(exc, RemoteError):
                raise
            detail = "; ".join(f.message for f in exc.fields) if exc.fields else exc.title
            web.flash(request, f"Thư lỗi số {seq}: {detail}", "bad")
            return RedirectResponse("/van-hanh#thu-loi", status_code=303)
        web.flash(request, f"Thư lỗi số {seq}: {done}")
        return RedirectResponse("/van-hanh#thu-loi", status_code=303)

    @pages.post("/van-hanh/thu-loi/{seq}/xu-ly-lai")
    async def dead_letter_retry(request: Request, seq: int) -> Response:
        return await dead_letter_action(request, seq, "ops_dlq_retry", "đã xử lý lại thành công và được gỡ khỏi hàng thư lỗi.")

    @pages.post("/van-hanh/thu-loi/{seq}/loai-bo")
    async def dead_letter_discard(request: Request, seq: int) -> Response:
        return await dead_letter_action(request, seq, "ops_dlq_discard", "đã loại bỏ, có ghi người làm và lý do.")

    @pages.get("/van-hanh/noi-dung", response_class=HTMLResponse)
    async def ops_fragment(request: Request) -> HTMLResponse:
        """What the page swaps in every 10 seconds."""
        actor = await web.current_actor(request)
        return TEMPLATES.TemplateResponse(request, "ops_body.html", {"request": request, **await ops_context(actor)})

    # Decisions

    @pages.get("/quyet-dinh", response_class=HTMLResponse)
    async def decisions(
        request: Request, issuer: str = "", year: str = "", award_code: str = "", status: str = "", kind: str = ""
    ) -> HTMLResponse:
        actor = await web.current_actor(request)
        page = _page_number(request)
        filters = {"issuer": issuer, "year": year, "award_code": award_code, "status": status, "kind": kind}
        result = await gateway.call("awards", "list_decisions", actor, _clean({**filters, **_window(page)}))
        units = await gateway.units(actor)
        issuers = [(c, u["name"]) for c, u in units.items() if u["level"] != "grassroots"]
        return await render(
            request,
            "decisions.html",
            actor,
            title="Quyết định khen thưởng",
            page=result,
            pager=Pager(request, result["total"], page),
            filters=filters,
            issuers=sorted(issuers, key=lambda x: x[1]),
            catalog=await gateway.call("awards", "list_catalog", actor),
        )

    @pages.get("/quyet-dinh/{decision_id}.pdf")
    async def decision_pdf(request: Request, decision_id: str) -> Response:
        return await document_file(request, decision_id, "pdf")

    @pages.get("/quyet-dinh/{decision_id}.xlsx")
    async def decision_xlsx(request: Request, decision_id: str) -> Response:
        return await document_file(request, decision_id, "xlsx")

    async def document_file(request: Request, decision_id: str, fmt: str) -> Response:
        actor = await web.current_actor(request)
        return document_response(await gateway.call("awards", "decision_document", actor, {"id": decision_id, "format": fmt}))

    async def decision_page(
        request: Request,
        actor: Actor,
        decision_id: str,
        *,
        values: dict[str, str],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> HTMLResponse:
        d = await gateway.call("awards", "get_decision", actor, {"id": decision_id})
        units = await gateway.units(actor)
        parent = units.get(units.get(d["issuer_code"], {}).get("parent_code") or "", {})
        return await render(
            request,
            "decision.html",
            actor,
            status_code=status_code,
            title=f"{d['kind_label']} {d['number_text']}",
            d=d,
            parent_name=(d.get("document") or {}).get("issuer_parent_name") or parent.get("name", ""),
            collectives=[x for x in d["nominees"] if x["kind"] == "collective"],
            individuals=[x for x in d["nominees"] if x["kind"] != "collective"],
            values=values,
            errors=errors,
        )

    @pages.get("/quyet-dinh/{decision_id}", response_class=HTMLResponse)
    async def decision(request: Request, decision_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await decision_page(request, actor, decision_id, values={}, errors={})

    @pages.post("/quyet-dinh/{decision_id}/thu-hoi", response_class=HTMLResponse)
    async def revoke(request: Request, decision_id: str) -> Response:
        actor, values = await _signed_form(request)
        try:
            d = await gateway.call("awards", "revoke", actor, {"id": decision_id, "reason": values.get("reason", "")})
        except DomainError as exc:
            if exc.status == 422:
                return await decision_page(request, actor, decision_id, values=values, errors=_errors(exc), status_code=422)
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)
            raise
        web.flash(request, f"Đã thu hồi quyết định số {d['number_text']}; tiền thưởng được ghi “phải thu hồi”.")
        return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)

    @pages.post("/quyet-dinh/{decision_id}/da-thu-hoi")
    async def mark_recovered(request: Request, decision_id: str) -> Response:
        actor, values = await _signed_form(request)
        try:
            await gateway.call(
                "awards", "mark_recovered", actor, {"id": decision_id, "nomination_id": values.get("nomination_id", "")}
            )
        except DomainError as exc:
            if exc.status in (403, 404, 409, 422):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)
            raise
        web.flash(request, "Đã ghi nhận thu hồi tiền thưởng.")
        return RedirectResponse(f"/quyet-dinh/{decision_id}", status_code=303)

    return pages


async def _task_name(gateway: Gateway, actor: Actor, task_id: str) -> str:
    try:
        return str((await gateway.call("review", "get_task", actor, {"task_id": task_id}))["nominee_name"])
    except DomainError:
        return "Hồ sơ không xem được"


def _safe_back(back: str) -> str:
    return back if back.startswith("/") and not back.startswith("//") else "/hop-viec"


def _meeting_params(values: dict[str, str], task_ids: list[str], *, prefix: str = "votes.{i}.") -> dict[str, Any]:
    """The council form's fields as `record_council` takes them; a date typed wrongly is refused by the service's model."""
    held_on, _ = _parse_vn_date(values.get("held_on", ""))
    return {
        "held_on": held_on or values.get("held_on", ""),
        "members": values.get("members", ""),
        "present": values.get("present", ""),
        "secret_ballot": bool(values.get("secret_ballot")),
        "chair": values.get("chair") or None,
        "note": values.get("note") or None,
        "votes": [
            {
                "task_id": task_id,
                "votes_for": values.get(prefix.format(i=i) + "votes_for", ""),
                "votes_against": values.get(prefix.format(i=i) + "votes_against", "") or 0,
            }
            for i, task_id in enumerate(task_ids)
        ],
    }


async def proposal_file(gateway: Gateway, actor: Actor, proposal_id: str, fmt: str) -> Response:
    """The tờ trình rendered by review (which decides who may read it), sent as a download."""
    doc = await gateway.call("review", "proposal_document", actor, {"id": proposal_id, "format": fmt})
    return Response(
        base64.b64decode(doc["content_base64"]),
        media_type=doc["media_type"],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(doc['filename'])}"},
    )


def _parse_vn_date(text: str) -> tuple[str | None, str | None]:
    """'20/12/2026' -> ('2026-12-20', None); a date a person typed wrongly -> (None, message)."""
    if not text:
        return None, None
    try:
        return datetime.strptime(text.strip(), "%d/%m/%Y").date().isoformat(), None
    except ValueError:
        return None, "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2026"


def _below(units: dict[str, dict[str, Any]], code: str, ancestor: str) -> bool:
    current = units.get(code)
    while current is not None:
        if current["parent_code"] == ancestor:
            return True
        current = units.get(current["parent_code"] or "")
    return False


def document_response(document: dict[str, Any]) -> Response:
    """A decision's PDF or .xlsx as awards rendered it, as a download."""
    return Response(
        base64.b64decode(document["content_base64"]),
        media_type=document["media_type"],
        headers={"Content-Disposition": f'attachment; filename="{document["filename"]}"'},
    )
