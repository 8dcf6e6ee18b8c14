"""Log set-up for every process: one line per record, with the structured fields passed in `extra`.

Services write JSON (one object per line) by default, `THIDUA_LOG_FORMAT=text` for people at a terminal.
Besides a record's own `extra`, every line carries what `log_context` bound for the message being
handled (`subject`, `nomination_id`) and the current OpenTelemetry `trace_id` and `span_id`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Literal, TypeVar

LogFormat = Literal["json", "text"]

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}
_EMPTY: Mapping[str, str] = MappingProxyType({})
_bound: ContextVar[Mapping[str, str]] = ContextVar("thidua_log_context", default=_EMPTY)

# Libraries that install their own handler and stop propagation; in a service their lines go through ours.
_ADOPTED_LOGGERS = ("faststream",)
# fontTools logs every glyph subset fpdf2 makes for a PDF at INFO.
_QUIET_LOGGERS = ("httpx", "alembic", "fontTools")
_consumer_log = logging.getLogger("thidua.consumer")


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Every record logged inside the block carries these fields (None values are left out)."""
    token = _bound.set({**_bound.get(), **{k: v for k, v in fields.items() if v}})
    try:
        yield
    finally:
        _bound.reset(token)


def context_fields() -> dict[str, str]:
    """The fields bound by `log_context`, then the current trace and span ids."""
    fields = dict(_bound.get())
    ids = _trace_ids()
    if ids is not None:
        fields["trace_id"], fields["span_id"] = ids
    return fields


def _trace_ids() -> tuple[str, str] | None:
    if "opentelemetry.trace" not in sys.modules:
        return None  # nothing in this process has touched OpenTelemetry (a command line): no span can be current
    from shared.platform.tracing import current_trace_ids  # imported by then in every service

    return current_trace_ids()


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class FieldsFormatter(logging.Formatter):
    """'… event.handler_failed subject=thidua.review.x delivery=2' rather than dropping the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {**context_fields(), **extra_fields(record)}
        fields.pop("span_id", None)  # the trace id is enough to follow a nomination by eye
        if not fields:
            return line
        return line + " " + " ".join(f"{k}={v}" for k, v in fields.items())


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, service, instance, context, extra fields."""

    def __init__(self, service: str | None = None, instance: str | None = None) -> None:
        super().__init__()
        self.process_fields = {k: v for k, v in (("service", service), ("instance", instance)) if v}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self.process_fields,
            **context_fields(),
            **extra_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO", service: str | None = None, *, instance: str | None = None, fmt: LogFormat = "text") -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service, instance))
    else:
        name = f" {service}" if service else ""
        handler.setFormatter(FieldsFormatter(f"%(asctime)s %(levelname)s{name} %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # FastStream logs each message at DEBUG through the broker logger and its own life cycle at INFO.
    logging.getLogger("thidua").setLevel(level)
    for noisy in _QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if fmt == "json":
        import faststream  # noqa: F401  (its loggers exist, with their own handlers, once it is imported)

        for name in _ADOPTED_LOGGERS:
            adopted = logging.getLogger(name)
            adopted.handlers.clear()
            adopted.propagate = True


S = TypeVar("S")


def logged_in_message_context(handle: Callable[[S, Any], Awaitable[None]]) -> Callable[[S, Any], Awaitable[None]]:
    """Wraps a consumer's `handle(self, msg)`: its log lines carry the message's subject and nomination id,
    and one `event.processed` line per message says how long it took (failures have their own lines)."""

    async def handle_in_context(self: S, msg: Any) -> None:
        with log_context(subject=msg.raw_message.subject, nomination_id=nomination_id_of(msg)):
            started = time.perf_counter()
            await handle(self, msg)
            _consumer_log.info("event.processed", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1)})

    handle_in_context.__name__ = handle.__name__
    handle_in_context.__doc__ = handle.__doc__
    return handle_in_context


def nomination_id_of(msg: Any) -> str | None:
    """The nomination an event is about: the correlation id the outbox put in its headers, else in its body."""
    correlation = (msg.headers or {}).get("Thidua-Correlation-Id")
    if correlation:
        return str(correlation)
    try:
        body = json.loads(msg.body)
    except (ValueError, TypeError):
        return None
    value = body.get("correlation_id") if isinstance(body, dict) else None
    return str(value) if value else None
