"""Acting on a selection from the queue: claim or approve many tasks one by one, forward them with one tờ trình or
approve them in one decision (all or nothing), or take them to a council meeting; and the tờ trình pages."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from services.portal import downloads
from services.portal.gateway import Gateway
from services.portal.web import session as web
from services.portal.web.forms import local_path
from services.portal.web.rendering import render
from shared.contracts.errors import DomainError
from shared.contracts.events import Actor

BATCH_ACTIONS = ("forward_batch", "approve_batch")


async def task_name(gateway: Gateway, actor: Actor, task_id: str) -> str:
    """Whose dossier a task is, to name it in a report of many results."""
    try:
        return str((await gateway.call("review", "get_task", actor, {"task_id": task_id}))["nominee_name"])
    except DomainError:
        return "Hồ sơ không xem được"


async def one_by_one(gateway: Gateway, request: Request, actor: Actor, action: str, task_ids: list[str]) -> None:
    """Claim or approve each task as its own command, and report every result in one message."""
    failures: list[str] = []
    for task_id in task_ids:
        try:
            if action == "claim":
                await gateway.call("review", "claim", actor, {"task_id": task_id})
            else:
                await gateway.call("review", "decide", actor, {"task_id": task_id, "action": "approve", "comment": ""})
        except DomainError as exc:
            failures.append(f"{await task_name(gateway, actor, task_id)} — {exc.title}")
    done = len(task_ids) - len(failures)
    verb = "nhận xử lý" if action == "claim" else "đồng ý"
    message = f"{done} thành công ({verb})"
    if failures:
        message += f", {len(failures)} lỗi: " + "; ".join(failures)
    web.flash(request, message + ".", "warn" if failures else "ok")


async def batch(
    gateway: Gateway, request: Request, actor: Actor, action: str, unit_code: str, task_ids: list[str], comment: str, back: str
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
        return RedirectResponse(local_path(back, "/hop-viec"), status_code=303)
    if action == "forward_batch":
        web.flash(
            request,
            f"Đã chuyển {len(task_ids)} hồ sơ lên {result['to_unit_name']}; tờ trình chờ người ký của đơn vị ký "
            "(được lấy số theo sổ văn bản đi khi ký).",
        )
        return RedirectResponse(f"/to-trinh/{result['id']}", status_code=303)
    web.flash(request, f"Đã phê duyệt {len(task_ids)} hồ sơ; một quyết định khen thưởng sẽ liệt kê cả danh sách.")
    return RedirectResponse(local_path(back, "/hop-viec"), status_code=303)


def build_router(gateway: Gateway) -> APIRouter:
    pages = APIRouter(include_in_schema=False)

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
        if action in BATCH_ACTIONS:
            return await batch(gateway, request, actor, action, unit_code, task_ids, str(form.get("comment", "")), back)
        await one_by_one(gateway, request, actor, action, task_ids)
        return RedirectResponse(local_path(back, "/hop-viec"), status_code=303)

    @pages.get("/to-trinh/{proposal_id}", response_class=HTMLResponse)
    async def proposal(request: Request, proposal_id: str) -> HTMLResponse:
        actor = await web.current_actor(request)
        p = await gateway.call("review", "get_proposal", actor, {"id": proposal_id})
        if p["document_id"]:  # signed: the page prints what its officer signed, as awards keeps it
            printed = await gateway.call("awards", "decision_document", actor, {"id": p["document_id"], "format": "html"})
        else:  # waiting for its signer (or numbered by review before the register): review's draft
            printed = await gateway.call("review", "proposal_document", actor, {"id": proposal_id, "format": "html"})
        doc_html = Markup(base64.b64decode(printed["content_base64"]).decode())  # rendered and escaped by the service
        return await render(request, "proposal.html", actor, title=p["title"], p=p, doc_html=doc_html)

    @pages.get("/to-trinh/{proposal_id}/tai-ve")
    async def proposal_download(request: Request, proposal_id: str, format: str = "pdf") -> Response:
        actor = await web.current_actor(request)
        return await downloads.proposal_download(gateway, actor, proposal_id, "xlsx" if format == "xlsx" else "pdf")

    return pages
