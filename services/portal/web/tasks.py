"""One review task in the console ("nhiệm vụ"): the page with the dossier, its timeline and its forms, what an
approver does with it (claim, release, reassign, decide), and what a superior alerted to it as overdue does (urge,
set a new due date, receive it directly). Review decides who may."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal import users
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.formatting import money
from services.portal.web.forms import parse_vn_date, signed_form
from services.portal.web.rendering import form_errors, render
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor
from shared.contracts.values import VIETNAM_TZ

MOVE_LABELS = {
    "escalated": "Quá hạn – báo cấp trên",
    "urged": "Cấp trên đôn đốc",
    "sent_back": "Cấp trên đặt hạn mới",
    "received": "Cấp trên nhận trực tiếp do quá hạn",
    "reorganised": "Chuyển do sắp xếp tổ chức",
    "returned_home": "Trả về hộp việc của đơn vị",
}


def decision_done(action: str, task: dict[str, Any], route: list[str]) -> str:
    """What happened, to whom and where it went, after a decision on `task` (review's reply) on an award whose
    route is `route` (the catalogue's levels, CĐCS first)."""
    name, origin = task["nominee_name"], task["origin_unit_name"]
    if action == "return":
        return f"Đã trả hồ sơ của {name} về {origin} để bổ sung."
    if action == "reject":
        return f"Đã ghi quyết định không duyệt hồ sơ của {name} ({origin})."
    level = task["unit_level"]
    if level not in route:  # the catalogue did not answer: what happened, without guessing where it went
        return f"Đã đồng ý hồ sơ của {name}."
    above = route[route.index(level) + 1 :]
    path = (task.get("nomination") or {}).get("unit_path") or []
    parent = next((u for u in path if above and u["level"] == above[0]), None)
    if parent is not None:
        return f"Đã đồng ý hồ sơ của {name} và chuyển lên {parent['name']}."
    if above:
        return f"Đã đồng ý hồ sơ của {name} và chuyển lên cấp trên."
    return f"Đã đồng ý hồ sơ của {name}. {task['unit_name']} là cấp quyết định: văn bản khen thưởng được lập tự động."


def today_vn(gateway: Gateway) -> str:
    """Today as a form shows it by default, dd/mm/yyyy in Vietnam."""
    return gateway.clock.now().astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")


async def task_page(
    gateway: Gateway,
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
    present_ids: list[str] | None = None,
) -> HTMLResponse:
    """The task with its forms; `values`/`errors` belong to the decision form, `back_*` to the superior's forms (urge,
    new due date, receive directly), `council_*` and `present_ids` to the council vote."""
    t = await gateway.call("review", "get_task", actor, {"task_id": task_id})
    timeline = None
    try:
        timeline = (await gateway.call("registration", "get", actor, {"id": t["nomination_id"]}))["timeline"]
    except DomainError:
        timeline = None
    n = t.get("nomination")
    if n is not None and t.get("eligibility_recheck"):
        # each criterion once: as checked again here; the dossier keeps what only submission checks (quota, others)
        rechecked = {c["rule"] for c in t["eligibility_recheck"]}
        n = {**n, "eligibility": [c for c in n.get("eligibility") or [] if c["rule"] not in rechecked]}
    is_final = n is not None and t["unit_level"] == n["awarding_level"]
    prize = await prize_line(gateway, actor, n) if is_final and n is not None else ""
    # a unit admin hands the task to one of the queue unit's approvers, chosen by name
    approvers = await users.approvers_of(gateway.engine, t["queue_unit_code"]) if t["can_admin"] else []
    council_values = council_values or {"held_on": today_vn(gateway)}
    councils = await standing_councils(gateway, actor, t["queue_unit_code"], council_values) if t["can_record_council"] else []
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
        council_values=council_values,
        council_errors=council_errors or {},
        councils=councils,
        present_ids=set(present_ids or []),
        approve_label="Phê duyệt (cấp quyết định)" if is_final else "Đồng ý, chuyển cấp trên",
        prize_line=prize,
        approvers=approvers,
        move_labels=MOVE_LABELS,
    )


async def standing_councils(
    gateway: Gateway, actor: Actor, unit_code: str, council_values: dict[str, str]
) -> list[dict[str, Any]]:
    """The unit's standing councils with who serves on the meeting day (as typed, else today), to tick who is present."""
    held_on, _ = parse_vn_date(council_values.get("held_on", ""))
    query = {"unit_code": unit_code} | ({"on": held_on} if held_on else {})
    councils: list[dict[str, Any]] = (await gateway.call("review", "list_councils", actor, query))["councils"]
    return councils


async def prize_line(gateway: Gateway, actor: Actor, nomination: dict[str, Any]) -> str:
    """What the decision will print as this nominee's prize, for the approver who issues it: the amount at today's
    base salary, "chưa xác định" where the catalogue has no confirmed amount, or no prize where it confirms none."""
    catalog = await gateway.call("awards", "list_catalog", actor)
    award = next((a for a in catalog["awards"] if a["code"] == nomination["award_code"]), None)
    if award is None or award["outcome"] != "decision":
        return ""
    amount = award["prize_vnd"].get(nomination["nominee"]["kind"], 0)
    kind = award.get("prize_kind", "coefficient")
    if kind == "none":
        return "không kèm tiền thưởng"
    if kind == "gift":
        return f"tặng phẩm trị giá {money(amount)}" if amount else "tặng phẩm, trị giá do đơn vị quyết định khi ký"
    if kind == "flat":
        return f"{money(amount)} (mức của danh mục khen thưởng)" if amount else "tiền thưởng do đơn vị quyết định khi ký"
    if amount:
        return f"{money(amount)} (theo hệ số và mức lương cơ sở hiện hành)"
    if award["coefficient_confirmed"]:
        return "không kèm tiền thưởng"
    return "chưa xác định (danh mục khen thưởng chưa có mức tiền thưởng được xác nhận)"


def back_to_task(request: Request, task_id: str, refusal: DomainError) -> Response:
    """A refusal that is no fault of the form (another claimant, no right here): said on the task page."""
    web.flash(request, refusal.title, "bad")
    return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)


