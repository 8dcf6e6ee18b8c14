"""Review tasks through the JSON API: a unit's queue, one task, and what an approver does with it (claim, release,
reassign, decide, send an escalated task back). Review decides who may."""

from __future__ import annotations

from fastapi import APIRouter

from services.portal import users
from services.portal.api.deps import CurrentActor, present
from services.portal.gateway import Gateway
from shared.contracts.commands import Reassignment, SendBack, TaskDecision
from shared.contracts.errors import NotFound
from shared.contracts.operations import review as review_ops


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["review"])

    @api.get("/queues/{unit_code}/tasks", summary="Hộp việc của đơn vị")
    async def queue(
        unit_code: str,
        actor: CurrentActor,
        state: str = "active",
        award_code: str | None = None,
        origin_unit_code: str | None = None,
        period: str | None = None,
        q: str | None = None,
        due_before: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> review_ops.QueuePage:
        params = {
            "unit_code": unit_code,
            "state": state,
            "due_before": due_before,
            "award_code": award_code,
            "origin_unit_code": origin_unit_code,
            "period": period,
            "q": q,
            "limit": limit,
            "offset": offset,
        }
        return await gateway.ask(review_ops.LIST_QUEUE, actor, present(params))

    @api.get("/tasks/{task_id}", summary="Nhiệm vụ xét duyệt với hồ sơ và lịch sử")
    async def get_task(task_id: str, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.GET_TASK, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/claim", summary="Nhận xử lý")
    async def claim(task_id: str, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.CLAIM, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/release", summary="Trả về hộp việc")
    async def release(task_id: str, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.RELEASE, actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/reassign", summary="Giao lại cho người duyệt khác (quản trị đơn vị)")
    async def reassign(task_id: str, body: Reassignment, actor: CurrentActor) -> review_ops.TaskView:
        assignee = await users.actor_by_username(gateway.engine, body.assignee_username)
        if assignee is None:
            raise NotFound("Không có người dùng này", code="user_not_found", fields=[])
        return await gateway.ask(review_ops.REASSIGN, actor, {"task_id": task_id, "assignee": assignee.model_dump(mode="json")})

    @api.post("/tasks/{task_id}/decision", summary="Quyết định: đồng ý, trả lại, không duyệt")
    async def decide(task_id: str, body: TaskDecision, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.DECIDE, actor, {"task_id": task_id, **body.model_dump()})

    @api.post("/tasks/{task_id}/send-back", summary="Trả nhiệm vụ quá hạn đã chuyển lên về cấp dưới, với hạn mới và yêu cầu")
    async def send_back(task_id: str, body: SendBack, actor: CurrentActor) -> review_ops.TaskView:
        return await gateway.ask(review_ops.SEND_BACK, actor, {"task_id": task_id, **body.model_dump(mode="json")})

    return api
