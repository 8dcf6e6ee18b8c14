"""The report page (`/bao-cao`) in a real browser: a district sees its CĐCS' grassroots register as the union's
reports print it, narrows it with the filters, and downloads the same figures as an .xlsx workbook."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, open_menu, shot
from tests.e2e.conftest import PASSWORD
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]


def rows(n: int, *, on: str, award: str = "sang_kien_co_so", kind: str = "individual", tag: str = "") -> list[dict[str, Any]]:
    return [
        {
            "award_code": award,
            "nominee_kind": kind,
            "nominee_name": f"Người lao động {tag}{i}",
            "decided_on": on,
            "decision_number": "5/QĐ-CĐCS",
            "title": f"Sáng kiến {tag}{i}",
        }
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def register(console: System) -> Iterator[None]:
    """DST (an enterprise) and THPT Sơn Tây (a school) record their own awards; admin records for the school."""
    client = PortalClient(console.portal_url)
    client.login("cdcs.dst", PASSWORD)
    client.login("admin", PASSWORD)
    for entries in (rows(1301, on="2024-12-20"), rows(9, on="2025-12-19", tag="b")):
        client.post("cdcs.dst", "/api/v1/grassroots-awards", {"unit_code": "HN-SONTAY-DST", "entries": entries})
    school = rows(446, on="2024-12-18", tag="t") + rows(3, on="2024-12-18", award="giay_khen_cdcs", kind="collective", tag="g")
    client.post("admin", "/api/v1/grassroots-awards", {"unit_code": "HN-SONTAY-THPTSONTAY", "entries": school})
    yield
    client.close()


def test_the_district_reads_its_year_as_the_seeds_print_it_and_downloads_it(sign_in: SignIn, register: None) -> None:
    page = sign_in("ld.sontay")
    page.get_by_role("link", name="Báo cáo").click()
    expect(page.locator("h1")).to_have_text("Báo cáo khen thưởng")

    page.fill("#f-year", "2024")
    page.click("#report-filters button[type=submit]")

    summary = page.locator("#report-summary")
    expect(summary).to_contain_text("Liên đoàn Lao động thị xã Sơn Tây — năm 2024")
    expect(summary).to_contain_text("1.747 sáng kiến cấp cơ sở (trường học 446, doanh nghiệp 1.301)")
    expect(summary).to_contain_text("3 Giấy khen của Ban Chấp hành công đoàn cơ sở (trường học 3)")
    expect(page.locator("#by-unit tbody tr")).to_have_count(2)
    shot(page, "reports-district-2024")

    page.select_option("#f-sector", "school")
    page.click("#report-filters button[type=submit]")
    expect(summary).to_contain_text("446 sáng kiến cấp cơ sở (trường học 446)")
    expect(summary).not_to_contain_text("doanh nghiệp")

    with page.expect_download() as info:
        page.click("#report-xlsx")
    download = info.value
    assert download.suggested_filename == "bao-cao-khen-thuong-HN-SONTAY-2024.xlsx"
    path = download.path()
    assert path is not None
    book = load_workbook(BytesIO(path.read_bytes()))
    lines = [r[0] for r in book["Tổng hợp"].iter_rows(values_only=True) if r[0]]
    assert "- 446 sáng kiến cấp cơ sở (trường học 446)" in lines
    by_award = list(book["Theo hình thức"].iter_rows(values_only=True))
    assert by_award[0][:3] == ("Hình thức", "Cấp quyết định", "Số lượng")
    assert by_award[1][:3] == ("Sáng kiến cấp cơ sở", "cấp cơ sở", 446)


def test_a_bad_date_is_named_on_its_field_and_a_cdcs_sees_only_itself_on_a_phone(sign_in: SignIn, register: None) -> None:
    page = sign_in("ld.sontay")
    page.goto("/bao-cao?date_from=31/02/2024")
    expect(page.locator(".field-error .error")).to_have_text("Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2026")

    phone = sign_in("cdcs.dst", viewport=PHONE)
    phone.goto("/bao-cao?year=2025")
    expect(phone.locator("#report-summary")).to_contain_text("9 sáng kiến cấp cơ sở (doanh nghiệp 9)")
    expect(phone.locator("#f-unit option")).to_have_count(2)  # "Đơn vị của tôi" and DST itself
    shot(phone, "reports-cdcs-phone")


def test_a_cdcs_officer_uploads_the_register_and_fixes_a_named_row(sign_in: SignIn, register: None, tmp_path: Path) -> None:
    page = sign_in("cdcs.dst")
    open_menu(page, "Sổ khen thưởng cơ sở")
    with page.expect_download() as info:
        page.click("#register-template")
    template = info.value.path()
    assert template is not None
    book = load_workbook(BytesIO(template.read_bytes()))
    sheet = book.active
    assert sheet is not None
    sheet.append(["Giấy khen của Ban Chấp hành công đoàn cơ sở", "Tập thể", "Tổ Cơ điện", "21/12/2025", "70/QĐ-CĐCS", None])
    sheet.append(["sang_kien_co_so", "Cá nhân", "Lê Thị Hoa", "31/12/2099", None, "Giảm phế phẩm"])
    upload = tmp_path / "so.xlsx"
    book.save(upload)

    page.set_input_files("#r-file", str(upload))
    page.click("#register-form button[type=submit]")
    expect(page.locator("#register-problems")).to_contain_text(
        "Dòng 4, Ngày quyết định (dd/mm/yyyy): Ngày quyết định 31/12/2099 ở sau hôm nay"
    )
    shot(page, "register-upload-problems")

    sheet.delete_rows(4)
    book.save(upload)
    page.set_input_files("#r-file", str(upload))
    page.click("#register-form button[type=submit]")
    expect(page.locator("#register-result")).to_contain_text("Đã ghi 2 dòng")
    page.set_input_files("#r-file", str(upload))
    page.click("#register-form button[type=submit]")
    expect(page.locator("#register-result")).to_contain_text("Đã ghi 0 dòng; 2 dòng đã có trong sổ từ trước")
