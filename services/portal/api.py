"""The JSON API: authenticate, then ask the owning service over NATS. No business rules here."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.portal import users
from services.portal.gateway import Gateway
from services.portal.throttle import TooManyAttempts
from services.portal.web.dossier_files import file_response
from services.portal.web.pages import document_response, error_page, proposal_file
from services.portal.web.session import LoginRequired
from shared.contracts.commands import (
    BatchSelection,
    CouncilMeeting,
    NominationDraft,
    NominationEdit,
    NotificationsRead,
    Reassignment,
    SendBack,
    TaskDecision,
    Withdrawal,
)
from shared.contracts.errors import DomainError, NotFound, ValidationFailed
from shared.contracts.events import Actor
from shared.platform.rpc import field_name, message_vi
from shared.rules.attachments import format_size

PROBLEM = "application/problem+json"
# What a multipart body may add to the file itself (boundaries, part headers) before the early size refusal.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class DecisionRevocation(BaseModel):
    reason: str = Field(default="", max_length=2000, description="Lý do thu hồi, ít nhất 10 ký tự")


class PrizeRecovered(BaseModel):
    nomination_id: str = Field(min_length=1, max_length=64)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


def problem(status_code: int, code: str, title: str, fields: list[dict[str, str]] | None = None) -> JSONResponse:
    return JSONResponse(
        {"type": f"urn:thidua:error:{code}", "code": code, "title": title, "status": status_code, "fields": fields or []},
        status_code=status_code,
        media_type=PROBLEM,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if not request.url.path.startswith("/api/"):
            return await error_page(request, exc)
        response = problem(exc.status, exc.code, exc.title, [f.model_dump() for f in exc.fields])
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(int(exc.retry_after.total_seconds()) + 1)
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": field_name(err["loc"]), "message": message_vi(err)} for err in exc.errors()]
        return problem(422, ValidationFailed.code, ValidationFailed.title, fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: ("not_found", "Không tìm thấy"), 405: ("method_not_allowed", "Phương thức không được hỗ trợ")}
        code, title = titles.get(exc.status_code, ("http_error", str(exc.detail)))
        if not request.url.path.startswith("/api/"):
            failure = DomainError(title, code=code)
            failure.status = exc.status_code
            return await error_page(request, failure)
        return problem(exc.status_code, code, title)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=303)


_bearer = HTTPBearer(auto_error=False, description="Token từ POST /api/v1/auth/login")


async def current_actor(request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    gateway: Gateway = request.app.state.gateway
    return await gateway.actor_from_token(creds.credentials if creds else None)


CurrentActor = Annotated[Actor, Depends(current_actor)]


def build_router(gateway: Gateway) -> APIRouter:
    api = APIRouter(prefix="/api/v1")

    @api.post("/auth/login", response_model=Token, tags=["auth"], summary="Đăng nhập, nhận bearer token")
    async def login(body: LoginBody, request: Request) -> Token:
        actor = await gateway.login(body.username, body.password, request.client.host if request.client else "")
        ttl = timedelta(minutes=gateway.settings.token_ttl_minutes)
        token = users.issue_token(actor, gateway.secret, gateway.wall_clock.now(), ttl)
        return Token(access_token=token, expires_in=int(ttl.total_seconds()))

    @api.get("/me", tags=["auth"], summary="Người dùng hiện tại và vai trò")
    async def me(actor: CurrentActor) -> dict[str, Any]:
        return actor.model_dump()

    @api.get("/clock", tags=["ops"], summary="Giờ hệ thống (có thể đã dời khi thử nghiệm, không bao giờ trong vận hành)")
    async def clock(actor: CurrentActor) -> dict[str, Any]:
        now = gateway.clock.now()
        return {"now": now.isoformat(), "shifted_seconds": round((now - gateway.wall_clock.now()).total_seconds())}

    @api.get("/units", tags=["reference"], summary="Cây đơn vị công đoàn")
    async def units(actor: CurrentActor) -> Any:
        return await gateway.call("registration", "list_units", actor)

    @api.get("/catalog/awards", tags=["reference"], summary="Danh mục hình thức khen thưởng đang có hiệu lực")
    async def catalog(actor: CurrentActor) -> Any:
        return await gateway.call("awards", "list_catalog", actor)

    @api.post("/nominations", status_code=status.HTTP_201_CREATED, tags=["nominations"], summary="Nộp hồ sơ đề nghị khen thưởng")
    async def submit(body: NominationDraft, actor: CurrentActor, response: Response) -> Any:
        created = await gateway.call("registration", "submit", actor, body.model_dump(mode="json"))
        response.headers["Location"] = f"/api/v1/nominations/{created['id']}"
        return created

    @api.get("/nominations", tags=["nominations"], summary="Danh sách hồ sơ trong phạm vi của người dùng")
    async def list_nominations(
        actor: CurrentActor,
        unit_code: str | None = None,
        status: str | None = None,
        award_code: str | None = None,
        period: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Any:
        params = {
            "unit_code": unit_code,
            "status": status,
            "award_code": award_code,
            "period": period,
            "limit": limit,
            "offset": offset,
        }
        return await gateway.call("registration", "list", actor, _present(params))

    @api.get("/nominations/{nomination_id}", tags=["nominations"], summary="Hồ sơ, trạng thái, dòng thời gian và quyết định")
    async def get_nomination(nomination_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("registration", "get", actor, {"id": nomination_id})

    @api.put("/nominations/{nomination_id}", tags=["nominations"], summary="Sửa hồ sơ đã bị trả lại")
    async def edit(nomination_id: str, body: NominationEdit, actor: CurrentActor) -> Any:
        return await gateway.call(
            "registration", "update", actor, {"id": nomination_id, **body.model_dump(mode="json", exclude_none=True)}
        )

    @api.post("/nominations/{nomination_id}/resubmit", tags=["nominations"], summary="Nộp lại hồ sơ sau khi sửa")
    async def resubmit(nomination_id: str, actor: CurrentActor, body: NominationEdit | None = None) -> Any:
        edits = body.model_dump(mode="json", exclude_none=True) if body else {}
        return await gateway.call("registration", "resubmit", actor, {"id": nomination_id, **edits})

    @api.post("/nominations/{nomination_id}/withdraw", tags=["nominations"], summary="Rút hồ sơ trước khi có quyết định")
    async def withdraw(nomination_id: str, actor: CurrentActor, body: Withdrawal | None = None) -> Any:
        return await gateway.call("registration", "withdraw", actor, {"id": nomination_id, "reason": body.reason if body else ""})

    @api.post(
        "/attachments",
        status_code=status.HTTP_201_CREATED,
        tags=["nominations"],
        summary="Tải lên một tài liệu (multipart, trường `file`); trả về mã tệp để nộp kèm hồ sơ",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            }
        },
    )
    async def upload(request: Request, actor: CurrentActor) -> Any:
        filename, data = await read_upload(request, gateway)
        return await gateway.stage(actor, filename, data)

    @api.get(
        "/nominations/{nomination_id}/attachments/{attachment_id}",
        tags=["nominations"],
        summary="Tải về một tài liệu của hồ sơ (kiểm tra SHA-256 trước khi gửi)",
        response_class=Response,
    )
    async def download(nomination_id: str, attachment_id: str, actor: CurrentActor) -> Response:
        found, data = await gateway.download(actor, nomination_id, attachment_id)
        return file_response(found, data)

    @api.get("/awards/{award_code}/documents", tags=["reference"], summary="Tài liệu của hồ sơ, bắt buộc hay không, giới hạn tệp")
    async def documents(award_code: str, actor: CurrentActor) -> Any:
        return await gateway.call("registration", "document_requirements", actor, {"award_code": award_code})

    @api.get("/queues/{unit_code}/tasks", tags=["review"], summary="Hộp việc của đơn vị")
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
    ) -> Any:
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
        return await gateway.call("review", "list_queue", actor, _present(params))

    @api.get("/tasks/{task_id}", tags=["review"], summary="Nhiệm vụ xét duyệt với hồ sơ và lịch sử")
    async def get_task(task_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("review", "get_task", actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/claim", tags=["review"], summary="Nhận xử lý")
    async def claim(task_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("review", "claim", actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/release", tags=["review"], summary="Trả về hộp việc")
    async def release(task_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("review", "release", actor, {"task_id": task_id})

    @api.post("/tasks/{task_id}/reassign", tags=["review"], summary="Giao lại cho người duyệt khác (quản trị đơn vị)")
    async def reassign(task_id: str, body: Reassignment, actor: CurrentActor) -> Any:
        assignee = await users.actor_by_username(gateway.engine, body.assignee_username)
        if assignee is None:
            raise NotFound("Không có người dùng này", code="user_not_found", fields=[])
        return await gateway.call("review", "reassign", actor, {"task_id": task_id, "assignee": assignee.model_dump(mode="json")})

    @api.post("/tasks/{task_id}/decision", tags=["review"], summary="Quyết định: đồng ý, trả lại, không duyệt")
    async def decide(task_id: str, body: TaskDecision, actor: CurrentActor) -> Any:
        return await gateway.call("review", "decide", actor, {"task_id": task_id, **body.model_dump()})

    @api.post(
        "/tasks/{task_id}/send-back",
        tags=["review"],
        summary="Trả nhiệm vụ quá hạn đã chuyển lên về cấp dưới, với hạn mới và yêu cầu",
    )
    async def send_back(task_id: str, body: SendBack, actor: CurrentActor) -> Any:
        return await gateway.call("review", "send_back", actor, {"task_id": task_id, **body.model_dump(mode="json")})

    @api.post("/council-meetings", tags=["review"], summary="Ghi nhận cuộc họp Hội đồng TĐKT và kết quả biểu quyết từng hồ sơ")
    async def record_council(body: CouncilMeeting, actor: CurrentActor) -> Any:
        return await gateway.call("review", "record_council", actor, body.model_dump(mode="json"))

    @api.post(
        "/queues/{unit_code}/forward-batch",
        tags=["review"],
        summary="Chuyển cấp trên nhiều hồ sơ kèm một tờ trình",
        status_code=status.HTTP_201_CREATED,
    )
    async def forward_batch(unit_code: str, body: BatchSelection, actor: CurrentActor) -> Any:
        return await gateway.call("review", "forward_batch", actor, {"unit_code": unit_code, **body.model_dump()})

    @api.post("/queues/{unit_code}/approve-batch", tags=["review"], summary="Phê duyệt nhiều hồ sơ trong một quyết định")
    async def approve_batch(unit_code: str, body: BatchSelection, actor: CurrentActor) -> Any:
        return await gateway.call("review", "approve_batch", actor, {"unit_code": unit_code, **body.model_dump()})

    @api.get("/queues/{unit_code}/proposals", tags=["review"], summary="Tờ trình đơn vị đã gửi và đã nhận")
    async def list_proposals(unit_code: str, actor: CurrentActor, limit: int = 50) -> Any:
        return await gateway.call("review", "list_proposals", actor, {"unit_code": unit_code, "limit": limit})

    @api.get("/proposals/{proposal_id}", tags=["review"], summary="Một tờ trình với danh sách đề nghị")
    async def get_proposal(proposal_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("review", "get_proposal", actor, {"id": proposal_id})

    @api.get(
        "/proposals/{proposal_id}/document",
        tags=["review"],
        summary="Tờ trình dạng PDF hoặc .xlsx (format=pdf|xlsx)",
        response_class=Response,
    )
    async def proposal_document(proposal_id: str, actor: CurrentActor, format: Literal["pdf", "xlsx"] = "pdf") -> Response:
        return await proposal_file(gateway, actor, proposal_id, format)

    @api.get("/notifications", tags=["review"], summary="Nhắc việc và thông báo chuyển lên / trả về của tôi")
    async def notifications(actor: CurrentActor, unread_only: bool = False, limit: int = 20) -> Any:
        return await gateway.call("review", "notifications", actor, {"unread_only": unread_only, "limit": limit})

    @api.post("/notifications/read", tags=["review"], summary="Đánh dấu đã đọc")
    async def notifications_read(actor: CurrentActor, body: NotificationsRead | None = None) -> Any:
        ids = body.ids if body else None
        return await gateway.call("review", "mark_notifications_read", actor, {"ids": ids})

    @api.get("/decisions", tags=["awards"], summary="Quyết định khen thưởng đã ban hành")
    async def decisions(
        actor: CurrentActor,
        issuer: str | None = None,
        year: int | None = None,
        award_code: str | None = None,
        status: Literal["issued", "revoked"] | None = None,
        kind: Literal["decision", "proposal"] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Any:
        params = {
            "issuer": issuer,
            "year": year,
            "award_code": award_code,
            "status": status,
            "kind": kind,
            "limit": limit,
            "offset": offset,
        }
        return await gateway.call("awards", "list_decisions", actor, _present(params))

    @api.get("/decisions/{decision_id}.pdf", tags=["awards"], summary="Quyết định (hoặc tờ trình) dạng PDF")
    async def decision_pdf(decision_id: str, actor: CurrentActor) -> Response:
        return document_response(await gateway.call("awards", "decision_document", actor, {"id": decision_id, "format": "pdf"}))

    @api.get("/decisions/{decision_id}.xlsx", tags=["awards"], summary="Quyết định (hoặc tờ trình) dạng bảng tính .xlsx")
    async def decision_xlsx(decision_id: str, actor: CurrentActor) -> Response:
        return document_response(await gateway.call("awards", "decision_document", actor, {"id": decision_id, "format": "xlsx"}))

    @api.post(
        "/decisions/{decision_id}/revoke", tags=["awards"], summary="Thu hồi quyết định, có lý do (người duyệt đơn vị ban hành)"
    )
    async def revoke(decision_id: str, body: DecisionRevocation, actor: CurrentActor) -> Any:
        return await gateway.call("awards", "revoke", actor, {"id": decision_id, "reason": body.reason})

    @api.post(
        "/decisions/{decision_id}/recovered",
        tags=["awards"],
        summary="Ghi nhận đã thu hồi tiền thưởng của một hồ sơ (quyết định đã thu hồi)",
    )
    async def recovered(decision_id: str, body: PrizeRecovered, actor: CurrentActor) -> Any:
        return await gateway.call("awards", "mark_recovered", actor, {"id": decision_id, "nomination_id": body.nomination_id})

    @api.get("/decisions/{decision_id}", tags=["awards"], summary="Một quyết định với người được khen và tiền thưởng")
    async def decision(decision_id: str, actor: CurrentActor) -> Any:
        return await gateway.call("awards", "get_decision", actor, {"id": decision_id})

    return api


def _present(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


async def read_upload(request: Request, gateway: Gateway, field: str = "file") -> tuple[str, bytes]:
    """The one file of a multipart upload; refused before the body is read when its declared length is over the limit."""
    rules = gateway.attachment_rules()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > rules.max_file_bytes + MULTIPART_OVERHEAD_BYTES:
        raise ValidationFailed.on(
            field, f"Tệp vượt giới hạn {format_size(rules.max_file_bytes)} mỗi tệp", code="attachment_too_large"
        )
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        raise ValidationFailed.on(field, "Cần chọn một tệp để tải lên", code="attachment_missing_file")
    data = await upload.read(rules.max_file_bytes + 1)  # one byte more than allowed is enough to refuse it
    return upload.filename or "", data
