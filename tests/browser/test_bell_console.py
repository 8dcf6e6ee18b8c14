"""The bell in a real browser: the district's approvers are told a dossier arrived; once the district decides, the
submitter finds the decision with its number in the bell and follows it to the dossier; each person chooses per kind
how to be told, and the page says plainly that email is not sent yet."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_console import decide, file_nomination, open_task, sign_draft, wait_for_status
from tests.e2e.conftest import PASSWORD
from thidua.client import ApiError, PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]


def wait_for_note(page: Page, text: str) -> None:
    """The bell's page until a note with `text` shows (it arrives over NATS)."""
    for _ in range(150):
        page.goto("/thong-bao")
        if page.locator("ul.notes li.note", has_text=text).count():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no notification “{text}” at {page.url}")


def test_a_submitter_sees_the_decision_in_the_bell_and_follows_it_to_the_dossier(sign_in: SignIn, console: System) -> None:
    api = PortalClient(console.portal_url)
    api.login("cdcs.dst", PASSWORD)
    mailed = {"items": [{"kind": "decided", "delivery": "email_now"}]}
    api.put("cdcs.dst", "/api/v1/me/notification-preferences", mailed)  # the decision by email too
    try:
        decision_told_in_bell_and_mailbox(sign_in)
    finally:  # the other tests of this module start from the bell alone
        api.put("cdcs.dst", "/api/v1/me/notification-preferences", {"items": [{"kind": "decided", "delivery": "bell"}]})
        api.close()


def decision_told_in_bell_and_mailbox(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    nomination_id = file_nomination(submitter, "Hoàng Thị Chuông", "giay_khen_ldld_huyen")

    approver = sign_in("ld.sontay2")  # an approver of the district who has not opened it
    wait_for_note(approver, "Hoàng Thị Chuông")
    note = approver.locator("ul.notes li.note", has_text="Hoàng Thị Chuông").first
    expect(note).to_contain_text("Hồ sơ mới chờ xét")
    expect(approver.locator("a.bell .bell-count")).to_be_visible()

    district = sign_in("ld.sontay")
    open_task(district, "HN-SONTAY", "Hoàng Thị Chuông")
    decide(district, "approve")
    sign_draft(sign_in("ky.sontay"), "Hoàng Thị Chuông")
    wait_for_status(submitter, nomination_id, "Đã khen thưởng")

    wait_for_note(submitter, "Đã có quyết định khen thưởng số")
    decided = submitter.locator("ul.notes li.note", has_text="Đã có quyết định khen thưởng số").first
    expect(decided).to_contain_text("Hoàng Thị Chuông")
    expect(decided.locator(".badge")).to_have_text("Đã có quyết định")
    assert re.search(r"số \d+/QĐ-LĐLĐ", decided.inner_text()), decided.inner_text()
    expect(submitter.locator("a.bell")).to_have_attribute("aria-label", re.compile(r"Thông báo: [1-9]\d* chưa đọc"))
    shot(submitter, "bell-01-decision-note")

    decided.get_by_role("link", name=re.compile("Đã có quyết định khen thưởng số")).click()
    expect(submitter).to_have_url(re.compile(f"/ho-so/{nomination_id}$"))
    expect(submitter.locator("h1 .badge")).to_have_text("Đã khen thưởng")

    # the same note by email: the demo mailbox shows the mail to the submitter's address
    for _ in range(150):
        submitter.goto("/hop-thu-demo?nguoi_nhan=cdcs.dst@demo.thidua.example")
        if submitter.locator("main", has_text="Hoàng Thị Chuông").count():
            break
        submitter.wait_for_timeout(200)
    expect(submitter.locator("main")).to_contain_text("[Thi Đua] Đã có quyết định")
    expect(submitter.locator("main")).to_contain_text("Hoàng Thị Chuông")
    shot(submitter, "bell-03-demo-mailbox")


def test_each_kind_is_chosen_on_the_account_page_which_points_to_the_demo_mailbox(sign_in: SignIn) -> None:
    page = sign_in("cdcs.dst")
    page.get_by_role("link", name="Tài khoản").click()
    expect(page).to_have_url(re.compile("/tai-khoan/thong-bao$"))
    expect(page.locator("main")).to_contain_text("thư không gửi ra ngoài mà vào Hộp thư demo")  # the notifier runs
    expect(page.locator("main")).not_to_contain_text("không hoạt động")
    expect(page.locator("main .email")).to_have_text("cdcs.dst@demo.thidua.example")  # where the mail goes
    expect(page.locator("#delivery_decided")).to_have_value("bell")

    page.select_option("#delivery_decided", "email_daily")
    page.click("button:has-text('Lưu')")
    expect(page.locator(".flash.bad")).to_contain_text("Chọn giờ gửi bản tổng hợp")  # a digest needs its hour

    page.select_option("#delivery_decided", "email_daily")
    page.select_option("#hour_decided", "7")
    page.select_option("#delivery_returned", "email_now")
    page.click("button:has-text('Lưu')")
    expect(page.locator(".flash.ok")).to_contain_text("Đã lưu cách nhận thông báo")
    expect(page.locator("#delivery_decided")).to_have_value("email_daily")
    expect(page.locator("#hour_decided")).to_have_value("7")
    expect(page.locator("#delivery_returned")).to_have_value("email_now")
    expect(page.locator("#delivery_rejected")).to_have_value("bell")
    shot(page, "bell-02-preferences")


def test_the_json_api_reads_and_changes_the_callers_own_preferences(console: System) -> None:
    client = PortalClient(console.portal_url)
    try:
        client.login("ld.sontay2", PASSWORD)
        before = client.get("ld.sontay2", "/api/v1/me/notification-preferences")
        assert before["email_sent"] is True  # the notifier answers
        assert {i["delivery"] for i in before["items"]} == {"bell"}
        assert [i["kind"] for i in before["items"]][:2] == ["new_in_queue", "assigned"]

        no_hour = {"items": [{"kind": "assigned", "delivery": "email_daily"}]}
        with pytest.raises(ApiError) as refused:  # a digest needs its hour
            client.put("ld.sontay2", "/api/v1/me/notification-preferences", no_hour)
        assert refused.value.status == 422

        body = {"items": [{"kind": "new_in_queue", "delivery": "email_daily", "digest_hour": 17}]}
        after = client.put("ld.sontay2", "/api/v1/me/notification-preferences", body)
        chosen = {i["kind"]: (i["delivery"], i.get("digest_hour")) for i in after["items"]}
        assert chosen["new_in_queue"] == ("email_daily", 17)
        assert chosen["assigned"] == ("bell", None)
        again = client.get("ld.sontay2", "/api/v1/me/notification-preferences")
        assert {i["kind"]: i["delivery"] for i in again["items"]}["new_in_queue"] == "email_daily"
    finally:
        client.close()
