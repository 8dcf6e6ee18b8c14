"""Deadlines in the console, in a real browser: the reminder bell, tasks overdue at LĐLĐ thị xã Sơn Tây staying in its
queue while LĐLĐ TP Hà Nội is alerted ("Quá hạn ở cấp dưới"), the city urging, setting a new due date, and receiving
a forward step directly; the district still deciding its own step.

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


def test_deadlines_reminders_an_alerted_city_urging_a_new_due_date_and_receiving_directly(
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

    # An hour past the due date: every task stays at the district; the city is alerted and lists them.
    move_clock_to(console, due + timedelta(hours=1))
    client.poll(
        lambda: list(client.every("ld.hanoi", "/api/v1/queues/HN/overdue-below")),
        lambda items: len(items) == len(NAMES),
        what="the city alerted",
    )
    city = sign_in("ld.hanoi")
    city.goto("/hop-viec?unit=HN")
    expect(city.locator(".bell-count")).to_have_text(str(len(NAMES)))
    city.get_by_role("link", name="Quá hạn ở cấp dưới", exact=True).first.click()
    expect(city.locator("h1")).to_have_text("Quá hạn ở cấp dưới")
    for name in NAMES:
        expect(city.locator("#overdue-below tr", has_text=name)).to_contain_text(SONTAY)
    shot(city, "escalation-02-overdue-below")

    # The district keeps its tasks and still decides them; it sees that the city was told.
    district.goto("/hop-viec?unit=HN-SONTAY")
    expect(district.locator(".count", has_text="Quá hạn – đã báo cấp trên").locator("strong")).to_have_text(str(len(NAMES)))
    expect(district.locator("input[name=task_id]")).to_have_count(len(NAMES))
    open_task_page(district, NAMES[0])
    expect(district.locator("#overdue-note")).to_contain_text(f"Quá hạn – đã báo cấp trên: {HANOI}")
    expect(district.get_by_role("button", name="Nhận xử lý")).to_have_count(1)
    expect(district.locator("#cap-tren")).to_have_count(0)
    shot(district, "escalation-03-district-still-decides")

    # The city urges the district on the first one: an empty message is refused on the field.
    city.goto("/qua-han-cap-duoi")
    open_task_page(city, NAMES[0])
    expect(city.get_by_role("button", name="Nhận xử lý")).to_have_count(0)  # the city never decides in its place
    city.get_by_role("button", name="Gửi đôn đốc").click()
    expect(city.locator("#err-urge-message")).to_contain_text("nội dung đôn đốc")
    city.fill("#f-urge-message", "Đề nghị LĐLĐ thị xã hoàn thành thẩm định trong tuần.")
    city.get_by_role("button", name="Gửi đôn đốc").click()
    expect(city.locator(".flash.ok")).to_contain_text("Đã gửi đôn đốc")
    moves = city.locator(".card", has_text="Quá hạn, đôn đốc và chuyển cấp")
    expect(moves).to_contain_text("Cấp trên đôn đốc")
    expect(moves).to_contain_text("hoàn thành thẩm định trong tuần")

    # … and gives it a new due date: a wrong date and a past date are refused on the field.
    city.fill("#f-due_on", "31/02/2027")
    city.fill("#f-due-reason", "Chờ biên bản họp Hội đồng của thị xã.")
    city.get_by_role("button", name="Đặt hạn mới").click()
    expect(city.locator("#err-due_on")).to_contain_text("dd/mm/yyyy")
    expect(city.locator("#f-due-reason")).to_have_value("Chờ biên bản họp Hội đồng của thị xã.")
    city.fill("#f-due_on", (due - timedelta(days=2)).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y"))
    city.get_by_role("button", name="Đặt hạn mới").click()
    expect(city.locator("#err-due_on")).to_contain_text("Hạn mới phải sau thời điểm hiện tại")
    shot(city, "escalation-04-new-due-date-error")
    new_due = (due + timedelta(days=3)).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y")
    city.fill("#f-due_on", new_due)
    city.get_by_role("button", name="Đặt hạn mới").click()
    expect(city.locator(".flash.ok")).to_contain_text(f"Đã đặt hạn mới {new_due}")
    expect(moves).to_contain_text("Cấp trên đặt hạn mới")
    expect(city.locator("#cap-tren")).to_have_count(0)  # no longer overdue: the city only reads it

    # The district hears of both, and forwards the dossier itself.
    client.poll(lambda: unread(client, "ld.sontay"), lambda n: n >= 2, what="urging and new due date notices")
    district.goto("/thong-bao")
    expect(district.locator(".note.unread", has_text="đôn đốc")).to_contain_text("hoàn thành thẩm định trong tuần")
    expect(district.locator(".note.unread", has_text="đặt hạn mới")).to_contain_text(new_due)
    district.goto(f"/nhiem-vu/{tasks[NAMES[0]]['id']}")
    expect(district.locator("p.muted").first).to_contain_text(f"hạn {new_due}")
    district.get_by_role("button", name="Nhận xử lý").click()
    record_council(district)
    district.check("input[name=action][value=approve]")
    district.click("button:has-text('Gửi quyết định')")
    expect(district.locator(".flash.ok")).to_contain_text(f"Đã đồng ý hồ sơ của {NAMES[0]} và chuyển lên {HANOI}.")

    # The second one must come up to the city anyway (a Bằng khen of Tổng LĐLĐ): the city receives it directly.
    city.goto("/qua-han-cap-duoi")
    open_task_page(city, NAMES[1])
    city.get_by_role("button", name="Nhận trực tiếp").click()
    expect(city.locator(".flash.ok")).to_contain_text("Đã nhận hồ sơ trực tiếp")
    expect(city.locator("h1 .badge").first).to_have_text("Cấp trên nhận trực tiếp do quá hạn")

    # Both now wait at the city as its own tasks, to be considered with its own council; the timeline tells it.
    for name in NAMES[:2]:

        def at_the_city(nid: str = tasks[name]["nomination_id"]) -> list[dict[str, Any]]:
            return [t for t in held_by(client, "ld.hanoi", "HN", "open") if t["nomination_id"] == nid]

        client.poll(at_the_city, bool, what=f"{name} at the city")
    city.goto(f"/ho-so/{tasks[NAMES[1]]['nomination_id']}")
    expect(city.locator("ol.timeline")).to_contain_text("Quá hạn – đã báo cấp trên")
    expect(city.locator("ol.timeline")).to_contain_text("Cấp trên nhận trực tiếp do quá hạn")
    shot(city, "escalation-05-timeline")

    # On a phone the city's list and a task page fit the screen.
    phone = sign_in("ld.hanoi", viewport=PHONE)
    phone.goto("/qua-han-cap-duoi")
    expect(phone.locator("#overdue-below tbody tr")).to_have_count(1)
    no_sideways_scroll(phone)
    shot(phone, "escalation-06-phone-overdue-below")
    open_task_page(phone, NAMES[2])
    no_sideways_scroll(phone)
    shot(phone, "escalation-07-phone-task")
