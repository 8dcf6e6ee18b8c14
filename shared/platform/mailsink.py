"""The embedded demo's SMTP server: aiosmtpd on 127.0.0.1 keeping every mail it receives as a file, and the reader
the notifier answers the demo mailbox (/hop-thu-demo) with.

`thidua up` runs it (`thidua mailsink`) when no THIDUA_SMTP_HOST is set; the tests run it in-process to send real SMTP
to. Each mail is one `.eml` file in the mailbox directory, named by its arrival (nanoseconds) so the newest sorts
last, written whole and then renamed into place; two headers the sink adds say when it arrived and to whom the
envelope sent it (`X-Thidua-Sink-Received`, `X-Thidua-Sink-Rcpt`). It keeps no more than KEEP mails.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

KEEP = 5000
RECEIVED = "X-Thidua-Sink-Received"
RCPT = "X-Thidua-Sink-Rcpt"


class SinkHandler:
    """aiosmtpd handler: store each message; refuse (550) the recipients in `refused` (tests of a bounced address)."""

    def __init__(self, directory: Path, *, refused: Collection[str] = ()) -> None:
        self.directory = directory
        self.refused = {r.lower() for r in refused}
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(  # aiosmtpd's hook names
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.time_ns()  # the sink's own wall clock, as a real mail server's (not the system's demo clock)
        received = datetime.fromtimestamp(arrived / 1e9, UTC).isoformat()
        head = f"{RECEIVED}: {received}\r\n{RCPT}: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        content = envelope.original_content or envelope.content
        data = head + (content if isinstance(content, bytes) else content.encode())
        name = f"{arrived:020d}-{uuid.uuid4().hex[:8]}.eml"
        await asyncio.to_thread(_store, self.directory, name, data)
        return "250 Message accepted for delivery"


def _store(directory: Path, name: str, data: bytes) -> None:
    partial = directory / f".{name}.part"
    partial.write_bytes(data)
    os.replace(partial, directory / name)
    stored = sorted(directory.glob("*.eml"))
    for old in stored[: max(0, len(stored) - KEEP)]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()


def start(directory: Path, port: int, *, host: str = "127.0.0.1", refused: Collection[str] = ()) -> Controller:
    """Start a sink in a thread of this process (tests, `thidua mailsink`); `.stop()` ends it."""
    controller = Controller(SinkHandler(directory, refused=refused), hostname=host, port=port, ready_timeout=10.0)
    controller.start()
    return controller


def serve(directory: Path, port: int) -> int:
    """`thidua mailsink`: run until SIGTERM or SIGINT."""
    controller = start(directory, port)
    stopping = asyncio.Event()

    async def wait() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await stopping.wait()

    try:
        asyncio.run(wait())
    finally:
        controller.stop()
    return 0


@dataclass(frozen=True)
class StoredMail:
    received_at: datetime
    sender: str
    recipients: list[str]
    subject: str
    message_id: str
    text: str


def _recipients(header: str | None) -> list[str]:
    return [r.strip() for r in (header or "").split(",") if r.strip()]


def read(directory: Path, *, recipient: str | None = None, limit: int = 50, scan: int = KEEP) -> tuple[int, list[StoredMail]]:
    """The newest mails first (up to `limit`), to `recipient` only if given; with how many match in all."""
    if not directory.exists():
        return 0, []
    files = sorted(directory.glob("*.eml"), reverse=True)[:scan]
    wanted = recipient.lower() if recipient else None
    matched: list[Path] = []
    for path in files:
        try:
            with path.open("rb") as f:
                headers = BytesHeaderParser(policy=policy.default).parse(f)
        except FileNotFoundError:  # trimmed meanwhile
            continue
        if wanted is None or wanted in (r.lower() for r in _recipients(headers.get(RCPT))):
            matched.append(path)
    return len(matched), [m for m in (_read_one(p) for p in matched[:limit]) if m is not None]


def _read_one(path: Path) -> StoredMail | None:
    try:
        with path.open("rb") as f:
            message = BytesParser(policy=policy.default).parse(f)
    except FileNotFoundError:
        return None
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return StoredMail(
        received_at=datetime.fromisoformat(str(message.get(RECEIVED))),
        sender=str(message.get("From", "")),
        recipients=_recipients(message.get(RCPT)),
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
        text=str(text),
    )
