"""Dead letters: read, replay and discard what a consumer gave up on, and keep an audit trail of it.

`EventConsumer.dead_letter` copies a message it cannot handle to the DEADLETTER stream
(`thidua.deadletter.<service>`) with `Thidua-Dlq-*` headers: the reason, the service and durable,
the original subject, stream and sequence, and the delivery count. This module is the operators'
side of it, used by `thidua dlq` and the portal's ops page; it never prints.

- Reading goes message by message with `get_msg`, newest first, so a large stream is never loaded whole.
- Replay republishes the original payload and headers to the original subject with
  `Nats-Msg-Id = replay:<dlq seq>:…`: two replays of one dead letter inside the duplicate window are
  one message, and every consumer's idempotent inbox drops an event id it already processed. If the
  message fails again it is dead-lettered anew, with the new error.
- Replay and discard write an `AuditEntry` to the OPS_AUDIT stream before removing the dead letter.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg, StorageType, StreamConfig, StreamInfo
from nats.js.errors import APIError, NotFoundError
from pydantic import BaseModel, ConfigDict

from shared.contracts import subjects
from shared.contracts.errors import Conflict, NotFound, ValidationFailed
from shared.platform.clock import Clock, SystemClock

DLQ_STREAM = subjects.DEADLETTER_STREAM.name
AUDIT_STREAM = subjects.OPS_AUDIT_STREAM.name
DLQ_HEADER_PREFIX = "Thidua-Dlq-"
MIN_REASON_LENGTH = 5
AUDIT_DUPLICATE_WINDOW_SECONDS = 600.0
PUBLISH_TIMEOUT = 5.0
# How many stream sequences one listing looks at at most (deleted or other services' letters included).
MAX_SCAN = 5000
# JetStream's err_codes for deleting a sequence that is not there (10057 when another delete raced it)
ALREADY_DELETED = frozenset({10043, 10057})

AuditAction = Literal["replay", "discard", "retry"]


class DeadLetter(BaseModel):
    """One message in DEADLETTER, with what its headers and (when it parses) its payload say."""

    model_config = ConfigDict(frozen=True)

    seq: int  # sequence in the DEADLETTER stream: the handle operators use
    time: datetime | None
    subject: str  # thidua.deadletter.<service>
    service: str
    consumer: str
    original_subject: str
    original_stream: str
    original_seq: int | None
    original_msg_id: str
    deliveries: int
    reason: str
    headers: dict[str, str]
    payload: str
    event_id: str | None = None
    event_type: str | None = None
    nomination_id: str | None = None
    correlation_id: str | None = None

    @classmethod
    def from_raw(cls, raw: RawStreamMsg) -> DeadLetter:
        from shared.contracts.events import EVENT_TYPES  # every event model: only when a dead letter is read

        headers = stored_headers(raw)
        payload = (raw.data or b"").decode("utf-8", errors="replace")
        original_subject = headers.get("Thidua-Dlq-Subject", "")
        body = _json_object(payload)
        event_type = EVENT_TYPES.get(original_subject)
        return cls(
            seq=int(raw.seq or 0),
            time=raw.time,
            subject=raw.subject or "",
            service=headers.get("Thidua-Dlq-Service", ""),
            consumer=headers.get("Thidua-Dlq-Consumer", ""),
            original_subject=original_subject,
            original_stream=headers.get("Thidua-Dlq-Stream", ""),
            original_seq=_int_or_none(headers.get("Thidua-Dlq-Stream-Seq")),
            original_msg_id=headers.get("Thidua-Dlq-Original-Msg-Id", ""),
            deliveries=_int_or_none(headers.get("Thidua-Dlq-Deliveries")) or 0,
            reason=headers.get("Thidua-Dlq-Reason", ""),
            headers=headers,
            payload=payload,
            event_id=_str_or_none(body.get("event_id")),
            event_type=event_type.__name__ if event_type is not None and body else None,
            nomination_id=_nomination_id(body),
            correlation_id=_str_or_none(body.get("correlation_id")) or headers.get("Thidua-Correlation-Id") or None,
        )

    def replay_headers(self) -> dict[str, str]:
        """The sender's own headers, without the dead-letter ones and the server's, and a new message id."""
        kept = {k: v for k, v in self.headers.items() if not k.startswith((DLQ_HEADER_PREFIX, "Nats-"))}
        original = f"{self.original_stream}:{self.original_seq or self.original_msg_id}"
        return {**kept, "Nats-Msg-Id": f"replay:{self.seq}:{original}", "Thidua-Replay-Of": str(self.seq)}


class AuditEntry(BaseModel):
    """Who replayed or discarded which dead letter, when and why."""

    model_config = ConfigDict(frozen=True)

    action: AuditAction
    dlq_seq: int
    service: str
    original_subject: str
    event_id: str | None
    by: str
    reason: str = ""
    at: datetime
    replayed_to_seq: int | None = None  # the sequence the replay got in the original stream
    seq: int | None = None  # sequence in OPS_AUDIT, filled in when read back


class ReplayResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    dlq_seq: int
    subject: str
    stream: str
    stream_seq: int
    duplicate: bool  # the stream had already taken this replay (another replay within the duplicate window)


# Reading


async def list_dead_letters(
    js: JetStreamContext, *, service: str | None = None, limit: int = 50, max_scan: int = MAX_SCAN
) -> list[DeadLetter]:
    """The newest dead letters first, of one service or all; looks at no more than `max_scan` sequences."""
    info = await _stream_info(js, DLQ_STREAM)
    if info is None or not info.state.messages or limit <= 0:
        return []
    wanted = subjects.deadletter_subject(service) if service else None
    if wanted is not None and not await _has_subject(js, wanted):
        return []
    found: list[DeadLetter] = []
    seq = info.state.last_seq
    first = max(info.state.first_seq, seq - max_scan + 1)
    while seq >= first and len(found) < limit:
        raw = await _get_or_none(js, DLQ_STREAM, seq)
        seq -= 1
        if raw is not None and (wanted is None or raw.subject == wanted):
            found.append(DeadLetter.from_raw(raw))
    return found


async def dead_letter_counts(js: JetStreamContext) -> dict[str, int]:
    """How many dead letters each service has (one stream-info call, whatever the stream's size)."""
    info = await _stream_info(js, DLQ_STREAM, subjects_filter=f"{subjects.PREFIX}.deadletter.>")
    if info is None:
        return {}
    return {subject.rsplit(".", 1)[-1]: int(n) for subject, n in sorted((info.state.subjects or {}).items())}


async def get_dead_letter(js: JetStreamContext, seq: int) -> DeadLetter:
    raw = await _get_or_none(js, DLQ_STREAM, seq)
    if raw is None:
        raise NotFound(
            f"Không có thư lỗi số {seq} trong DEADLETTER (đã phát lại, đã loại bỏ hoặc chưa từng có)",
            code="dead_letter_not_found",
        )
    return DeadLetter.from_raw(raw)


# Repair


async def replay(js: JetStreamContext, seq: int, *, by: str, clock: Clock | None = None) -> ReplayResult:
    """Republish a dead letter to its original subject, wait for the PubAck, record it, then remove it."""
    by = _required_by(by)
    letter = await get_dead_letter(js, seq)
    if not letter.original_subject:
        raise Conflict(f"Thư lỗi số {seq} không ghi chủ đề gốc, không phát lại được", code="dead_letter_without_subject")
    ack = await js.publish(
        letter.original_subject,
        letter.payload.encode(),
        timeout=PUBLISH_TIMEOUT,
        stream=letter.original_stream or None,
        headers=letter.replay_headers(),
    )
    await _audit(js, "replay", letter, by=by, clock=clock, replayed_to_seq=int(ack.seq))
    await _delete(js, seq)
    return ReplayResult(
        dlq_seq=seq, subject=letter.original_subject, stream=ack.stream, stream_seq=int(ack.seq), duplicate=bool(ack.duplicate)
    )


async def discard(js: JetStreamContext, seq: int, *, by: str, reason: str, clock: Clock | None = None) -> AuditEntry:
    """Remove a dead letter for good, recording who did it and why."""
    by = _required_by(by)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationFailed.on(
            "reason", f"Cần ghi lý do loại bỏ thư lỗi (ít nhất {MIN_REASON_LENGTH} ký tự)", code="discard_reason_required"
        )
    letter = await get_dead_letter(js, seq)
    entry = await _audit(js, "discard", letter, by=by, reason=reason, clock=clock)
    await _delete(js, seq)
    return entry


async def retry(
    js: JetStreamContext,
    seq: int,
    *,
    by: str,
    run_again: Callable[[DeadLetter], Awaitable[Any]],
    clock: Clock | None = None,
) -> AuditEntry:
    """Have the owning service run its handler again (`run_again`, its `ops_dlq_retry`), then record and remove
    the letter. Should this step fail after the handler succeeded, a second retry is harmless (the inbox)."""
    by = _required_by(by)
    letter = await get_dead_letter(js, seq)
    await run_again(letter)
    entry = await _audit(js, "retry", letter, by=by, clock=clock)
    await _delete(js, letter.seq)
    return entry


# Audit trail


async def ensure_audit_stream(js: JetStreamContext, replicas: int = 1) -> None:
    if await _stream_info(js, AUDIT_STREAM) is not None:
        return
    config = StreamConfig(
        name=AUDIT_STREAM,
        subjects=list(subjects.OPS_AUDIT_STREAM.subjects),
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=AUDIT_DUPLICATE_WINDOW_SECONDS,
    )
    try:
        await js.add_stream(config)
    except APIError:
        if await _stream_info(js, AUDIT_STREAM) is None:
            raise
        # created at the same moment by another operator's action


async def list_audit(js: JetStreamContext, limit: int = 50) -> list[AuditEntry]:
    """The newest audit entries first."""
    info = await _stream_info(js, AUDIT_STREAM)
    if info is None or not info.state.messages:
        return []
    entries: list[AuditEntry] = []
    seq = info.state.last_seq
    while seq >= info.state.first_seq and len(entries) < limit:
        raw = await _get_or_none(js, AUDIT_STREAM, seq)
        seq -= 1
        if raw is not None and raw.data:
            entries.append(AuditEntry.model_validate_json(raw.data).model_copy(update={"seq": raw.seq}))
    return entries


async def _audit(
    js: JetStreamContext,
    action: AuditAction,
    letter: DeadLetter,
    *,
    by: str,
    clock: Clock | None,
    reason: str = "",
    replayed_to_seq: int | None = None,
) -> AuditEntry:
    await ensure_audit_stream(js)
    entry = AuditEntry(
        action=action,
        dlq_seq=letter.seq,
        service=letter.service,
        original_subject=letter.original_subject,
        event_id=letter.event_id,
        by=by,
        reason=reason,
        at=(clock or SystemClock()).now(),
        replayed_to_seq=replayed_to_seq,
    )
    # One entry per action on one dead letter, even when two operators act at the same moment.
    msg_id = f"audit:{action}:{letter.seq}:{letter.headers.get('Nats-Msg-Id', '')}"
    await js.publish(
        subjects.ops_audit_subject(action),
        entry.model_dump_json().encode(),
        timeout=PUBLISH_TIMEOUT,
        stream=AUDIT_STREAM,
        headers={"Nats-Msg-Id": msg_id},
    )
    return entry


# Plumbing


async def _stream_info(js: JetStreamContext, name: str, subjects_filter: str | None = None) -> StreamInfo | None:
    try:
        return await js.stream_info(name, subjects_filter=subjects_filter)
    except NotFoundError:
        return None


async def _has_subject(js: JetStreamContext, subject: str) -> bool:
    info = await _stream_info(js, DLQ_STREAM, subjects_filter=subject)
    return bool(info and (info.state.subjects or {}).get(subject))


async def _get_or_none(js: JetStreamContext, stream: str, seq: int) -> RawStreamMsg | None:
    try:
        return await js.get_msg(stream, seq)
    except NotFoundError:  # deleted (replayed or discarded), or never there
        return None


async def _delete(js: JetStreamContext, seq: int) -> None:
    try:
        await js.delete_msg(DLQ_STREAM, seq)
    except APIError as exc:
        if exc.err_code not in ALREADY_DELETED:
            raise
        # another operator's replay or discard removed it first


def _required_by(by: str) -> str:
    by = by.strip()
    if not by:
        raise ValidationFailed.on("by", "Cần ghi người thực hiện", code="actor_required")
    return by


def stored_headers(raw: RawStreamMsg) -> dict[str, str]:
    """The headers as stored, read from the raw block: nats-py's own parsing mangles non-ASCII values."""
    if not raw.hdrs:
        return {str(k): str(v) for k, v in (raw.headers or {}).items()}
    block = base64.b64decode(raw.hdrs).decode("utf-8", errors="replace")
    headers: dict[str, str] = {}
    for line in block.split("\r\n")[1:]:  # the first line is the NATS/1.0 status line
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip()] = value.strip()
    return headers


def _json_object(payload: str) -> dict[str, Any]:
    try:
        body = json.loads(payload)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _nomination_id(body: dict[str, Any]) -> str | None:
    if nomination_id := _str_or_none(body.get("nomination_id")):
        return nomination_id
    for key, field in (("nomination", "id"), ("task", "nomination_id")):
        inner = body.get(key)
        if isinstance(inner, dict) and (value := _str_or_none(inner.get(field))):
            return value
    return None


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
