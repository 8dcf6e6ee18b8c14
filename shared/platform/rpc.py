"""Request/reply between the portal and the services: one request shape, one reply shape."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from shared.contracts.errors import Conflict, DomainError, FieldError, InternalError, ServiceUnavailable, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations import Operation, ReplyT, RequestT, RpcError, RpcReply, RpcRequest
from shared.contracts.subjects import rpc_subject
from shared.platform.assertions import CallerRefused, Verifier, params_digest
from shared.platform.faults import describe, is_transient
from shared.platform.idempotency import Earlier, Keeper, RequestState, key_id, request_state
from shared.platform.logs import log_context

_MESSAGES_VI: dict[str, str] = {
    "missing": "Trường này là bắt buộc",
    "string_too_short": "Quá ngắn (tối thiểu {min_length} ký tự)",
    "string_too_long": "Quá dài (tối đa {max_length} ký tự)",
    "too_short": "Cần ít nhất {min_length} mục",
    "too_long": "Tối đa {max_length} mục",
    "literal_error": "Giá trị không hợp lệ, chọn một trong: {expected}",
    "enum": "Giá trị không hợp lệ, chọn một trong: {expected}",
    "int_parsing": "Phải là số nguyên",
    "int_type": "Phải là số nguyên",
    "bool_parsing": "Phải là đúng/sai",
    "string_type": "Phải là chuỗi ký tự",
    "greater_than_equal": "Phải lớn hơn hoặc bằng {ge}",
    "greater_than": "Phải lớn hơn {gt}",
    "less_than_equal": "Phải nhỏ hơn hoặc bằng {le}",
    "less_than": "Phải nhỏ hơn {lt}",
    "string_pattern_mismatch": "Không đúng định dạng",
    "json_invalid": "Dữ liệu JSON không hợp lệ",
    "model_type": "Phải là một đối tượng",
    "dict_type": "Phải là một đối tượng",
    "list_type": "Phải là một danh sách",
    "extra_forbidden": "Trường không được phép",
    "uuid_parsing": "Mã định danh không hợp lệ",
    "date_from_datetime_parsing": "Ngày không hợp lệ (dd/mm/yyyy)",
    "date_parsing": "Ngày không hợp lệ",
    "value_error": "{msg}",
}

log = logging.getLogger("thidua.rpc")

COMMITTED_BUT_UNREAD = (
    "Thao tác đã được ghi nhận nhưng chưa đọc lại được kết quả do cơ sở dữ liệu tạm thời gián đoạn; "
    "hãy tải lại sau ít phút để xem, không cần làm lại"
)
DEPENDENCY_UNAVAILABLE = "Dịch vụ tạm thời không truy cập được cơ sở dữ liệu hoặc hàng đợi tin nhắn, vui lòng thử lại sau ít phút"

_SKIPPED_LOC_PARTS = {"body", "params", "query", "path"}


def message_vi(err: Mapping[str, Any]) -> str:
    """The Vietnamese message for one pydantic error (as in `ValidationError.errors()`)."""
    template = _MESSAGES_VI.get(str(err["type"]), "Giá trị không hợp lệ")
    ctx = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
    if err["type"] == "value_error":
        ctx["msg"] = str((err.get("ctx") or {}).get("error", err.get("msg", "")))
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def field_name(loc: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in loc if p not in _SKIPPED_LOC_PARTS) or "body"


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Pydantic errors as field-named Vietnamese messages."""
    return [FieldError(field=field_name(err["loc"]), message=message_vi(err)) for err in exc.errors()]


def error_reply(exc: DomainError) -> RpcReply:
    return RpcReply(ok=False, error=RpcError(code=exc.code, title=exc.title, status=exc.status, fields=exc.fields))


RpcOperation = Callable[[Actor, dict[str, Any]], Awaitable[Any]]


