"""The register of people in the console: a CĐCS adds two namesakes on "Đoàn viên / Người lao động", then nominates
one of them, telling them apart on the nomination form by date of birth and position; the dossier goes to that
person, whose page lists it, and not to the namesake."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import FilePayload, Page, expect

from services.portal.downloads import XLSX
from services.portal.people_import import template_workbook
from tests.browser.conftest import shot
from thidua.system import System


@pytest.fixture(scope="module")
def console(shared_console: System) -> System:
    """The browser files' shared system: this file adds only people (names tagged per test) and a dossier of its own."""
    return shared_console


def add_person(page: Page, name: str, born: str, position: str, gender: str) -> str:
    page.goto("/doan-vien")
    form = page.locator("#person-add")
    form.locator("#f-full_name").fill(name)
    form.locator("#f-birth_date").fill(born)
    form.locator("#f-gender").select_option(gender)
    form.locator("#f-position").fill(position)
    form.get_by_role("button", name="Thêm vào danh sách").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"Đã thêm {name}")
    row = page.locator("#people tr", has_text=position).filter(has_text=name)
    person_id = row.get_attribute("data-person")
    assert person_id
    return person_id


def test_a_namesake_is_chosen_on_the_nomination_form_by_date_of_birth_and_position(sign_in: Callable[..., Page]) -> None:
    name = f"Nguyễn Văn Tư {uuid.uuid4().hex[:4]}"
    page = sign_in("cdcs.dst")
    expect(page.locator("nav.main")).to_contain_text("Đoàn viên")
    elder = add_person(page, name, "15/01/1970", "Tổ trưởng tổ bảo dưỡng", "male")
    younger = add_person(page, name, "05/05/1992", "Công nhân lái tàu", "male")
    page.fill("#p-q", name.replace("Nguyễn Văn Tư", "nguyen van tu"))  # searched without diacritics
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("#people tbody tr")).to_have_count(2)
    shot(page, "people-01-namesakes")

    page.goto("/ho-so/moi")
    page.select_option("#f-award_code", "giay_khen_ldld_huyen")
    page.wait_for_selector("#f-person-q")
    page.fill("#f-period", "2026")
    page.fill("#f-person-q", name.replace("Nguyễn Văn Tư", "nguyen van tu"))
    options = page.locator("#person-options label[data-person]")
    expect(options).to_have_count(2)
    expect(options.filter(has_text="sinh 15/01/1970")).to_contain_text("Tổ trưởng tổ bảo dưỡng")
    expect(options.filter(has_text="sinh 05/05/1992")).to_contain_text("Công nhân lái tàu")
    page.check(f"#person-options input[value='{younger}']")
    page.fill("input[name='nominee.name']", name)
    page.fill("#f-achievements", "Lái tàu an toàn 100.000 km, có sáng kiến tiết kiệm nhiên liệu được công nhận.")
    shot(page, "people-02-choosing-a-namesake")
    page.click("button:has-text('Nộp hồ sơ')")
    expect(page.locator(".flash.ok")).to_contain_text(f"Đã nộp hồ sơ của {name}")
    match = re.search(r"/ho-so/([0-9a-f-]{36})$", page.url)
    assert match, page.url
    expect(page.locator("#nominee-person")).to_have_attribute("href", f"/doan-vien/{younger}")  # the dossier names its person

    page.goto(f"/doan-vien/{younger}")
    expect(page.locator("#person-titles")).to_contain_text("Giấy khen")
    expect(page.locator(f"#person-titles a[href='/ho-so/{match.group(1)}']")).to_have_count(1)
    page.goto(f"/doan-vien/{elder}")
    expect(page.locator("#person-titles")).to_have_count(0)  # the namesake has no dossier
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ông {name}")


def member_list(rows: list[list[str]]) -> bytes:
    book = load_workbook(BytesIO(template_workbook()))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def upload(rows: list[list[str]]) -> FilePayload:
    return {"name": "doan-vien.xlsx", "mimeType": XLSX, "buffer": member_list(rows)}


def test_a_member_list_is_imported_on_the_page_and_a_member_transferred(sign_in: Callable[..., Page]) -> None:
    tag = uuid.uuid4().hex[:4]
    rows = [[f"Vũ Thị Lan {tag}", "08/03/1988", "Nữ", "", "Kế toán"], [f"Đặng Văn Hải {tag}", "32/13/1990", "Nam", "", ""]]
    page = sign_in("cdcs.dst")
    page.goto("/doan-vien")
    expect(page.locator("#people-template")).to_have_attribute("href", "/doan-vien/mau.xlsx")
    form = page.locator("#people-import")
    form.locator("#i-file").set_input_files(files=upload(rows))
    form.get_by_role("button", name="Nhập danh sách").click()
    expect(page.locator("#import-problems")).to_contain_text("Chưa nhập dòng nào")
    expect(page.locator("#import-problems")).to_contain_text("Dòng 3, Ngày sinh (dd/mm/yyyy)")

    form = page.locator("#people-import")
    form.locator("#i-file").set_input_files(files=upload(rows))
    form.locator("input[name='valid_only']").check()
    form.get_by_role("button", name="Nhập danh sách").click()
    expect(page.locator("#import-result")).to_contain_text("thêm 1 người")
    shot(page, "people-03-import")

    page.fill("#p-q", f"vu thi lan {tag}")
    page.get_by_role("button", name="Tìm").click()
    page.get_by_role("link", name=f"Vũ Thị Lan {tag}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bà Vũ Thị Lan {tag}")
    transfer = page.locator("#person-transfer")
    transfer.locator("#f-transfer-to_unit_code").select_option("HN-HADONG-VANQUAN")
    transfer.get_by_role("button", name="Chuyển sinh hoạt").click()
    expect(page.locator(".flash.ok")).to_contain_text(f"Đã chuyển Vũ Thị Lan {tag} sang")

    vanquan = sign_in("cdcs.vanquan")
    vanquan.goto(f"/doan-vien?q=vu+thi+lan+{tag}")
    expect(vanquan.locator("#people tbody tr[data-person]")).to_have_count(1)
