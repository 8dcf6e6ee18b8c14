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
from services.portal.web.tasks import back_to_task, standing_councils, task_page, today_vn
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor


def meeting_params(
    values: dict[str, str], task_ids: list[str], *, prefix: str = "votes.{i}.", present_ids: list[str] | None = None
) -> dict[str, Any]:
    """The council form's fields as `record_council` takes them; a date typed wrongly is refused by the service's model.
    With a standing council chosen the counts come from its roster (the members ticked present), else as typed."""
    held_on, _ = parse_vn_date(values.get("held_on", ""))
    counts: dict[str, Any] = (
        {"council_id": values["council_id"], "present_member_ids": present_ids or []}
        if values.get("council_id")
        else {"members": values.get("members") or None, "present": values.get("present") or None}
    )
    return {
        "held_on": held_on or values.get("held_on", ""),
        **counts,
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
    present_ids: list[str] | None = None,
) -> HTMLResponse:
    tasks = [await gateway.call("review", "get_task", actor, {"task_id": task_id}) for task_id in task_ids]
    councils = await standing_councils(gateway, actor, unit_code, values) if unit_code else []
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
        councils=councils,
        present_ids=set(present_ids or []),
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
        present_ids = [str(m) for m in form.getlist("present_member_ids")]
        unit_code = values.get("unit", "")
        try:
            params = meeting_params(values, task_ids, present_ids=present_ids)
            result = await gateway.call("review", "record_council", actor, params)
        except DomainError as exc:
            if exc.status == 422:
                errors = form_errors(exc)
                return await meeting_page(
                    gateway,
                    request,
                    actor,
                    unit_code,
                    task_ids,
                    values=values,
                    errors=errors,
                    status_code=422,
                    present_ids=present_ids,
                )
            if exc.status in (403, 409):
                web.flash(request, exc.title, "bad")
                return RedirectResponse(f"/hop-viec?unit={unit_code}", status_code=303)
            raise
        outcome = "; ".join(f"{v['nominee_name']}: {v['summary']}" for v in result["votes"])
        warned = any(c["warning"] for v in result["votes"] for c in v["checks"])  # a threshold missed: shown apart
        notes = "".join(f" {w}." for w in result["warnings"])
        web.flash(request, f"Đã ghi nhận cuộc họp: {outcome}.{notes}", "warn" if warned else "ok")
        return RedirectResponse(f"/hop-viec?unit={unit_code}", status_code=303)

    @pages.post("/nhiem-vu/{task_id}/hoi-dong", response_class=HTMLResponse)
    async def record_task_council(request: Request, task_id: str) -> Response:
        """The council form on the task page: one meeting, voting on this task."""
        actor, values = await signed_form(request)
        present_ids = [str(m) for m in (await request.form()).getlist("present_member_ids")]
        try:
            params = meeting_params(values, [task_id], prefix="", present_ids=present_ids)
            result = await gateway.call("review", "record_council", actor, params)
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
                    present_ids=present_ids,
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