def implement(
    operation: Operation[RequestT, ReplyT],
    handler: Callable[[Actor, RequestT], Awaitable[ReplyT]],
    *,
    caller_check: Callable[[Actor], None] | None = None,
) -> tuple[str, RpcOperation]:
    """A typed handler as the untyped table entry `register_rpc` takes: params → request model → handler → reply.

    A request that does not fit the model is refused with the fields named (`ValidationFailed`), as any other.
    `caller_check`, for an operation only some callers may use whoever they are (admins, operations), refuses
    a caller without the right before the request is read, so it learns nothing of the request's shape (403,
    never 422).
    """

    async def run(actor: Actor, params: dict[str, Any]) -> Any:
        if caller_check is not None:
            caller_check(actor)
        request = operation.request.model_validate(params)
        reply = await handler(actor, request)
        return reply.model_dump(mode="json")

    run.__name__ = f"{operation.service}_{operation.name}"
    return operation.name, run


def operations_of(service: str, *implemented: tuple[str, RpcOperation]) -> dict[str, RpcOperation]:
    """The operation table of one service; a name implemented twice is a wiring mistake."""
    table: dict[str, RpcOperation] = {}
    for name, run in implemented:
        if name in table:
            raise ValueError(f"{service}.{name} is implemented twice")
        table[name] = run
    return table


def request_log_fields(subject: str | None, params: Mapping[str, Any]) -> dict[str, str | None]:
    """What a request's log lines carry: its subject, and the nomination or task it is about when the params say."""
    nomination_id = params.get("nomination_id")
    if nomination_id is None and subject and subject.startswith(rpc_subject("registration", "")):
        nomination_id = params.get("id")  # registration's operations name their nomination "id"
    task_id = params.get("task_id")
    return {
        "subject": subject,
        "nomination_id": str(nomination_id) if isinstance(nomination_id, str | int) else None,
        "task_id": str(task_id) if isinstance(task_id, str | int) else None,
    }


async def answer(
    raw: bytes,
    operation: RpcOperation,
    *,
    subject: str | None = None,
    callers: Verifier | None = None,
    keeper: Keeper | None = None,
    spill: Spill | None = None,
) -> dict[str, Any]:
    """Decode a request, prove its caller (with `callers`), run the operation once per idempotency key (with
    `keeper`), and turn every expected failure into an error reply. A reply too large for one message is kept by
    `spill` (the service's replies bucket) and the caller told where; without `spill` it is a 422."""
    try:
        request = RpcRequest.model_validate_json(raw)
    except ValidationError as exc:
        reply = error_reply(DomainError("Yêu cầu RPC không hợp lệ", fields=field_errors(exc), code="bad_request"))
        return reply.model_dump(mode="json")
    with log_context(**request_log_fields(subject, request.params)):
        if callers is not None:
            try:
                actor = callers.verify(request.assertion, subject or "", request.params)
            except CallerRefused as exc:
                log.warning("rpc.caller_refused", extra={"reason": exc.reason, "claimed_user": request.actor.username})
                return error_reply(exc).model_dump(mode="json")
            request = request.model_copy(update={"actor": actor})
        state = RequestState()
        token = request_state.set(state)
        try:
            return await deliverable(await _once(operation, request, subject or "", keeper, state), spill)
        finally:
            request_state.reset(token)


async def _once(
    operation: RpcOperation, request: RpcRequest, subject: str, keeper: Keeper | None, state: RequestState
) -> dict[str, Any]:
    """The operation, or what an earlier attempt with the same idempotency key left (shared.platform.idempotency)."""
    if keeper is None or request.idempotency_key is None:
        return await _run(operation, request)
    kid = key_id(request.actor.user_id, subject, request.idempotency_key)
    try:
        taken = await keeper.begin(kid, subject, params_digest(request.params))
    except Exception as exc:
        if not is_transient(exc):
            log.exception("rpc.idempotency_failed")
            return error_reply(InternalError()).model_dump(mode="json")
        log.warning("rpc.dependency_unavailable", extra={"error": describe(exc)})
        return error_reply(ServiceUnavailable(DEPENDENCY_UNAVAILABLE)).model_dump(mode="json")
    if isinstance(taken, Earlier):
        return _earlier_reply(taken)
    state.key_id, state.fence = kid, taken.fence
    reply = await _run(operation, request)
    transient = not reply["ok"] and reply["error"]["status"] == ServiceUnavailable.status
    try:
        await keeper.finish(kid, taken.fence, reply, transient=transient)
    except Exception as exc:  # the outcome stands; a repeat then finds the key in flight or committed
        log.warning("rpc.idempotency_not_recorded", extra={"error": describe(exc)})
    return reply


