"""The approvers' web console in a real browser: what the people in DOMAIN.md do every day."""

from __future__ import annotations

import asyncio
import io
import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import nats
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Dialog, Page, expect

from shared.contracts.values import VIETNAM_TZ
from tests.browser.conftest import PHONE, record_council, shot
from tests.e2e.conftest import PASSWORD
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]


def file_nomination(
    page: Page, name: str, award: str, achievements: str = "Hoàn thành xuất sắc nhiệm vụ; sáng kiến được công nhận cấp cơ sở."
) -> str:
    page.goto("/ho-so/moi")
    page.select_option("#f-award_code", award)
    page.wait_for_selector("input[name='nominee.name']")
    page.fill("#f-period", "2026")
    page.fill("input[name='nominee.name']", name)
    page.fill("#f-achievements", achievements)
    page.click("button:has-text('Nộp hồ sơ')")
    expect(page.locator(".flash.ok")).to_contain_text(f"Đã nộp hồ sơ của {name}")
    match = re.search(r"/ho-so/([0-9a-f-]{36})$", page.url)
    assert match, page.url
    return match.group(1)


def open_task(page: Page, unit: str, name: str) -> None:
    """Find the nomination in the unit's queue (it arrives over NATS) and open its task."""
    for _ in range(100):
        page.goto(f"/hop-viec?unit={unit}&q={name}")
        link = page.get_by_role("link", name=name, exact=True)
        if link.count():
            link.first.click()
            page.wait_for_url(re.compile(r"/nhiem-vu/"))  # the task page, not the queue still showing
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{name} never reached the queue of {unit}")


def decide(page: Page, action: str, comment: str = "") -> None:
    if page.get_by_role("button", name="Nhận xử lý").count():
        page.get_by_role("button", name="Nhận xử lý").click()
        expect(page.locator(".flash.ok")).to_contain_text("Bạn đã nhận xử lý")
    if action == "approve" and page.locator("#council-blocking").count():
        record_council(page)  # this level's council must pass it first
        expect(page.locator("#council-result")).to_contain_text("Đạt")
    page.check(f"input[name=action][value={action}]")
    page.fill("#f-comment", comment)
    page.click("button:has-text('Gửi quyết định')")


def sign_draft(page: Page, name: str) -> None:
    """The signing officer finds the draft listing `name` at "Văn bản chờ ký" (it arrives over NATS), reads it and
    signs it ("Ký và ban hành"), confirming the browser's question."""
    for _ in range(100):
        page.goto("/van-ban-cho-ky")
        row = page.locator("#drafts tr", has_text=name)
        if row.count():
            row.first.get_by_role("link", name="Xem và ký").click()
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"no draft listing {name} waits for signature")
    expect(page.locator("#draft-nominees")).to_contain_text(name)
    page.once("dialog", lambda d: d.accept())
    page.click("button:has-text('Ký và ban hành')")
    expect(page.locator(".flash.ok")).to_contain_text("Đã ký và ban hành")


def wait_for_status(page: Page, nomination_id: str, label: str) -> None:
    for _ in range(100):
        page.goto(f"/ho-so/{nomination_id}")
        if page.locator("h1 .badge").inner_text() == label:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"nomination never showed “{label}”")


