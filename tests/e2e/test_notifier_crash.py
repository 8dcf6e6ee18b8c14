"""A notifier killed (kill -9) after the SMTP server took a mail and before the notifier recorded it as sent: after
the restart the mail is sent again, never lost, and the second copy carries the same Message-ID, so a receiver that
deduplicates by Message-ID sees one mail. SMTP itself is at-least-once; this is the duplicate it allows.

The SMTP server is the test's own aiosmtpd: it keeps the first mail and then never answers it (the notifier dies
waiting for the 250), and answers every later one at once.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from services.notifier import store
from shared.platform.db import make_engine
from tests.e2e.conftest import PASSWORD, start_system
from thidua.client import PortalClient
from thidua.natsserver import free_port
from thidua.system import System

pytestmark = pytest.mark.e2e


class FirstReplyLost:
    """Stores every mail; holds the reply to the first one until released (the notifier is killed meanwhile)."""

    def __init__(self) -> None:
        self.mails: list[bytes] = []
        self.release = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        self.mails.append(bytes(envelope.original_content or envelope.content))
        if len(self.mails) == 1:
            await asyncio.to_thread(self.release.wait)  # set by the test (threading: the server runs in its own loop)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[FirstReplyLost, int]]:
    handler, port = FirstReplyLost(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    handler.release.set()
    controller.stop()


def wait(until: Any, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def mail_rows(system: System) -> list[store.Mail]:
    async def read() -> list[store.Mail]:
        engine = make_engine(system.config.database_url("notifier"))
        try:
            async with engine.connect() as conn:
                return await store.all_mails(conn)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_a_notifier_killed_between_smtp_and_its_commit_loses_no_mail_and_its_resend_has_the_same_message_id(
    tmp_path: Path, smtp: tuple[FirstReplyLost, int]
) -> None:
    handler, port = smtp
    env = {"THIDUA_SMTP_HOST": "127.0.0.1", "THIDUA_SMTP_PORT": str(port), "THIDUA_MAIL_LEASE_SECONDS": "3"}
    for service in ("registration", "review", "awards", "notifier", "portal"):
        (tmp_path / service).mkdir()
    started = start_system(tmp_path, "sqlite", extra_env=env)
    system = next(started)
    try:
        client = PortalClient(system.portal_url)
        client.login("ld.sontay", PASSWORD)
        client.login("cdcs.dst", PASSWORD)
        chosen = client.put(
            "ld.sontay", "/api/v1/me/notification-preferences", {"items": [{"kind": "new_in_queue", "delivery": "email_now"}]}
        )
        assert chosen["email_sent"] is True  # the notifier answers
        client.submit(
            "cdcs.dst",
            {
                "unit_code": "HN-SONTAY-DST",
                "award_code": "giay_khen_ldld_huyen",
                "period": "2026",
                "nominee": {"kind": "individual", "name": "Hoàng Văn Bền"},
                "achievements": "Nhiều năm liền hoàn thành xuất sắc nhiệm vụ được giao.",
            },
        )
        wait(lambda: len(handler.mails) == 1, "the SMTP server to receive the mail")
        system.kill("notifier")  # the server has the mail; the notifier never heard its 250 nor committed
        [row] = mail_rows(system)
        assert row.status == "pending"  # not recorded as sent: it will be sent again

        handler.release.set()
        system.restart("notifier")
        wait(lambda: [m.status for m in mail_rows(system)] == ["sent"], "the restarted notifier to send it again")
        time.sleep(4)  # past another lease: nothing more comes
        assert len(handler.mails) == 2
        first, second = (BytesParser(policy=policy.default).parsebytes(m) for m in handler.mails)
        assert first["Message-ID"] == second["Message-ID"] == row.message_id  # a deduplicating receiver sees one mail
        assert first["Subject"] == second["Subject"] == "[Thi Đua] Hồ sơ mới chờ xét"
        assert "ld.sontay@demo.thidua.example" in str(first["To"])
        client.close()
    finally:
        for _ in started:
            pass
