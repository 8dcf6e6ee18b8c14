"""The council form on the task page, and a batch forwarded with one tờ trình then approved in one decision, in Chromium."""

from __future__ import annotations

import io
import re
import unicodedata

import pypdf
import pytest
from playwright.sync_api import Dialog, Page, expect

from tests.browser.conftest import record_council, shot
from tests.browser.test_console import SignIn, file_nomination, open_task, sign_draft, wait_for_status
from thidua.system import System

pytestmark = pytest.mark.e2e

# No other browser file files a Trịnh: on the shared system, the queues searched for "trinh" hold these two only (a
# tag in the names could wrap them in the PDF's table, which the test reads back).
NAMES = ("Trịnh Văn Hội", "Trịnh Thị Đồng")


@pytest.fixture(scope="module")
def console(shared_console: System) -> System:
    """The browser files' shared system: this file's queues are searched for its own nominees."""
    return shared_console


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))


def select_in_queue(page: Page, unit: str, count: int) -> None:
    """Show the unit's queue filtered to this test's nominees, wait for them (they arrive over NATS), select all."""
    for _ in range(100):
        page.goto(f"/hop-viec?unit={unit}&q=trinh&state=active")
        if page.locator("input[name=task_id]").count() == count:
            break
        page.wait_for_timeout(100)
    page.check("[data-select-all]")


def hold_meeting(page: Page, votes: list[int]) -> None:
    page.click("button:has-text('Họp Hội đồng')")
    expect(page.locator("h1")).to_have_text("Họp Hội đồng Thi đua – Khen thưởng")
    page.fill("#f-members", "9")
    page.fill("#f-present", "9")
    page.check("input[name=secret_ballot]")
    for i, n in enumerate(votes):
        page.fill(f"#f-votes-{i}-votes_for", str(n))
        page.fill(f"#f-votes-{i}-votes_against", str(9 - n))
    page.click("button:has-text('Ghi nhận cuộc họp')")
    expect(page.locator(".flash.ok")).to_contain_text("Đã ghi nhận cuộc họp")