def test_a_nomination_goes_from_the_cdcs_through_district_and_city_to_a_numbered_decision(
    sign_in: SignIn, console: System
) -> None:
    submitter = sign_in("cdcs.dst")
    expect(submitter.locator(".who")).to_contain_text("Nguyễn Thị Lan")
    expect(submitter.locator(".who")).to_contain_text("Cán bộ nộp hồ sơ")
    expect(submitter.locator(".who")).to_contain_text("Công đoàn Công ty CP tập đoàn DST")
    submitter.goto("/ho-so/moi")
    expect(submitter.locator("#f-period")).to_have_value(str(datetime.now(VIETNAM_TZ).year))  # the year under way
    submitter.select_option("#f-award_code", "cong_nhan_gioi_thu_do")
    expect(submitter.locator("input[name='nominee.kind'][value=collective]")).to_have_count(0)  # an award for individuals only
    submitter.select_option("#f-award_code", "bang_khen_tong_ldld")
    expect(submitter.locator("input[name='nominee.kind'][value=collective]")).to_have_count(1)
    submitter.check("input[name='nominee.kind'][value=collective]")
    expect(submitter.locator("#f-nominee-member_count")).to_be_visible()
    shot(submitter, "01-nomination-form")

    nomination_id = file_nomination(submitter, "Đinh Thị Hằng", "cong_nhan_gioi_thu_do")
    shot(submitter, "02-nomination-submitted")

    district = sign_in("ld.sontay")
    expect(district).to_have_url(re.compile("/hop-viec"))
    open_task(district, "HN-SONTAY", "Đinh Thị Hằng")
    # the unit admin hands a task to one of the unit's approvers, chosen by name
    expect(district.locator("#f-assignee option[value='ld.sontay2']")).to_have_text("Ngô Văn Nam (ld.sontay2)")
    shot(district, "03-task-page")
    decide(district, "approve", "Đồng ý đề nghị lên LĐLĐ Thành phố")
    flash = district.locator(".flash.ok")  # what happened, to whom, where it went
    expect(flash).to_contain_text("Đã đồng ý hồ sơ của Đinh Thị Hằng và chuyển lên Liên đoàn Lao động Thành phố Hà Nội.")
    shot(district, "04-district-queue")

    city = sign_in("ld.hanoi")
    open_task(city, "HN", "Đinh Thị Hằng")
    expect(city.get_by_text("Đồng ý đề nghị lên LĐLĐ Thành phố")).to_be_visible()  # the district's comment travels along
    expect(city.locator("#prize-line")).to_contain_text("2.340.000 đ")  # what the decision will print, before approving
    decide(city, "approve")

    wait_for_status(submitter, nomination_id, "Chờ ký")  # approved: the decision is a draft until its officer signs
    expect(submitter.locator("main")).to_contain_text("Dự thảo quyết định của LĐLĐ TP Hà Nội, chờ người ký")
    expect(city.get_by_role("link", name="Văn bản chờ ký")).to_be_visible()
    city.goto("/van-ban-cho-ky")
    expect(city.locator("#drafts tr", has_text="Đinh Thị Hằng").get_by_role("link", name="Xem và ký")).to_have_count(0)
    signer = sign_in("ky.hanoi")  # the Chủ tịch of LĐLĐ TP Hà Nội, on its roster of người ký
    sign_draft(signer, "Đinh Thị Hằng")
    expect(signer.locator("article.doc")).to_contain_text("Phạm Quang Thanh")  # the officer who signed, by name
    shot(signer, "05-signed-by-the-chair")

    wait_for_status(submitter, nomination_id, "Đã khen thưởng")
    expect(submitter.locator(".card").first).to_contain_text("Đã có quyết định khen thưởng số")
    number = re.search(r"số (\d+/QĐ-LĐLĐ)", submitter.locator(".card").first.inner_text())
    assert number, submitter.locator(".card").first.inner_text()
    shot(submitter, "05b-nomination-granted")

    submitter.click("text=Xem quyết định")
    expect(submitter.locator("article.doc")).to_contain_text(number.group(1))
    expect(submitter.locator("article.doc")).to_contain_text("2.340.000")
    expect(submitter.locator("article.doc")).to_contain_text("LIÊN ĐOÀN LAO ĐỘNG THÀNH PHỐ HÀ NỘI")
    expect(submitter.locator("article.doc")).to_contain_text("(Kèm theo Quyết định số " + number.group(1))
    shot(submitter, "06-decision-printable")
    with submitter.expect_download() as download:
        submitter.click("text=Tải bảng tính (.xlsx)")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("Đinh Thị Hằng" in row and 2_340_000 in row for row in rows), rows


