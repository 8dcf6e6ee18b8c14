"""Council meetings ("Hội đồng Thi đua – Khen thưởng") in the console: recording one meeting's votes on a selection
of tasks from the queue, or on one task from its page. Review checks the votes and who may record them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import parse_vn_date, signed_form
from services.portal.web.rendering import form_errors, render
from services.portal.web.tasks import back_to_task, task_page, today_vn
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor


def meeting_params(values: dict[str, str], task_ids: list[str], *, prefix: str = "votes.{i}.") -> dict[str, Any]:
    """The council form's fields as `record_council` takes them; a date typed wrongly is refused by the service's model."""
    held_on, _ = parse_vn_date(values.get("held_on", ""))
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


async def meeting_page(
    gateway: Gateway,
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


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

    @pages.get("/hop-viec/hoi-dong", response_class=HTMLResponse)
    async def council_meeting(request: Request) -> HTMLResponse:
        actor = await web.current_actor(request)
        q = request.query_params
        today = today_vn(gateway)
        return await meeting_page(
            gateway, request, actor, q.get("unit", ""), q.getlist("task_id"), values={"held_on": today}, errors={}
        )

    @pages.post("/hop-viec/hoi-dong", response_class=HTMLResponse)
    async def record_meeting(request: Request) -> Response:
        actor, values = await signed_form(request)
        form = await request.form()
        task_ids = [str(t) for t in form.getlist("task_id")]
        unit_code = values.get("unit", "")
        try:
            result = await gateway.call("review", "record_council", actor, meeting_params(values, task_ids))
        except DomainError as exc:
            if exc.status == 422:
                errors = form_errors(exc)
                return await meeting_page(
                    gateway, request, actor, unit_code, task_ids, values=values, errors=errors, status_code=422
                )
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
        actor, values = await signed_form(request)
        try:
            result = await gateway.call("review", "record_council", actor, meeting_params(values, [task_id], prefix=""))
        except DomainError as exc:
            if exc.status == 422:
                errors = {k.removeprefix("votes.0."): v for k, v in form_errors(exc).items()}
                return await task_page(
                    gateway,
                    request,
                    actor,
                    task_id,
                    values={},
                    errors={},
                    council_values=values,
                    council_errors=errors,
                    status_code=422,
                )
            if exc.status in (403, 409):
                return back_to_task(request, task_id, exc)
            raise
        [vote] = result["votes"]
        web.flash(
            request,
            f"Đã ghi nhận biểu quyết của Hội đồng: {vote['summary']}.",
            "ok" if vote["passed"] and not any(c["warning"] for c in vote["checks"]) else "warn",
        )
        return RedirectResponse(f"/nhiem-vu/{task_id}", status_code=303)

    return pages