def test_council_form_errors_a_failed_vote_blocks_and_a_batch_goes_up_with_one_proposal(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    ids = [
        file_nomination(submitter, name, "cong_nhan_gioi_thu_do", f"{name}: tay nghề giỏi, cải tiến quy trình năm 2026.")
        for name in NAMES
    ]

    district = sign_in("ld.sontay")
    open_task(district, "HN-SONTAY", NAMES[0])
    expect(district.locator("#council-blocking")).to_contain_text("chưa biểu quyết")
    record_council(district, members=9, present=10, votes_for=9)
    expect(district.locator("#err-present")).to_contain_text("không thể lớn hơn số thành viên")
    expect(district.locator("#f-present")).to_have_value("10")  # what was typed stays
    record_council(district, members=9, present=9, votes_for=5, votes_against=4)
    expect(district.locator(".flash.warn")).to_contain_text("Không đạt (5/9 đồng ý")
    expect(district.locator("#council-result")).to_contain_text("Không đạt")
    district.get_by_role("button", name="Nhận xử lý").click()
    district.check("input[name=action][value=approve]")
    district.click("button:has-text('Gửi quyết định')")
    expect(district.locator("#err-council")).to_contain_text("Đồng ý 5/9 thành viên có mặt (55,6 %), cần ít nhất 70 %: không đạt")
    shot(district, "council-01-failed-vote-blocks")

    # Bulk actions: none on an empty list; here only what this level may do with these dossiers (they go up: no
    # one-decision approval), and nothing until a row is chosen.
    district.goto("/hop-viec?unit=HN-SONTAY&q=khong+co+ai+ten+nay")
    expect(district.get_by_role("button", name="Nhận xử lý các mục đã chọn")).to_have_count(0)
    select_in_queue(district, "HN-SONTAY", 2)
    expect(district.get_by_role("button", name="Phê duyệt (một quyết định)")).to_have_count(0)
    district.uncheck("[data-select-all]")
    expect(district.locator("button[value=forward_batch]")).to_be_hidden()  # no bulk action until a row is chosen
    expect(district.locator("button[value=forward_batch]")).to_be_disabled()
    expect(district.locator("[data-bulk-empty]")).to_be_visible()
    district.check("[data-select-all]")
    expect(district.get_by_role("button", name="Chuyển cấp trên kèm tờ trình")).to_be_enabled()
    expect(district.locator("[data-bulk-empty]")).to_be_hidden()

    # The queue: one meeting votes on both (a re-vote for the first), then both go up with one tờ trình.
    select_in_queue(district, "HN-SONTAY", 2)
    hold_meeting(district, [8, 9])
    select_in_queue(district, "HN-SONTAY", 2)
    district.fill("#f-batch-comment", "Kính đề nghị LĐLĐ Thành phố xem xét")
    asked: list[str] = []
    district.once("dialog", lambda d: d.dismiss())  # a change of mind: nothing is sent
    district.click("button:has-text('Chuyển cấp trên kèm tờ trình')")
    expect(district.locator("#f-batch-comment")).to_have_value("Kính đề nghị LĐLĐ Thành phố xem xét")

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    district.once("dialog", accept)
    district.click("button:has-text('Chuyển cấp trên kèm tờ trình')")
    expect(district.locator(".flash.ok")).to_contain_text("Đã chuyển 2 hồ sơ lên Liên đoàn Lao động Thành phố Hà Nội")
    assert asked == ["Chuyển cấp trên các hồ sơ đã chọn kèm một tờ trình?"]  # the button asked before sending
    # The letter waits for the district's signing officer: no number yet, a draft PDF; the city has the dossiers.
    expect(district.locator("h1")).to_have_text("Tờ trình (chờ ký)")
    expect(district.locator("#proposal-waiting")).to_contain_text("Chờ ký")
    letter_page = district.url
    for name in NAMES:
        expect(district.locator("#proposal-items")).to_contain_text(name)
    expect(district.locator("#proposal-items")).to_contain_text("Đạt (8/9 đồng ý")
    with district.expect_download() as draft_download:
        district.click("#proposal-pdf")
    assert "DỰ THẢO" in pdf_text(draft_download.value.path().read_bytes())

    sign_draft(sign_in("ky.sontay"), NAMES[0])  # the Chủ tịch of LĐLĐ Sơn Tây signs it at "Văn bản chờ ký"
    number = None
    for _ in range(100):
        district.goto(letter_page)
        number = re.search(r"Tờ trình số (\d+/TTr-LĐLĐ) ngày", district.locator("h1").inner_text())
        if number:
            break
        district.wait_for_timeout(100)
    assert number, district.locator("h1").inner_text()
    shot(district, "council-02-proposal")
    expect(district.locator("article.doc")).to_contain_text(f"Số: {number.group(1)}")  # the page prints what was signed
    with district.expect_download() as download:
        district.click("#proposal-pdf")  # the PDF as its officer signed it
    signed_pdf = download.value.path().read_bytes()
    assert b"/ByteRange" in signed_pdf
    text = pdf_text(signed_pdf)
    assert f"Số: {number.group(1)}" in text
    assert all(name in text for name in NAMES), text

    # The city received it: it sees the tờ trình, its own council votes, then it approves both in one decision.
    city = sign_in("ld.hanoi")
    select_in_queue(city, "HN", 2)
    expect(city.get_by_role("button", name="Chuyển cấp trên kèm tờ trình")).to_have_count(0)  # the city decides these
    expect(city.locator("#unit-proposals")).to_contain_text(f"Tờ trình số {number.group(1)}")
    city.once("dialog", lambda d: d.accept())
    city.click("button:has-text('Phê duyệt (một quyết định)')")
    expect(city.locator(".flash.bad")).to_contain_text("chưa biểu quyết")
    select_in_queue(city, "HN", 2)
    hold_meeting(city, [9, 9])
    select_in_queue(city, "HN", 2)
    city.once("dialog", lambda d: d.accept())
    city.click("button:has-text('Phê duyệt (một quyết định)')")
    expect(city.locator(".flash.ok")).to_contain_text("Đã phê duyệt 2 hồ sơ")
    shot(city, "council-03-batch-approved")

    sign_draft(sign_in("ky.hanoi"), NAMES[0])  # one draft lists both: one signature issues one decision
    numbers = set()
    for nomination_id in ids:
        wait_for_status(submitter, nomination_id, "Đã khen thưởng")
        decision = re.search(r"Quyết định số (\d+/QĐ-LĐLĐ)", submitter.locator("main").inner_text())
        assert decision is not None
        numbers.add(decision.group(1))
    assert len(numbers) == 1  # the batch approval is one decision listing both
    timeline = submitter.locator("main")
    expect(timeline).to_contain_text("Hội đồng TĐKT LĐLĐ thị xã Sơn Tây biểu quyết: Đạt (")
    expect(timeline).to_contain_text("Hội đồng TĐKT LĐLĐ TP Hà Nội biểu quyết: Đạt")
    shot(submitter, "council-04-dossier-timeline")
