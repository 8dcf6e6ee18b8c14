"""A unit's standing council in Chromium: founded with its roster, a school-year nomination (the form proposes the
school year), and a meeting that picks the present members with checkboxes, so its counts come from the roster."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_console import SignIn
from thidua.system import System

pytestmark = pytest.mark.e2e

MEMBERS = (
    ("Lê Thị Hồng", "Chủ tịch LĐLĐ quận", "chair"),
    ("Phan Văn Tâm", "Phó Chủ tịch LĐLĐ quận", "vice_chair"),
    ("Ngô Thị Hạnh", "Trưởng ban Tuyên giáo", "standing"),
    ("Đặng Văn Long", "Chủ tịch CĐCS THCS Văn Quán", "member"),
    ("Mai Thị Thoa", "Cán bộ LĐLĐ quận", "secretary"),
)
TAG = uuid.uuid4().hex[:6]  # on the shared system, a nominee no other file files
NOMINEE = f"Quách Thị Giáo {TAG}"


@pytest.fixture(scope="module")
def console(shared_console: System) -> System:
    """The browser files' shared system: this file founds the only council of HN-HADONG and files its own dossier."""
    return shared_console


def found_council(page: Page) -> None:
    page.goto("/hoi-dong?unit=HN-HADONG")
    expect(page.locator("h1")).to_have_text("Hội đồng Thi đua – Khen thưởng của đơn vị")
    page.select_option("#f-kind", "tdkt")
    page.fill("#f-decision_number", "27/QĐ-LĐLĐ")
    page.fill("#f-decision_date", "05/01/2026")
    page.fill("#f-decision_signer", "Lê Thị Hồng")
    for i, (name, title, role) in enumerate(MEMBERS):
        page.fill(f"#f-members-{i}-full_name", name)
        page.fill(f"#f-members-{i}-title", title)
        page.select_option(f"#f-members-{i}-role", role)
    page.click("button:has-text('Lập Hội đồng')")
    expect(page.locator(".flash.ok")).to_contain_text("Đã lập Hội đồng")
    council = page.locator("section.council").first
    expect(council).to_contain_text("Quyết định thành lập số 27/QĐ-LĐLĐ ngày 05/01/2026")
    expect(council.locator("table.council-members tbody tr")).to_have_count(len(MEMBERS))
    expect(council).to_contain_text("Phó Chủ tịch Hội đồng")


def test_a_meeting_ticks_the_present_members_of_the_units_council(sign_in: SignIn) -> None:
    district = sign_in("ld.hadong")
    found_council(district)
    shot(district, "standing-council-01-roster")

    school = sign_in("cdcs.vanquan")
    school.goto("/ho-so/moi")
    expect(school.locator("label[for=f-period]")).to_contain_text("Kỳ xét (năm)")
    school.select_option("#f-award_code", "giay_khen_ldld_huyen_nam_hoc")
    school.wait_for_selector("input[name='nominee.name']")
    expect(school.locator("label[for=f-period]")).to_contain_text("Kỳ xét (năm học)")
    expect(school.locator("#f-period")).to_have_value(re.compile(r"^(20\d\d)-(20\d\d)$"))
    school.fill("#f-period", "2025")  # a calendar year for a school-year award: refused on the field
    school.fill("input[name='nominee.name']", NOMINEE)
    school.fill("#f-achievements", "Giáo viên dạy giỏi cấp quận, hoàn thành xuất sắc nhiệm vụ năm học.")
    school.click("button:has-text('Nộp hồ sơ')")
    expect(school.locator("#err-period")).to_have_text("Kỳ xét của hình thức này là năm học, ví dụ 2024-2025")
    school.fill("#f-period", "2025-2026")
    school.click("button:has-text('Nộp hồ sơ')")
    expect(school.locator(".flash.ok")).to_contain_text(f"Đã nộp hồ sơ của {NOMINEE}")
    expect(school.locator("main")).to_contain_text("2025-2026")

    for _ in range(100):  # the dossier reaches the district's queue over NATS
        district.goto(f"/hop-viec?unit=HN-HADONG&q=quach+thi+giao+{TAG}&state=active")
        if district.locator("input[name=task_id]").count() == 1:
            break
        district.wait_for_timeout(100)
    district.check("[data-select-all]")
    district.click("button:has-text('Họp Hội đồng')")
    roster = district.locator("fieldset.roster").first
    expect(roster).to_contain_text("(QĐ 27/QĐ-LĐLĐ; 5 thành viên)")
    expect(district.locator("#f-members")).to_have_count(0)  # no typed counts: they come from the roster
    for name, _, _ in MEMBERS[1:]:  # the chair is away; the vice chair presides
        roster.get_by_label(name).check()
    district.fill("#f-votes-0-votes_for", "4")
    shot(district, "standing-council-02-present-members")
    district.click("button:has-text('Ghi nhận cuộc họp')")
    expect(district.locator(".flash")).to_contain_text(f"{NOMINEE}: Đạt (4/4 đồng ý, 0 không đồng ý; có mặt 4/5")

    district.goto(f"/hop-viec?unit=HN-HADONG&q=quach+thi+giao+{TAG}&state=active")
    district.get_by_role("link", name=NOMINEE, exact=True).first.click()
    expect(district.locator("#council-history")).to_contain_text("chủ trì Phan Văn Tâm")
    expect(district.locator("#council-rule")).to_contain_text("Theo quy định: Hội đồng (quy định kiểm thử, đã xác nhận)")

    # The task page's council card takes the same roster: a new meeting recorded there, from the members ticked present.
    card = district.locator("#council-form")
    expect(card.locator("fieldset.roster")).to_contain_text("(QĐ 27/QĐ-LĐLĐ; 5 thành viên)")
    expect(card.locator("#f-members")).to_have_count(0)
    for name, _, _ in MEMBERS:
        card.locator("fieldset.roster").get_by_label(name).check()
    card.locator("#f-votes_for").fill("5")
    card.locator("button:has-text('Ghi nhận kết quả biểu quyết')").click()
    expect(district.locator(".flash")).to_contain_text("Đạt (5/5 đồng ý, 0 không đồng ý; có mặt 5/5")
    expect(district.locator("#council-history li")).to_have_count(2)
    expect(district.locator("#council-history")).to_contain_text("chủ trì Lê Thị Hồng")
