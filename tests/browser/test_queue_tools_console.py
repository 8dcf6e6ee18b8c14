"""The approver's queue tools in a real browser: sorting by clicking a column header (again: reversed, with
aria-sort), "Việc của tôi" after claiming, a saved filter reopened from its link and deleted, and the queue and the
nominations list (sorted by submission date) downloaded as workbooks."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_console import file_nomination, open_task
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]
TAG = uuid.uuid4().hex[:6]  # on the shared system, workshops no other file files: the queue searched for them holds these
NAMES = [f"Xưởng mộc {TAG} Cường", f"Xưởng mộc {TAG} An", f"Xưởng mộc {TAG} Bình"]
CUONG, AN, BINH = NAMES
SEARCH = f"q=xuong+moc+{TAG}"


@pytest.fixture(scope="module")
def console(shared_console: System) -> System:
    """The browser files' shared system: this file's queue views are all searched for its own workshops."""
    return shared_console


def nominee_column(page: Page) -> list[str]:
    return [text.strip() for text in page.locator("table tbody tr td:nth-child(2) a").all_inner_texts()]


def workbook_rows(page: Page, button: str) -> list[tuple[object, ...]]:
    with page.expect_download() as download:
        page.click(button)
    path = download.value.path()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(path.read_bytes())).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_an_approver_sorts_by_a_header_keeps_a_filter_sees_their_own_tasks_and_downloads_the_queue(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    for name in NAMES:
        file_nomination(submitter, name, "giay_khen_ldld_huyen")
    approver = sign_in("ld.sontay")
    for _ in range(100):
        approver.goto(f"/hop-viec?unit=HN-SONTAY&{SEARCH}")
        if len(nominee_column(approver)) == len(NAMES):
            break
        approver.wait_for_timeout(100)

    header = approver.locator("th", has_text="Đối tượng")
    header.get_by_role("link").click()
    expect(approver.locator("th[aria-sort=ascending]")).to_contain_text("Đối tượng")
    assert nominee_column(approver) == [AN, BINH, CUONG]
    approver.locator("th", has_text="Đối tượng").get_by_role("link").click()
    expect(approver.locator("th[aria-sort=descending]")).to_contain_text("Đối tượng")
    assert nominee_column(approver) == [CUONG, BINH, AN]
    shot(approver, "queue-sorted-by-nominee")

    approver.fill("#f-filter-name", "Xưởng mộc – Z đến A")
    approver.click("button:has-text('Lưu bộ lọc')")
    expect(approver.locator(".flash.ok")).to_contain_text("Đã lưu bộ lọc “Xưởng mộc – Z đến A”")
    approver.goto("/hop-viec?unit=HN-SONTAY")
    approver.get_by_role("link", name="Xưởng mộc – Z đến A").click()
    expect(approver.locator("th[aria-sort=descending]")).to_contain_text("Đối tượng")
    assert nominee_column(approver) == [CUONG, BINH, AN]

    rows = workbook_rows(approver, "#export-xlsx")
    header_at = next(i for i, row in enumerate(rows) if row[0] == "STT")
    assert [row[1] for row in rows[header_at + 1 :]] == [CUONG, BINH, AN]
    assert any(str(row[0]).startswith("Sắp xếp: Đối tượng (giảm dần)") for row in rows[:header_at])

    open_task(approver, "HN-SONTAY", BINH)
    approver.get_by_role("button", name="Nhận xử lý").click()
    expect(approver.locator(".flash.ok")).to_contain_text("Bạn đã nhận xử lý")
    approver.goto(f"/hop-viec?unit=HN-SONTAY&{SEARCH}")
    approver.click("#mine-toggle")  # keeps the search
    expect(approver.locator("#mine-toggle")).to_have_attribute("aria-current", "true")
    assert nominee_column(approver) == [BINH]
    colleague = sign_in("ld.sontay2")
    colleague.goto(f"/hop-viec?unit=HN-SONTAY&mine=1&{SEARCH}")
    assert nominee_column(colleague) == []
    assert colleague.get_by_role("link", name="Xưởng mộc – Z đến A").count() == 0  # not theirs to see

    approver.goto("/hop-viec?unit=HN-SONTAY")
    approver.once("dialog", lambda d: d.accept())
    approver.get_by_role("button", name="Xoá bộ lọc Xưởng mộc – Z đến A").click()
    expect(approver.locator(".flash.ok")).to_contain_text("Đã xoá bộ lọc")
    expect(approver.get_by_role("link", name="Xưởng mộc – Z đến A")).to_have_count(0)

    submitter.goto("/ho-so")
    expect(submitter.locator("th[aria-sort=descending]")).to_contain_text("Ngày nộp")
    submitter.click("#sort-created")  # oldest first: the three were filed in NAMES' order
    expect(submitter.locator("th[aria-sort=ascending]")).to_contain_text("Ngày nộp")
    listed = workbook_rows(submitter, "#export-xlsx")
    filed = [row[1] for row in listed if row[1] in NAMES]
    assert filed == NAMES
