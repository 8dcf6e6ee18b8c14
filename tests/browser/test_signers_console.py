"""Người ký văn bản in the console: the unit admin reaches the roster from the menu, sees the demo Chủ tịch and
Phó Chủ tịch, is told in Vietnamese when a date is not dd/mm/yyyy, adds an officer, and ends a term; an approver
who is no unit admin has no such menu entry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import open_menu, shot

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]


def test_a_unit_admin_keeps_the_roster_of_signing_officers(sign_in: SignIn) -> None:
    admin = sign_in("ld.sontay")
    open_menu(admin, "Người ký văn bản")
    expect(admin.locator("h1")).to_have_text("Người ký văn bản")
    roster = admin.locator("#signers")
    expect(roster).to_have_attribute("data-unit", "HN-SONTAY")
    chair = roster.locator("tr", has_text="Đỗ Văn Minh")
    expect(chair).to_contain_text("Chủ tịch")
    expect(chair).to_contain_text("01/05/2023")
    expect(chair).to_contain_text("Đang ký")
    expect(roster.locator("tr", has_text="Nguyễn Thị Lan Anh")).to_contain_text("Phó Chủ tịch")
    expect(admin.locator("#signers-warning")).to_have_count(0)

    form = admin.locator("#signer-form")
    form.locator("#f-full_name").fill("Trần Thị Bích Hạnh")
    form.locator("#f-position").select_option("Phó Chủ tịch")
    form.locator("#f-valid_from").fill("2026-01-01")  # not dd/mm/yyyy
    form.locator("button[type=submit]").click()
    expect(admin.locator(".error-summary")).to_contain_text("dd/mm/yyyy")
    expect(admin.locator("#f-full_name")).to_have_value("Trần Thị Bích Hạnh")  # what was typed stays

    admin.locator("#f-valid_from").fill("01/01/2026")
    admin.locator("#signer-form button[type=submit]").click()
    expect(admin.locator(".flash").first).to_contain_text("Đã thêm Trần Thị Bích Hạnh")
    added = admin.locator("#signers tr", has_text="Trần Thị Bích Hạnh")
    expect(added).to_contain_text("Phó Chủ tịch")
    expect(added).to_contain_text("01/01/2026")
    expect(added).to_contain_text("Đang ký")

    chair = admin.locator("#signers tr", has_text="Đỗ Văn Minh")
    chair.locator("input[name=last_day]").fill("31/12/2025")
    chair.locator("button", has_text="Kết thúc").click()
    expect(admin.locator(".flash").first).to_contain_text("Đã kết thúc nhiệm kỳ ký")
    ended = admin.locator("#signers tr", has_text="Đỗ Văn Minh")
    expect(ended).to_contain_text("31/12/2025")
    expect(ended).to_contain_text("Đã hết nhiệm kỳ")
    shot(admin, "signers-roster")


def test_a_submitter_has_no_roster_in_the_menu(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    expect(submitter.locator("nav >> text=Người ký văn bản")).to_have_count(0)