def test_a_returned_dossier_shows_the_reason_and_comes_back_to_the_same_level(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    nomination_id = file_nomination(submitter, "Lý Văn Phúc", "giay_khen_ldld_huyen")
    approver = sign_in("ld.sontay")
    open_task(approver, "HN-SONTAY", "Lý Văn Phúc")
    decide(approver, "return", "")
    expect(approver.locator("#err-comment")).to_contain_text("lý do")  # a reason is required, next to its field
    approver.check("input[name=action][value=return]")
    approver.fill("#f-comment", "Bổ sung biên bản họp Hội đồng")
    approver.click("button:has-text('Gửi quyết định')")
    expect(approver.locator(".flash.ok")).to_contain_text("Đã trả hồ sơ")

    wait_for_status(submitter, nomination_id, "Trả lại để bổ sung")
    expect(submitter.locator(".reason")).to_contain_text("Bổ sung biên bản họp Hội đồng")
    shot(submitter, "07-returned-with-reason")
    submitter.click("text=Sửa và nộp lại")
    submitter.fill("#f-council_vote-members", "9")
    submitter.fill("#f-council_vote-present", "12")
    submitter.fill("#f-council_vote-votes_for", "8")
    submitter.click("button:has-text('Nộp lại hồ sơ')")
    expect(submitter.locator("#err-council_vote-present")).to_contain_text("không thể lớn hơn số thành viên")
    submitter.fill("#f-council_vote-present", "5")  # well formed, but short of the quorum of the award's council rule
    submitter.fill("#f-council_vote-votes_for", "5")
    submitter.click("button:has-text('Nộp lại hồ sơ')")
    expect(submitter.locator("#err-council_vote")).to_contain_text("Hội đồng Thi đua – Khen thưởng chưa thông qua: Có mặt 5/9")
    submitter.fill("#f-council_vote-present", "8")
    submitter.fill("#f-council_vote-votes_for", "8")
    submitter.fill("#f-comment", "Đã bổ sung biên bản")
    submitter.click("button:has-text('Nộp lại hồ sơ')")
    expect(submitter.locator(".flash.ok")).to_contain_text("Đã nộp lại hồ sơ")

    open_task(approver, "HN-SONTAY", "Lý Văn Phúc")
    expect(approver.locator("main")).to_contain_text("8/8 có mặt đồng ý")
    decide(approver, "approve")
    sign_draft(sign_in("ky.sontay"), "Lý Văn Phúc")
    wait_for_status(submitter, nomination_id, "Đã khen thưởng")


def test_another_units_approver_gets_a_forbidden_page_not_the_dossier(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    file_nomination(submitter, "Cao Minh Tuấn", "giay_khen_ldld_huyen")
    owner = sign_in("ld.sontay")
    open_task(owner, "HN-SONTAY", "Cao Minh Tuấn")
    task_url = owner.url

    outsider = sign_in("ld.thanhxuan")
    response = outsider.goto(task_url)
    assert response is not None
    assert response.status == 403
    expect(outsider.locator("h1")).to_have_text("Không có quyền truy cập")
    expect(outsider.locator("main")).not_to_contain_text("Cao Minh Tuấn")
    shot(outsider, "08-forbidden")
    response = outsider.goto("/hop-viec?unit=HN-SONTAY")
    assert response is not None
    assert response.status == 403


def test_a_second_claim_is_explained_not_a_stack_trace(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    file_nomination(submitter, "Phan Thanh Bình", "giay_khen_ldld_huyen")
    first = sign_in("ld.sontay")
    second = sign_in("ld.sontay2")
    open_task(first, "HN-SONTAY", "Phan Thanh Bình")
    open_task(second, "HN-SONTAY", "Phan Thanh Bình")
    first.get_by_role("button", name="Nhận xử lý").click()
    second.get_by_role("button", name="Nhận xử lý").click()
    expect(second.locator(".flash.bad")).to_contain_text("đã được Phạm Quang Huy nhận xử lý")


def test_a_script_in_a_nominee_name_shows_as_text(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    alerts: list[str] = []

    def refuse(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        dialog.dismiss()

    submitter.on("dialog", refuse)
    file_nomination(submitter, "<script>alert(1)</script>", "giay_khen_ldld_huyen")
    expect(submitter.locator("h1")).to_contain_text("<script>alert(1)</script>")
    approver = sign_in("ld.sontay")
    approver.on("dialog", refuse)
    open_task(approver, "HN-SONTAY", "<script>alert(1)</script>")
    expect(approver.locator("h1")).to_contain_text("<script>alert(1)</script>")
    shot(approver, "09-xss-name-as-text")
    assert alerts == []


def test_bulk_claim_and_approve_report_each_item(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    names = [f"Tổ sản xuất số {i}" for i in range(1, 5)]
    for name in names:
        file_nomination(submitter, name, "giay_khen_ldld_huyen")
    colleague = sign_in("ld.sontay2")
    open_task(colleague, "HN-SONTAY", "Tổ sản xuất số 4")
    colleague.get_by_role("button", name="Nhận xử lý").click()
    approver = sign_in("ld.sontay")
    for _ in range(100):
        approver.goto("/hop-viec?unit=HN-SONTAY&q=to san xuat so&state=active")  # search ignores diacritics and case
        if approver.locator("input[name=task_id]").count() == 4:
            break
        approver.wait_for_timeout(100)
    approver.check("[data-select-all]")
    approver.click("button:has-text('Nhận xử lý các mục đã chọn')")
    expect(approver.locator(".flash.warn")).to_contain_text(
        "3 thành công (nhận xử lý), 1 lỗi: Tổ sản xuất số 4 — Hồ sơ đã được Ngô Văn Nam nhận xử lý"
    )
    approver.goto("/hop-viec?unit=HN-SONTAY&q=TỔ SẢN XUẤT&state=claimed")
    approver.check("[data-select-all]")
    approver.click("button:has-text('Họp Hội đồng')")  # one meeting votes on every selected dossier
    for i in range(4):
        approver.fill(f"#f-votes-{i}-votes_for", "9")
    approver.fill("#f-members", "9")
    approver.fill("#f-present", "9")
    approver.click("button:has-text('Ghi nhận cuộc họp')")
    expect(approver.locator(".flash.ok")).to_contain_text("Đã ghi nhận cuộc họp")
    approver.goto("/hop-viec?unit=HN-SONTAY&q=TỔ SẢN XUẤT&state=claimed")
    approver.check("[data-select-all]")
    approver.once("dialog", lambda d: d.accept())
    approver.click("button:has-text('Đồng ý các mục đã chọn')")
    # The colleague's task is in the claimed view too: only its claimant may decide it.
    expect(approver.locator(".flash.warn")).to_contain_text(
        "3 thành công (đồng ý), 1 lỗi: Tổ sản xuất số 4 — Bạn cần nhận xử lý hồ sơ trước khi quyết định"
    )
    shot(approver, "10-bulk-result")


def test_the_queue_and_a_dossier_work_at_phone_width(sign_in: SignIn) -> None:
    phone = sign_in("ld.sontay", viewport=PHONE)
    phone.goto("/hop-viec?unit=HN-SONTAY&state=all")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, f"page is {width}px wide on a {PHONE['width']}px phone"
    shot(phone, "11-queue-phone")


def test_forms_refuse_a_missing_csrf_token_and_sign_in_is_throttled(console: System) -> None:
    with httpx.Client(base_url=console.portal_url, follow_redirects=False) as http:
        cookie = http.get("/dang-nhap").headers.get("set-cookie", "").lower()
        assert "thidua_session=" in cookie
        assert "httponly" in cookie
        assert "samesite=lax" in cookie
        http.cookies.clear()
        response = http.post("/dang-nhap", data={"username": "cdcs.dst", "password": PASSWORD})
        assert response.status_code == 403
        assert "Phiên làm việc đã hết hạn" in response.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/dang-nhap").text)
        assert token
        for _ in range(5):
            wrong = http.post("/dang-nhap", data={"username": "ld.hanoi", "password": "sai", "csrf_token": token.group(1)})
            assert wrong.status_code == 401
            assert "không đúng" in wrong.text
        locked = http.post("/dang-nhap", data={"username": "ld.hanoi", "password": PASSWORD, "csrf_token": token.group(1)})
        assert locked.status_code == 429
        assert "quá nhiều lần" in locked.text


def test_a_user_with_roles_in_two_units_switches_between_their_queues(sign_in: SignIn) -> None:
    page = sign_in("nv.thidua")
    expect(page.locator("main h1")).to_contain_text("Công đoàn Viên chức thành phố Hà Nội")
    page.select_option("#unit-switch", "HN-MYDUC")
    page.click(".who button:has-text('Chuyển')")
    page.goto("/hop-viec")
    expect(page.locator("main h1")).to_contain_text("Liên đoàn Lao động huyện Mỹ Đức")
    expect(page.locator("#unit-switch")).to_have_value("HN-MYDUC")


def test_a_submitter_withdraws_a_nomination_before_a_decision(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.vanquan")
    nomination_id = file_nomination(submitter, "Hà Thị Thu", "giay_khen_ldld_huyen")
    submitter.fill("#f-reason", "Đơn vị đề nghị hình thức khác")
    submitter.once("dialog", lambda d: d.accept())
    submitter.click("button:has-text('Rút hồ sơ')")
    expect(submitter.locator("h1 .badge")).to_have_text("Đã rút hồ sơ")
    expect(submitter.locator("ol.timeline")).to_contain_text("Đơn vị đề nghị hình thức khác")
    submitter.goto("/ho-so?status=withdrawn")
    expect(submitter.get_by_role("link", name="Hà Thị Thu")).to_have_attribute("href", f"/ho-so/{nomination_id}")


def test_the_due_date_filter_takes_dd_mm_yyyy_and_explains_a_wrong_date(sign_in: SignIn) -> None:
    page = sign_in("ld.sontay")
    page.goto("/hop-viec?unit=HN-SONTAY&due_before=2026-12-20")
    expect(page.locator("#err-due")).to_contain_text("dd/mm/yyyy")
    page.goto("/hop-viec?unit=HN-SONTAY&due_before=20/12/2026")
    expect(page.locator("#err-due")).to_have_count(0)


def test_a_service_being_down_shows_a_clear_page_not_a_traceback(sign_in: SignIn, console: System) -> None:
    page = sign_in("cdcs.dst")
    console.stop_service("registration")
    try:
        response = page.goto("/ho-so")
        assert response is not None
        assert response.status == 503
        expect(page.locator("main")).to_contain_text("Dịch vụ “Tiếp nhận hồ sơ” tạm thời không phản hồi")
        expect(page.locator(".who")).to_contain_text("Nguyễn Thị Lan")
    finally:
        console.restart("registration")
    page.goto("/ho-so")
    expect(page.locator("main h1")).to_have_text("Hồ sơ đề nghị khen thưởng")


async def publish_raw(nats_url: str, subject: str, payload: bytes) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(subject, payload, headers={"Nats-Msg-Id": f"test-{uuid.uuid4()}"})
    finally:
        await nc.close()


def test_operations_see_the_pipeline_its_health_and_a_chart_that_refreshes(sign_in: SignIn, console: System) -> None:
    approver = sign_in("ld.sontay")
    expect(approver.locator("nav.main")).not_to_contain_text("Vận hành")
    refused = approver.goto("/van-hanh")
    assert refused is not None
    assert refused.status == 403

    file_nomination(sign_in("cdcs.dst"), "Trương Văn Hải", "giay_khen_ldld_huyen")
    ops = sign_in("ops")
    ops.get_by_role("link", name="Vận hành").click()
    expect(ops.locator("h1")).to_have_text("Vận hành")
    stages = ops.locator("ol.stages li")
    expect(stages).to_have_count(6)
    expect(stages.nth(0)).to_contain_text("Đã nộp, chờ xét")
    expect(stages.nth(4)).to_contain_text("Đã duyệt, chờ ký")
    expect(stages.nth(5)).to_contain_text("Đã quyết định")
    assert sum(int(count) for count in stages.locator(".stage-count").all_inner_texts()) >= 1
    expect(ops.locator("figure.chart svg rect").first).to_be_attached()
    expect(ops.locator("figure.chart .legend span")).to_have_count(6)
    # Each of the five processes reports its heartbeat (every 5 s): wait for the page's own refresh.
    expect(ops.locator("#instances tbody tr .badge.ok")).to_have_count(5, timeout=30_000)
    expect(ops.locator("section", has_text="Hàng đợi xử lý của từng dịch vụ")).to_contain_text("review-registration")
    expect(ops.locator("#ops")).to_have_attribute("hx-trigger", "every 10s")
    shot(ops, "ops-page")

    # A malformed message on a subject review consumes: review dead-letters it; the page repairs it.
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        pool.submit(
            asyncio.run, publish_raw(console.user_nats_url("admin"), "thidua.registration.nomination_submitted", b'{"broken": ')
        ).result()
    for attempt in range(100):
        ops.goto(f"/van-hanh?lan={attempt}")  # a new URL each time: a same-URL goto would not reload
        if ops.locator("#thu-loi tbody tr").count():
            break
        ops.wait_for_timeout(100)
    row = ops.locator("#thu-loi tbody tr").first
    expect(row).to_contain_text("thidua.registration.nomination_submitted")
    expect(row).to_contain_text("malformed JSON")
    row.get_by_role("button", name="Xử lý lại").click()
    expect(ops.locator(".flash.bad")).to_contain_text("chỉ có thể loại bỏ")
    ops.locator("#thu-loi tbody tr").first.get_by_role("button", name="Loại bỏ").click()
    expect(ops.locator(".flash.bad")).to_contain_text("lý do")
    ops.locator("#thu-loi tbody tr").first.locator("input[name=reason]").fill("Tin thử nghiệm gửi nhầm")
    ops.locator("#thu-loi tbody tr").first.get_by_role("button", name="Loại bỏ").click()
    expect(ops.locator(".flash.ok")).to_contain_text("đã loại bỏ")
    expect(ops.locator("#thu-loi")).to_contain_text("Không có thư lỗi nào")

    phone = sign_in("ops", viewport=PHONE)
    phone.goto("/van-hanh")
    expect(phone.locator("ol.stages li")).to_have_count(6)
    assert phone.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
    shot(phone, "ops-page-phone")


def test_the_form_refuses_a_confirmed_rule_warns_on_an_unconfirmed_one_and_the_dossier_shows_each_check(
    sign_in: SignIn,
) -> None:
    name = f"Đỗ Văn Điều {uuid.uuid4().hex[:4]}"
    submitter = sign_in("cdcs.dst")
    submitter.goto("/ho-so/moi")
    submitter.select_option("#f-award_code", "giai_thuong_nguyen_van_linh")
    expect(submitter.locator("#declared-facts")).to_contain_text("Các năm đạt “Giải thưởng Nguyễn Văn Linh”")
    expect(submitter.locator("#f-nominee-months_employed")).to_have_count(0)  # only what this award's criteria need
    submitter.fill("#f-period", "2026")
    submitter.fill("input[name='nominee.name']", name)
    submitter.fill("#f-achievements", "Hoàn thành xuất sắc nhiệm vụ; sáng kiến được công nhận cấp cơ sở.")
    submitter.fill("#f-title_years-giai_thuong_nguyen_van_linh", "2019")
    submitter.click("button:has-text('Nộp hồ sơ')")
    # once in a lifetime (QC 2106/QĐ-TLĐ, a confirmed source): refused, on its field
    expect(submitter.locator("#err-nominee-title_history")).to_contain_text(
        "Mỗi người chỉ được tặng một lần: đã được tặng năm 2019"
    )
    # the summary at the top names it too, and takes the person to the field
    summary = submitter.locator(".error-summary a[href='#f-nominee-title_history']")
    expect(summary).to_contain_text("chỉ được tặng một lần")
    summary.click()
    expect(submitter).to_have_url(re.compile("#f-nominee-title_history$"))

    # the CĐCS exclusions come from an unconfirmed guideline: 8 months employed is a warning for the approver, not a refusal
    submitter.select_option("#f-award_code", "giay_khen_ldld_huyen")
    expect(submitter.locator("#f-nominee-months_employed")).to_be_visible()
    submitter.fill("#f-nominee-months_employed", "8")
    submitter.select_option("#f-nominee-pledge_registered", "true")
    submitter.click("button:has-text('Nộp hồ sơ')")
    expect(submitter.locator(".flash.ok")).to_contain_text(f"Đã nộp hồ sơ của {name}")
    checks = submitter.locator("#eligibility")
    expect(checks.locator("li", has_text="Công tác 8 tháng, cần từ 10 tháng").locator(".badge")).to_have_text("Lưu ý")
    expect(checks.locator("li", has_text="Chưa khai báo số ngày nghỉ").locator(".badge")).to_have_text("Lưu ý")
    expect(checks).not_to_contain_text("Nguồn:")  # where a rule comes from is for the admins who keep the rules
    expect(submitter.locator("main")).not_to_contain_text("Danh mục áp dụng")
    shot(submitter, "eligibility-dossier")
    admin = sign_in("admin")
    admin.goto(submitter.url)
    expect(admin.locator("#eligibility")).to_contain_text("Nguồn: Hướng dẫn thi đua CĐCS 2021")
    expect(admin.locator("main")).to_contain_text("Danh mục áp dụng")

    approver = sign_in("ld.sontay")
    open_task(approver, "HN-SONTAY", name)
    recheck = approver.locator("#eligibility-recheck")  # each criterion once, as judged at this level
    expect(recheck.locator("li", has_text="Chưa khai báo số ngày nghỉ")).to_be_visible()
    expect(recheck.locator("li", has_text="Công tác 8 tháng").locator(".badge")).to_have_text("Lưu ý")
    expect(approver.locator("#eligibility li", has_text="Công tác 8 tháng")).to_have_count(0)


def test_the_api_documentation_renders_with_no_network_beyond_the_portal(browser: Browser, console: System) -> None:
    """Swagger UI's files come from the portal itself: every other address is cut off, and the page still shows
    every operation under the portal's own Content-Security-Policy (a violation is a console error)."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    local = console.portal_url
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(local) else route.abort())
    page.goto(f"{local}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    assert "Thi Đua" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 40
    assert errors == []
    context.close()


@pytest.mark.parametrize(
    "username", ["cdcs.dst", "ld.sontay", "nv.thidua", "ld.thanhxuan", "tld", "ops", "admin"]
)  # not ld.hanoi: locked out above
def test_every_menu_entry_of_every_role_opens_a_working_page(sign_in: SignIn, username: str) -> None:
    page = sign_in(username)
    entries = page.eval_on_selector_all("nav.main a", "links => links.map(a => [a.textContent, a.getAttribute('href')])")
    assert entries, f"{username} has no menu"
    for label, href in entries:
        response = page.goto(href)
        assert response is not None
        assert response.status < 400, f"{username}: “{label}” ({href}) answered {response.status}"
        assert page.locator("h1").first.inner_text() != "Có lỗi xảy ra", f"{username}: “{label}” ({href})"
    if username in ("ops", "admin"):  # they approve nowhere: the queue lets them choose a unit, then shows it
        page.goto("/hop-viec")
        expect(page.locator("h1")).to_have_text("Hộp việc — chọn đơn vị")
        page.get_by_role("link", name="Liên đoàn Lao động thị xã Sơn Tây").click()
        expect(page.locator("h1")).to_have_text("Hộp việc — Liên đoàn Lao động thị xã Sơn Tây")


def test_the_form_names_each_award_as_the_union_above_the_submitter_will_print_it(sign_in: SignIn) -> None:
    page = sign_in("cdcs.dst")
    page.goto("/ho-so/moi")
    option = page.locator("#f-award_code option[value=giay_khen_ldld_huyen]")
    expect(option).to_have_text("Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây")
    expect(page.locator("#f-award_code option[value=bang_khen_tong_ldld]")).to_have_text(
        "Bằng khen của Ban Chấp hành Tổng Liên đoàn Lao động Việt Nam"
    )
    page.select_option("#f-award_code", "giay_khen_ldld_huyen")
    expect(page.locator("#issued-as")).to_have_text(
        "Tên trên quyết định: Giấy khen của Ban Chấp hành Liên đoàn Lao động thị xã Sơn Tây"
    )