async def task_command(
    gateway: Gateway, request: Request, task_id: str, operation: str, message: str, extra: dict[str, Any] | None = None
) -> Response:
    actor = await web.current_actor(request)
    form = await request.form()
    web.check_csrf(request, str(form.get("csrf_token", "")))
    try:
        await gateway.call("review", operation, actor, {"task_id": task_id, **(extra or {})})
    except DomainError as exc:
        if exc.status in (403, 409, 422):
            return back_to_task(request, task_id, exc)
        raise
    web.flash(request, message)
    return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/nhiem-vu/{task_id}", response_class=HTMLResponse)
    async def task(request: Request, task_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        return await task_page(gateway, request, actor, task_id, values={}, errors={})

    @pages.post("/nhiem-vu/{task_id}/nhan")
    async def claim(request: Request, task_id: str) -> Response:
        return await task_command(gateway, request, task_id, "claim", "Bạn đã nhận xử lý hồ sơ này.")

    @pages.post("/nhiem-vu/{task_id}/tra")
    async def release(request: Request, task_id: str) -> Response:
        return await task_command(gateway, request, task_id, "release", "Đã trả hồ sơ về hộp việc.")

    @pages.post("/nhiem-vu/{task_id}/giao")
    async def reassign(request: Request, task_id: str) -> Response:
        await web.current_actor(request)  # signed in before anyone is looked up
        form = await request.form()
        web.check_csrf(request, str(form.get("csrf_token", "")))
        # an unknown username is refused by review like any person who may not take the task
        assignee = await users.assignee(gateway.engine, str(form.get("assignee_username", "")).strip()[:64])
        assigned = {"assignee": assignee.model_dump(mode="json")}
        return await task_command(gateway, request, task_id, "reassign", f"Đã giao cho {assignee.full_name}.", assigned)

    @pages.post("/nhiem-vu/{task_id}/quyet-dinh", response_class=HTMLResponse)
    async def decide(request: Request, task_id: str) -> Response:
        actor, values = await signed_form(request)
        try:
            task = await gateway.call(
                "review",
                "decide",
                actor,
                {"task_id": task_id, "action": values.get("action", ""), "comment": values.get("comment", "")},
            )
        except DomainError as exc:
            if exc.status == 422:
                return await task_page(gateway, request, actor, task_id, values=values, errors=form_errors(exc), status_code=422)
            if exc.status in (403, 409):
                return back_to_task(request, task_id, exc)
            raise
        try:  # the decision is made: where it went is told if the catalogue answers, never at the decision's expense
            routes = {a["code"]: a["route"] for a in (await gateway.call("awards", "list_catalog", actor))["awards"]}
        except DomainError:
            routes = {}
        web.flash(request, decision_done(values.get("action", ""), task, routes.get(task["award_code"], [])))
        held_by = task["queue_unit_code"]
        return RedirectResponse(f"/hop-viec?unit={held_by}", status_code=303)

    return pages
