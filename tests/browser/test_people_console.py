"""The register of people in the console: a CĐCS adds two namesakes on "Đoàn viên / Người lao động", then nominates
one of them, telling them apart on the nomination form by date of birth and position; the dossier goes to that
person, whose page lists it, and not to the namesake."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import shot


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
    elder = add_person(page, name, "1970-01-15", "Tổ trưởng tổ bảo dưỡng", "male")
    younger = add_person(page, name, "1992-05-05", "Công nhân lái tàu", "male")
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

    page.goto(f"/doan-vien/{younger}")
    expect(page.locator("#person-titles")).to_contain_text("Giấy khen")
    expect(page.locator(f"#person-titles a[href='/ho-so/{match.group(1)}']")).to_have_count(1)
    page.goto(f"/doan-vien/{elder}")
    expect(page.locator("#person-titles")).to_have_count(0)  # the namesake has no dossier
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ông {name}")
