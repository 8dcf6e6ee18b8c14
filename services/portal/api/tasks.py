"""Review tasks through the JSON API: a unit's queue, one task, what an approver does with it (claim, release,
reassign, decide), and what a superior alerted to a task overdue below it does (urge, set a new due date, receive it
directly). Review decides who may."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from services.portal import users
from services.portal.api.deps import Code, CodePath, CurrentActor, Id, Offset, PageCursor, Period, page_limit, present
from services.portal.downloads import XLSX, binary_responses
from services.portal.exports import queue_download
from services.portal.gateway import Gateway
from services.portal.list_workbook import EXPORT_ROW_CAP
from shared.contracts.commands import Reassignment, ReceiveDirectly, SetDueDate, TaskDecision, Urge
from shared.contracts.operations import review as review_ops
from shared.contracts.paging import QUEUE_PAGE_MAX


async def queue_filters(  # async: FastAPI runs a plain function dependency in a worker thread, per request
    unit_code: CodePath,
    state: review_ops.QueueState = "active",
    award_code: Code = None,
    origin_unit_code: Code = None,
    period: Period = None,
    q: Annotated[str | None, Query(max_length=200, description="Tìm theo tên")] = None,
    due_before: date | None = None,
    mine: Annotated[bool, Query(description="Việc của tôi: chỉ hồ sơ anh/chị đã nhận hoặc được giao")] = False,
    sort: Annotated[
        review_ops.QueueSort,
        Query(description="Thứ tự: due (hạn xử lý), received, nominee, award, state; thêm '-' phía trước để đảo chiều"),
    ] = "due",
) -> dict[str, Any]:
    """A queue's filters and sort as the API takes them (review validates them again and applies them)."""
    return {
        "unit_code": unit_code,
        "state": state,
        "due_before": due_before.isoformat() if due_before else None,
        "award_code": award_code,
        "origin_unit_code": origin_unit_code,
        "period": period,
        "q": q,
        "mine": mine or None,
        "sort": sort if sort != "due" else None,
    }


QueueFilters = Annotated[dict[str, Any], Depends(queue_filters)]


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/queues/{unit_code}/tasks", summary="Hộp việc của đơn vị")
    async def queue(
        filters: QueueFilters,
        actor: CurrentActor,
        limit: Annotated[int, page_limit(QUEUE_PAGE_MAX, 50)],
        offset: Offset = 0,
        cursor: PageCursor = None,
    ) -> review_ops.QueuePage:
        params = {**filters, "limit": limit, "offset": offset or None, "cursor": cursor}
        return await gateway.ask(review_ops.LIST_QUEUE, actor, present(params))

    @api.get(
        "/queues/{unit_code}/tasks.xlsx",
        summary=f"Hộp việc dạng bảng tính .xlsx: mọi hồ sơ khớp bộ lọc, theo thứ tự đã chọn (tối đa {EXPORT_ROW_CAP} dòng)",
        response_class=Response,
        responses=binary_responses(XLSX),
    )
    async def queue_xlsx(filters: QueueFilters, actor: CurrentActor) -> Response:
        return await queue_download(gateway, actor, present(filters))

    @api.get("/tasks/{task_id}", summary="Nhiệm vụ xét duyệt với hồ sơ và lịch sử")
    async def get_task(task_id: Id, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.GET_TASK, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/claim", summary="Nhận xử lý")
    async def claim(task_id: Id, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.CLAIM, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/release", summary="Trả về hộp việc")
    async def release(task_id: Id, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.RELEASE, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/reassign", summary="Giao lại cho người duyệt khác (quản trị đơn vị)")
    async def reassign(task_id: Id, body: Reassignment, actor: CurrentActor) -> review_ops.TaskView:
        assignee = await users.assignee(gateway.engine, body.assignee_username)  # unknown: refused like any non-approver
        return await gateway.ask(review_ops.REASSIGN, actor, {"task_id": task_id, "assignee": assignee.model_dump(mode="json")})

    @api.post("/tasks/{task_id}/decision", summary="Quyết định: đồng ý, trả lại, không duyệt")
    async def decide(task_id: Id, body: TaskDecision, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.DECIDE, actor, {"task_id": task_id, **body.model_dump()})

    @api.get("/queues/{unit_code}/overdue-below", summary="Quá hạn ở cấp dưới: hồ sơ quá hạn ở đơn vị cấp dưới đã báo đơn vị này")
    async def overdue_below(
        unit_code: CodePath,
        actor: CurrentActor,
        limit: Annotated[int, page_limit(QUEUE_PAGE_MAX, 50)],
        cursor: PageCursor = None,
    ) -> review_ops.QueuePage:
        params = {"unit_code": unit_code, "state": "escalated_in", "limit": limit, "cursor": cursor}
        return await gateway.ask(review_ops.LIST_QUEUE, actor, present(params))

    @api.post("/tasks/{task_id}/urge", summary="Cấp trên đôn đốc đơn vị cấp dưới xử lý hồ sơ quá hạn")
    async def urge(task_id: Id, body: Urge, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.URGE, actor, {"task_id": task_id, **body.model_dump(mode="json")})

    @api.post("/tasks/{task_id}/due-date", summary="Cấp trên đặt hạn mới cho hồ sơ quá hạn ở cấp dưới, kèm lý do")
    async def set_due_date(task_id: Id, body: SetDueDate, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.SET_DUE_DATE, actor, {"task_id": task_id, **body.model_dump(mode="json")})

    @api.post(
        "/tasks/{task_id}/receive-directly",
        summary="Cấp trên trực tiếp nhận hồ sơ quá hạn để xét ở cấp mình (chỉ khi cấp dưới không phải cấp quyết định)",
    )
    async def receive_directly(task_id: Id, body: ReceiveDirectly, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.RECEIVE_DIRECTLY, actor, {"task_id": task_id, **body.model_dump(mode="json")})

    return api
