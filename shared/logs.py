"""Log set-up for every process: one line per record, with the structured fields passed in `extra`."""

from __future__ import annotations

import logging

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "color_message"}


class FieldsFormatter(logging.Formatter):
    """'… event.handler_failed subject=thidua.review.x delivery=2' rather than dropping the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}
        if not fields:
            return line
        return line + " " + " ".join(f"{k}={v}" for k, v in fields.items())


def configure(level: str = "INFO", service: str | None = None) -> None:
    handler = logging.StreamHandler()
    name = f" {service}" if service else ""
    handler.setFormatter(FieldsFormatter(f"%(asctime)s %(levelname)s{name} %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # FastStream logs each message at DEBUG through the broker logger and its own life cycle at INFO.
    logging.getLogger("thidua").setLevel(level)
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
