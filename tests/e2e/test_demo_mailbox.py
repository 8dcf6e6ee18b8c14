"""The embedded demo's mail, every service as its own process: an approver who chose email for new dossiers gets one
in the local SMTP sink, and the console's "Hộp thư demo" (/hop-thu-demo) shows it, said to be a demo mailbox."""

from __future__ import annotations

import html
import re
import uuid

import httpx
import pytest

from tests.e2e.conftest import PASSWORD
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

ADDRESS = "ld.sontay2@demo.thidua.example"


def console_session(portal_url: str, username: str) -> httpx.Client:
    browser = httpx.Client(base_url=portal_url, timeout=30.0)
    match = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/dang-nhap").text)
    assert match is not None
    signed_in = browser.post(
        "/dang-nhap", data={"username": username, "password": PASSWORD, "csrf_token": match.group(1), "next": "/ho-so"}
    )
    assert signed_in.status_code == 303
    return browser


def test_a_new_dossier_mailed_to_an_approver_shows_in_the_demo_mailbox(system: System) -> None:
    client = PortalClient(system.portal_url)
    client.login("ld.sontay2", PASSWORD)
    client.login("cdcs.dst", PASSWORD)
    chosen = client.put(
        "ld.sontay2", "/api/v1/me/notification-preferences", {"items": [{"kind": "new_in_queue", "delivery": "email_now"}]}
    )
    assert chosen["email_sent"] is True
    nominee = f"Đặng Thị Thư {uuid.uuid4().hex[:6]}"
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": nominee},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    }
    client.submit("cdcs.dst", body)

    browser = console_session(system.portal_url, "ld.sontay2")
    page = client.poll(
        lambda: browser.get("/hop-thu-demo", params={"nguoi_nhan": ADDRESS}).text,
        lambda text: nominee in html.unescape(text),
        timeout=60,
        what="the mail in the demo mailbox",
    )
    text = html.unescape(page)
    assert "Đây là hộp thư demo." in text
    assert "[Thi Đua] Hồ sơ mới chờ xét" in text
    assert ADDRESS in text
    assert "/tai-khoan/thong-bao" in text
    assert 'href="/hop-thu-demo"' in browser.get("/ho-so").text  # in the menu while the demo sink is in use
    browser.close()
    client.close()