def _earlier_reply(earlier: Earlier) -> dict[str, Any]:
    if earlier.state == "done" and earlier.reply is not None:
        return earlier.reply
    if earlier.state == "mismatch":
        error: DomainError = ValidationFailed.on(
            "Idempotency-Key",
            "Khoá này đã dùng cho một yêu cầu khác; mỗi thao tác mới cần một khoá mới",
            code="idempotency_key_reused",
        )
    elif earlier.state == "committed":
        error = Conflict("Thao tác này đã được thực hiện (cùng Idempotency-Key); hãy tải lại để xem kết quả", code="already_done")
    else:
        error = Conflict(
            "Yêu cầu trước với cùng Idempotency-Key đang được xử lý; thử lại sau ít giây", code="request_in_progress"
        )
    return error_reply(error).model_dump(mode="json")


# NATS refuses a message over its max_payload (1 MB by default, the deployment's too): a bigger reply would never
# arrive and the caller would wait out its timeout to report the service unavailable. Headroom for the headers.
MAX_REPLY_BYTES = 1024 * 1024 - 16 * 1024


def encode_reply(reply: dict[str, Any]) -> bytes:
    """A reply as the bus carries it: compact UTF-8 JSON (FastStream's own encoder, without orjson, would escape
    every non-ASCII character as \\uXXXX: six bytes for a Vietnamese letter, twelve for an emoji)."""
    return json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode()


# Keeps the encoded reply where the caller can read it, and returns the small reply that says where (RpcReply.spilled).
Spill = Callable[[bytes], Awaitable[dict[str, Any]]]


async def deliverable(reply: dict[str, Any], spill: Spill | None) -> dict[str, Any]:
    """The reply as it can travel: itself; too large and successful, kept by `spill` (the reply says where); else the
    422 of `fitting`. The store being unavailable is a 503 like any dependency's."""
    if spill is None or not reply.get("ok"):
        return fitting(reply)
    data = encode_reply(reply)
    if len(data) <= MAX_REPLY_BYTES:
        return reply
    try:
        pointer = await spill(data)
    except Exception as exc:
        log.warning("rpc.spill_failed", extra={"bytes": len(data), "error": describe(exc)})
        return error_reply(ServiceUnavailable(DEPENDENCY_UNAVAILABLE)).model_dump(mode="json")
    log.info("rpc.reply_spilled", extra={"bytes": len(data)})
    return pointer


def fitting(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply, or a 422 saying the answer is too large for one message, so that the caller asks for less. The last
    guard: every list's page maximum (shared.contracts.paging) keeps a legal request far from it."""
    size = len(encode_reply(reply))
    if size <= MAX_REPLY_BYTES:
        return reply
    log.warning("rpc.reply_too_large", extra={"bytes": size})
    return error_reply(ReplyTooLarge(size)).model_dump(mode="json")


class ReplyTooLarge(DomainError):
    code = "reply_too_large"
    status = 422

    def __init__(self, size: int) -> None:
        super().__init__(
            f"Kết quả quá lớn để gửi trong một lần ({size // 1024} KB); hãy yêu cầu ít mục hơn (tham số limit) hoặc lọc thêm"
        )


async def _run(operation: RpcOperation, request: RpcRequest) -> dict[str, Any]:
    try:
        data = await operation(request.actor, request.params)
    except DomainError as exc:
        return error_reply(exc).model_dump(mode="json")
    except ValidationError as exc:
        return error_reply(ValidationFailed(fields=field_errors(exc))).model_dump(mode="json")
    except Exception as exc:
        if is_transient(exc):  # the service's database or the bus is down: say so, and that a retry is worth it
            log.warning("rpc.dependency_unavailable", extra={"error": describe(exc)})
            state = request_state.get()
            if state is not None and state.committed:  # done, only its reply could not be read back
                return error_reply(ServiceUnavailable(COMMITTED_BUT_UNREAD, code="result_not_read")).model_dump(mode="json")
            return error_reply(ServiceUnavailable(DEPENDENCY_UNAVAILABLE)).model_dump(mode="json")
        log.exception("rpc.failed")
        return error_reply(InternalError()).model_dump(mode="json")
    return RpcReply(ok=True, data=data).model_dump(mode="json")
