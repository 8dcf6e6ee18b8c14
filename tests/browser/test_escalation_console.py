"""Deadlines in the console, in a real browser: the reminder bell, an overdue task moving up from
LĐLĐ thị xã Sơn Tây to LĐLĐ TP Hà Nội, the district's read-only view, send-back with a new due date,
and the city taking a task over.

This module has a system of its own (the fixtures are per module): moving the clock moves it for every
process of the system, so it must not share one with the other console tests. Time moves through the
system's clock file, as `thidua clock advance` does; nothing sleeps until a deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import CLOCK_FILE_NAME, write_offset_file
from tests.browser.conftest import PHONE, record_council, shot
from tests.e2e.conftest import PASSWORD
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]
NAMES = ("Hoàng Văn Đức", "Bùi Thị Mai", "Đặng Quốc Khánh")
SONTAY = "Liên đoàn Lao động thị xã Sơn Tây"
HANOI = "Liên đoàn Lao động Thành phố Hà Nội"


@pytest.fixture(scope="module")
def client(console: System) -> Iterator[PortalClient]:
    c = PortalClient(console.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi"):
        c.login(user, PASSWORD)
    yield c
    c.close()


@pytest.fixture(scope="module")
def tasks(console: System, client: PortalClient) -> dict[str, dict[str, Any]]:
    """Three nominations for a Bằng khen of Tổng LĐLĐ waiting at the district, unclaimed."""
    found = {}
    for name in NAMES:
        nomination = client.submit(
            "cdcs.dst",
            {
                "unit_code": "HN-SONTAY-DST",
                "award_code": "bang_khen_tong_ldld",
                "period": "2026",
                "nominee": {"kind": "individual", "name": name},
                "achievements": "Hoàn thành xuất sắc nhiệm vụ; hai sáng kiến được công nhận cấp cơ sở.",
            },
        )
        found[name] = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    return found


def move_clock_to(system: System, moment: datetime) -> None:
    write_offset_file(system.config.var_dir / CLOCK_FILE_NAME, moment - datetime.now(UTC), by="browser test")


def unread(client: PortalClient, user: str) -> int:
    return int(client.get(user, "/api/v1/notifications", limit=1)["unread"])


def held_by(client: PortalClient, user: str, unit: str, state: str) -> list[dict[str, Any]]:
    return list(client.every(user, f"/api/v1/queues/{unit}/tasks", state=state))


def open_task_page(page: Page, name: str) -> None:
    page.get_by_role("link", name=name, exact=True).first.click()
    expect(page.locator("h1")).to_contain_text(name)


def no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_deadlines_reminders_escalation_send_back_and_take_over(
    sign_in: SignIn, console: System, client: PortalClient, tasks: dict[str, dict[str, Any]]
) -> None:
    due = datetime.fromisoformat(tasks[NAMES[0]]["due_at"])
    assert all(datetime.fromisoformat(t["due_at"]) == due for t in tasks.values())

    # The district's queue shows each task's due date; the clock is real, so no notice and no reminder: the bell holds
    # one note, the new dossiers of the unit's queue counted together.
    district = sign_in("ld.sontay")
    client.poll(lambda: unread(client, "ld.sontay"), lambda n: n == 1, what="new dossiers note")
    district.goto("/hop-viec?unit=HN-SONTAY")
    row = district.locator("tr", has_text=NAMES[0])
    expect(row).to_contain_text(due.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"))
    expect(row.locator(".badge.bad")).to_have_count(0)
    expect(district.locator(".clock-notice")).to_have_count(0)
    expect(district.locator(".bell-count")).to_have_text("1")
    district.locator("a.bell").click()
    expect(district.locator(".note.unread")).to_have_count(1)
    expect(district.locator(".note.unread")).to_contain_text(f"{len(NAMES)} hồ sơ mới chờ xét tại {SONTAY}")
    district.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    expect(district.locator(".bell-count")).to_have_count(0)

    # A day before the due date: past 80 % of the time, the unit's approvers get a reminder each.
    move_clock_to(console, due - timedelta(days=1))
    client.poll(lambda: unread(client, "ld.sontay"), lambda n: n >= len(NAMES), what="reminders", timeout=60)
    district.goto("/hop-viec?unit=HN-SONTAY")
    expect(district.locator(".clock-notice")).to_contain_text("Đồng hồ thử nghiệm: +")
    expect(district.locator(".bell-count")).to_have_text(str(len(NAMES)))
    shot(district, "escalation-01-reminder-bell")
    district.locator("a.bell").click()
    expect(district.locator("h1")).to_contain_text(f"{len(NAMES)} chưa đọc")
    expect(district.locator(".note.unread")).to_have_count(len(NAMES))
    expect(district.locator(".note").first).to_contain_text("Sắp đến hạn")
    district.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    expect(district.locator(".flash.ok")).to_contain_text(f"Đã đánh dấu {len(NAMES)} thông báo")
    expect(district.locator(".bell-count")).to_have_count(0)
    expect(district.locator(".note.unread")).to_have_count(0)

    # An hour past the due date: every task moves up to the city, marked with the unit it came from.
    move_clock_to(console, due + timedelta(hours=1))
    client.poll(
        lambda: held_by(client, "ld.hanoi", "HN", "escalated_in"), lambda items: len(items) == len(NAMES), what="escalation"
    )
    city = sign_in("ld.hanoi")
    city.goto("/hop-viec?unit=HN")
    expect(city.locator(".count.overdue", has_text="Quá hạn – chuyển lên").locator("strong")).to_have_text(str(len(NAMES)))
    expect(city.locator(".bell-count")).to_have_text(str(len(NAMES)))
    city.locator(".count", has_text="Quá hạn – chuyển lên").click()
    for name in NAMES:
        expect(city.locator("tr", has_text=name).locator(".badge.escalated")).to_have_text(f"Quá hạn – chuyển lên từ {SONTAY}")
    expect(city.locator("input[name=task_id]")).to_have_count(len(NAMES))
    shot(city, "escalation-02-city-queue")

    # The district still sees its tasks, read-only, with where they are now.
    district.goto("/hop-viec?unit=HN-SONTAY")
    expect(district.locator(".count", has_text="Đã chuyển cấp trên").locator("strong")).to_have_text(str(len(NAMES)))
    district.locator(".count", has_text="Đã chuyển cấp trên").click()
    expect(district.locator("tbody tr")).to_have_count(len(NAMES))
    expect(district.locator("input[name=task_id]")).to_have_count(0)
    expect(district.locator("tr", has_text=NAMES[0])).to_contain_text(f"Đang ở {HANOI}")
    open_task_page(district, NAMES[0])
    expect(district.locator(".reason.escalated")).to_contain_text("Đã chuyển cấp trên")
    expect(district.get_by_role("button", name="Nhận xử lý")).to_have_count(0)
    expect(district.get_by_role("button", name="Trả về cấp dưới")).to_have_count(0)
    expect(district.locator(".card", has_text="Lịch sử chuyển cấp")).to_contain_text(f"{SONTAY} → {HANOI}")
    shot(district, "escalation-03-district-read-only")

    # The city sends the first one back down: a wrong date and a past date are refused on the field.
    city.goto("/hop-viec?unit=HN&state=escalated_in")
    open_task_page(city, NAMES[0])
    expect(city.locator(".reason.escalated")).to_contain_text(f"Quá hạn – chuyển lên từ {SONTAY}")
    city.fill("#f-due_on", "31/02/2027")
    city.fill("#f-back-comment", "Đề nghị bổ sung biên bản họp và xử lý trong hạn mới.")
    city.get_by_role("button", name="Trả về cấp dưới").click()
    expect(city.locator("#err-due_on")).to_contain_text("dd/mm/yyyy")
    expect(city.locator("#f-back-comment")).to_have_value("Đề nghị bổ sung biên bản họp và xử lý trong hạn mới.")
    city.fill("#f-due_on", (due - timedelta(days=2)).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"))
    city.get_by_role("button", name="Trả về cấp dưới").click()
    expect(city.locator("#err-due_on")).to_contain_text("Hạn mới phải sau thời điểm hiện tại")
    shot(city, "escalation-04-send-back-error")
    new_due = (due + timedelta(days=10)).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
    city.fill("#f-due_on", new_due)
    city.get_by_role("button", name="Trả về cấp dưới").click()
    expect(city.locator(".flash.ok")).to_contain_text(f"Đã trả hồ sơ về {SONTAY}, hạn mới {new_due}")
    moves = city.locator(".card", has_text="Lịch sử chuyển cấp")
    expect(moves).to_contain_text("Trả về cấp dưới")
    expect(moves).to_contain_text("Đề nghị bổ sung biên bản họp")
    expect(city.get_by_role("button", name="Nhận xử lý")).to_have_count(0)  # the city only watches it now

    # The district is told, takes it back and forwards it itself.
    client.poll(lambda: unread(client, "ld.sontay"), lambda n: n >= 1, what="sent-back notice")
    district.goto("/thong-bao")
    expect(district.locator(".note.unread").first).to_contain_text("Cấp trên trả về")
    district.locator(".note.unread").first.get_by_role("link").click()
    expect(district.locator("h1")).to_contain_text(NAMES[0])
    expect(district.locator("p.muted").first).to_contain_text(f"hạn {new_due}")
    district.get_by_role("button", name="Nhận xử lý").click()
    record_council(district)
    district.check("input[name=action][value=approve]")
    district.click("button:has-text('Gửi quyết định')")
    expect(district.locator(".flash.ok")).to_contain_text(f"Đã đồng ý hồ sơ của {NAMES[0]} và chuyển lên {HANOI}.")

    # The city takes the second one over and decides it as the district would have.
    city.goto("/hop-viec?unit=HN&state=escalated_in")
    open_task_page(city, NAMES[1])
    city.get_by_role("button", name="Nhận xử lý").click()
    expect(city.locator("legend", has_text="thay cho")).to_contain_text(f"Quyết định của {HANOI} thay cho {SONTAY}")
    # Taking over, the city decides with the district level's rules: the vote the district level needs comes first.
    city.check("input[name=action][value=approve]")
    city.click("button:has-text('Gửi quyết định')")
    expect(city.locator("#err-council")).to_contain_text("chưa biểu quyết")
    record_council(city)
    expect(city.locator("#council-result")).to_contain_text(f"Hội đồng TĐKT {HANOI}")
    city.check("input[name=action][value=approve]")
    city.fill("#f-comment", "Cấp thành phố xử lý thay do quá hạn.")
    city.click("button:has-text('Gửi quyết định')")
    expect(city.locator(".flash.ok")).to_contain_text(f"Đã đồng ý hồ sơ của {NAMES[1]} và chuyển lên {HANOI}.")
    assert "unit=HN" in city.url

    # Both now wait at the city as its own tasks; the timeline tells what happened.
    for name in NAMES[:2]:
        nomination_id = tasks[name]["nomination_id"]
        client.poll(
            lambda nid=nomination_id: [t for t in held_by(client, "ld.hanoi", "HN", "open") if t["nomination_id"] == nid],
            bool,
            what=f"{name} at the city",
        )
    city.goto(f"/ho-so/{tasks[NAMES[1]]['nomination_id']}")
    expect(city.locator("ol.timeline")).to_contain_text("Quá hạn – chuyển lên")
    shot(city, "escalation-05-timeline")

    # On a phone the city's queue and a task page fit the screen.
    phone = sign_in("ld.hanoi", viewport=PHONE)
    phone.goto("/hop-viec?unit=HN&state=escalated_in")
    expect(phone.locator(".badge.escalated")).to_have_count(1)
    no_sideways_scroll(phone)
    shot(phone, "escalation-06-phone-queue")
    open_task_page(phone, NAMES[2])
    no_sideways_scroll(phone)
    shot(phone, "escalation-07-phone-task")
