"""A superior's console for tasks overdue at units below it ("Quá hạn ở cấp dưới"): the list, and what a superior
alerted to a task does from the task's page (urge, set a new due date, receive it directly). Review decides who may:
only approvers and unit administrators of a superior alerted to the task; the task's own unit still decides it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import parse_vn_date, signed_form
from services.portal.web.rendering import Pager, form_errors, page_number, render, superior_units, window
from services.portal.web.tasks import back_to_task, task_page
from shared.contracts.errors import DomainError, ValidationFailed
from shared.contracts.operations.review import queue_total_is_exact


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/qua-han-cap-duoi", response_class=HTMLResponse)
    async def overdue_below(request: Request) -> HTMLResponse:
        """Tasks overdue at units below one of the actor's units whose superior it was alerted as: read-only here, with
        the dossier and the superior's actions (urge, new due date, receive directly) on each task's page."""
        actor = await web.current_actor(request)
        units = await gateway.units(actor)
        mine = superior_units(actor, units)
        chosen = request.query_params.get("unit") or web.active_unit(request, actor) or ""
        unit_code = chosen if chosen in mine or actor.sees_everything() else (mine[0] if mine else "")
        if not unit_code:
            return await render(
                request, "overdue_below.html", actor, title="Quá hạn ở cấp dưới", unit_code="", page=None, mine=[]
            )
        page = page_number(request)
        params = {"unit_code": unit_code, "state": "escalated_in", **window(page)}
        result = await gateway.call("review", "list_queue", actor, params)
        return await render(
            request,
            "overdue_below.html",
            actor,
            title="Quá hạn ở cấp dưới",
            unit_code=unit_code,
            page=result,
            pager=Pager(request, result["total"], page, exact=queue_total_is_exact(result["total"], window(page)["offset"])),
            mine=mine,
        )

    async def superior_command(
        request: Request, task_id: str, operation: str, shown: dict[str, str], params: dict[str, Any], done: str
    ) -> Response:
        """A superior's action on a task overdue below it (`shown`: the form as typed): a bad field shows the form
        again with its message, a refusal (no right, final decision below) is said on the task page."""
        actor = await web.current_actor(request)
        try:
            if "due_on" in shown and params.get("due_on") is None:
                raise ValidationFailed.on("due_on", params.get("due_error") or "Cần nhập hạn mới, dạng dd/mm/yyyy")
            params.pop("due_error", None)
            await gateway.call("review", operation, actor, {"task_id": task_id, **params})
        except DomainError as exc:
            if exc.status == 422:
                back = {**shown, "form": operation}
                return await task_page(
                    gateway,
                    request,
                    actor,
                    task_id,
                    values={},
                    errors={},
                    back_values=back,
                    back_errors=form_errors(exc),
                    status_code=422,
                )
            if exc.status in (403, 409):
                return back_to_task(request, task_id, exc)
            raise
        web.flash(request, done)
        return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)

    @pages.post("/nhiem-vu/{task_id}/don-doc", response_class=HTMLResponse)
    async def urge(request: Request, task_id: str) -> Response:
        _, values = await signed_form(request)
        params: dict[str, Any] = {"message": values.get("message", "")}
        return await superior_command(request, task_id, "urge", values, params, "Đã gửi đôn đốc tới đơn vị cấp dưới.")

    @pages.post("/nhiem-vu/{task_id}/han-moi", response_class=HTMLResponse)
    async def set_due_date(request: Request, task_id: str) -> Response:
        _, values = await signed_form(request)
        values.setdefault("due_on", "")
        due_on, due_error = parse_vn_date(values["due_on"])
        params: dict[str, Any] = {"due_on": due_on, "due_error": due_error, "reason": values.get("reason", "")}
        done = f"Đã đặt hạn mới {values['due_on']} cho đơn vị cấp dưới."
        return await superior_command(request, task_id, "set_due_date", values, params, done)

    @pages.post("/nhiem-vu/{task_id}/nhan-vuot-cap", response_class=HTMLResponse)
    async def receive_directly(request: Request, task_id: str) -> Response:
        _, values = await signed_form(request)
        params: dict[str, Any] = {"comment": values.get("comment", "")}
        done = "Đã nhận hồ sơ trực tiếp: hồ sơ đã vào hộp việc của đơn vị anh/chị để xét ở cấp mình."
        return await superior_command(request, task_id, "receive_directly", values, params, done)

    return pages
