"""The console on a phone and for people who do not use a mouse: the menu folds away at phone width and fits one row
at 1,366 px, lists become cards so no page scrolls sideways at 390 px, axe-core finds nothing serious or critical on
any page of any role, and a nomination goes from the form to the district's approval by keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.browser import accessibility
from tests.browser.conftest import DESKTOP, PHONE, shot
from tests.e2e.conftest import PASSWORD, start_system
from tests.samples import sample_pdf, sample_png
from thidua.client import PortalClient
from thidua.demo_documents import attach_documents
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]
REQUIRED_DOCUMENTS = """
[[rules]]
effective_from = 2024-01-01
max_file_bytes = 10_485_760
max_files = 20
max_total_bytes = 52_428_800
allowed_types = ["pdf", "jpeg", "png", "docx", "xlsx"]
require_documents = true
source = "browser test: required documents enforced"
"""
# A role of each kind (ld.hanoi decides at the city, ky.sontay signs, nv.thidua works in two units).
ROLES = ["cdcs.dst", "ld.sontay", "ld.hanoi", "nv.thidua", "ld.thanhxuan", "tld", "ky.sontay", "ops", "admin"]
# The pages one opens from the lists: a dossier, a task, a decision, a draft waiting for signature, a tờ trình.
DETAIL = re.compile(r"^/(ho-so/[0-9a-f-]{36}|nhiem-vu/[^/?#]+|quyet-dinh/[^/?#]+|van-ban-cho-ky/[^/?#]+|to-trinh/[^/?#]+)$")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The system as `make run` starts it, with the award's documents required, and a few dossiers at each stage:
    one decided (a signed decision), one approved and waiting for its signature, two waiting in the district's queue."""
    base = tmp_path_factory.mktemp("layout-console")
    for s in SERVICES:
        (base / s).mkdir()
    rules = base / "attachments.toml"
    rules.write_text(REQUIRED_DOCUMENTS)
    for system in start_system(base, "sqlite", extra_env={ATTACHMENT_RULES_ENV: str(rules)}):
        seed(system)
        yield system


def seed(system: System) -> None:
    client = PortalClient(system.portal_url)
    try:
        for user in ("cdcs.dst", "ld.sontay", "ky.sontay"):
            client.login(user, PASSWORD)
        ids = []
        for name in ("Nguyễn Thị Thanh Hương", "Trần Quốc Khánh", "Lê Hoàng Phương Anh", "Tổ Kỹ thuật Cơ điện"):
            body: dict[str, Any] = {
                "unit_code": "HN-SONTAY-DST",
                "award_code": "giay_khen_ldld_huyen",
                "period": "2026",
                "nominee": {"kind": "individual", "name": name},
                "achievements": "Hoàn thành xuất sắc nhiệm vụ năm 2026, có sáng kiến được công nhận cấp cơ sở.",
            }
            body["attachments"] = attach_documents(client, "cdcs.dst", body)
            ids.append(client.submit("cdcs.dst", body)["id"])
        for nomination_id in ids[:2]:
            task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination_id)
            client.claim_and_decide("ld.sontay", task["id"], "approve", "Đủ điều kiện")
        client.sign_draft_of("ky.sontay", ids[0])
        client.wait_for("cdcs.dst", ids[0], lambda n: n["status"] == "granted", what="granted")
        for nomination_id in ids[2:]:
            client.task_in_queue("ld.sontay", "HN-SONTAY", nomination_id)
    finally:
        client.close()


def walk(page: Page, check: Callable[[str], None]) -> list[str]:
    """Every menu entry of the signed-in person, then the first detail page of each kind linked from those lists, each
    opened once and `check`ed as it stands; the pages walked."""
    menu = page.eval_on_selector_all("nav.main a", "links => links.map(a => a.getAttribute('href'))")
    assert menu, "no menu"
    details: dict[str, str] = {}
    for href in menu:
        page.goto(href)
        check(href)
        for link in page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))"):
            found = DETAIL.match(link)
            if found:
                details.setdefault(found.group(1).split("/")[0], link)
    for href in details.values():
        page.goto(href)
        check(href)
    return [*menu, *details.values()]


def overflow(page: Page) -> list[str]:
    """What makes the page wider than the screen, and each box in it that scrolls sideways (a table too wide)."""
    return list(
        page.evaluate(
            """() => {
                const root = document.documentElement, found = [];
                if (root.scrollWidth > root.clientWidth) {
                    found.push(`page ${root.scrollWidth}px > ${root.clientWidth}px`);
                    const past = [...document.querySelectorAll("body *")]
                        .filter(el => el.getBoundingClientRect().right > root.clientWidth + 1);
                    const innermost = past.filter(el => !past.some(other => other !== el && el.contains(other)));
                    for (const el of innermost.slice(0, 5)) {
                        const right = Math.round(el.getBoundingClientRect().right);
                        found.push(`${el.tagName.toLowerCase()}.${el.className} reaches ${right}px`);
                    }
                }
                for (const el of document.querySelectorAll("body *")) {
                    const style = getComputedStyle(el);
                    if (["auto", "scroll"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
                        found.push(
                            `${el.tagName.toLowerCase()}.${el.className} scrolls ${el.scrollWidth}px in ${el.clientWidth}px`);
                }
                return found;
            }"""
        )
    )


def test_screenshots_of_the_main_pages_on_a_phone_and_a_laptop(sign_in: SignIn) -> None:
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        approver = sign_in("ld.sontay", viewport=viewport)
        approver.goto("/hop-viec?unit=HN-SONTAY")
        shot_view(approver, f"{size}-queue")
        approver.goto(approver.locator("main table a[href^='/nhiem-vu/']").first.get_attribute("href") or "")
        shot_view(approver, f"{size}-task")
        submitter = sign_in("cdcs.dst", viewport=viewport)
        submitter.goto("/ho-so/moi")
        submitter.select_option("#f-award_code", "giay_khen_ldld_huyen")
        submitter.wait_for_selector("#attachment-fields")
        shot_view(submitter, f"{size}-nomination-form")
        submitter.goto("/ho-so")
        shot_view(submitter, f"{size}-dossiers")


def shot_view(page: Page, name: str) -> None:
    """The whole page, and on a phone also what the first screen shows (where the first row of a list starts)."""
    shot(page, name)
    if page.viewport_size == PHONE:
        Path(accessibility.ROOT / "test-artifacts" / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(accessibility.ROOT / "test-artifacts" / "screenshots" / f"{name}-first-screen.png"))


def test_the_first_row_of_the_queue_is_on_the_first_screen_of_a_phone(sign_in: SignIn) -> None:
    phone = sign_in("ld.sontay", viewport=PHONE)
    phone.goto("/hop-viec?unit=HN-SONTAY")
    expect(phone.locator("header.top .menu-toggle")).to_be_visible()
    first_row = phone.locator("main table tbody tr").first
    box = first_row.bounding_box()
    assert box is not None
    assert box["y"] < 0.8 * PHONE["height"], f"the first row starts {box['y']:.0f}px down a {PHONE['height']}px screen"
    # each cell of the card says which column it is
    expect(first_row.locator("td[data-label='Hạn xử lý']")).to_be_visible()
    assert overflow(phone) == []


def test_the_menu_folds_on_a_phone_opens_by_keyboard_and_stays_open_without_script(browser: Browser, sign_in: SignIn) -> None:
    phone = sign_in("ld.sontay", viewport=PHONE)
    toggle = phone.locator("header.top .menu-toggle")
    menu = phone.locator("#site-menu")
    expect(toggle).to_have_attribute("aria-controls", "site-menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    header = phone.locator("header.top").bounding_box()
    assert header is not None
    assert header["height"] < 80, header
    tab_to(phone, "header.top .menu-toggle")
    phone.keyboard.press("Enter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="Văn bản chờ ký")).to_be_visible()
    expect(menu.get_by_role("button", name="Đăng xuất")).to_be_visible()
    tab_to(phone, "nav.main summary")  # a group of the menu opens in place
    phone.keyboard.press("Enter")
    expect(menu.get_by_role("link", name="Giao ước")).to_be_visible()
    shot(phone, "phone-menu-open")
    tab_to(phone, "nav.main a[href='/giao-uoc']")
    phone.keyboard.press("Escape")  # closes the group
    phone.keyboard.press("Escape")  # folds the menu, the focus back on its button
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    assert phone.evaluate("document.activeElement.classList.contains('menu-toggle')")
    phone.keyboard.press("Space")
    expect(toggle).to_have_attribute("aria-expanded", "true")

    context = browser.new_context(viewport=PHONE, java_script_enabled=False, base_url=phone.url.split("/hop-viec")[0])
    try:
        plain = context.new_page()
        plain.goto("/")
        plain.fill("#username", "ld.sontay")
        plain.fill("#password", PASSWORD)
        plain.click("button[type=submit]")
        expect(plain.locator("header.top .menu-toggle")).to_be_hidden()
        expect(plain.locator("nav.main").get_by_role("link", name="Hộp việc")).to_be_visible()
        assert overflow(plain) == []
    finally:
        context.close()


AXE_RESULTS: list[accessibility.PageResult] = []


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_a_role_passes_axe_on_a_laptop_and_fits_a_phone_and_the_menu_keeps_to_one_row(
    sign_in: SignIn, username: str
) -> None:
    """One walk of the role's pages checks both: each page is opened once at laptop width for axe-core, then the
    window is narrowed to a phone's and nothing may scroll sideways (CSS lays the page out again: the menu folds,
    lists become cards; a part that folds on a phone only when the page opens narrow stays open, so the phone check
    sees more than a phone would first show, never less)."""
    assert accessibility.AXE.exists(), "axe-core is not installed: `make axe` (npm ci) installs it"
    page = sign_in(username)
    tops = page.eval_on_selector_all("nav.main > ul > li", "items => items.map(li => li.getBoundingClientRect().top)")
    assert tops, f"{username} has no menu"
    assert len(set(tops)) == 1, f"{username}: the menu wraps onto {len(set(tops))} rows"
    who = page.locator("header.top .who").bounding_box()
    assert who is not None
    assert who["height"] < 50, f"{username}: who is signed in takes {who}"

    results = []
    wide: dict[str, list[str]] = {}

    def check(href: str) -> None:
        results.append(accessibility.check(page, username))
        page.set_viewport_size(PHONE)
        try:  # the menu folds on the media query's change event: measured after the next frames
            page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            if found := overflow(page):
                wide[href] = found
        finally:
            page.set_viewport_size(DESKTOP)

    walk(page, check)
    if username == "ld.sontay":  # the menu opened on a phone, and a refused form showing its errors
        phone = sign_in(username, viewport=PHONE)
        phone.locator("header.top .menu-toggle").click()
        results.append(accessibility.check(phone, f"{username} (phone, menu open)"))
    if username == "cdcs.dst":
        page.goto("/ho-so/moi")
        page.select_option("#f-award_code", "giay_khen_ldld_huyen")
        page.wait_for_selector("#attachment-fields")
        page.get_by_role("button", name="Nộp hồ sơ").click()
        expect(page.locator(".error-summary")).to_be_visible()
        results.append(accessibility.check(page, f"{username} (form refused)"))
    AXE_RESULTS[:] = [r for r in AXE_RESULTS if r.role.split()[0] != username] + results
    accessibility.write_report(AXE_RESULTS)
    blocking = [r for r in results if r.blocking]
    problems = [f"{href} scrolls sideways on a phone: {found}" for href, found in wide.items()]
    problems += accessibility.describe(blocking).splitlines()
    assert problems == [], f"{username}:\n" + "\n".join(problems)


def focus_ring(page: Page) -> str:
    """The focused element and, if it shows no focus ring (outline or box-shadow), why."""
    return str(
        page.evaluate(
            """() => {
                const el = document.activeElement, style = getComputedStyle(el);
                if (el === document.body) return "";  // past the last element: the next Tab starts again at the top
                const text = (el.textContent || el.name || "").trim().slice(0, 40);
                const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} “${text}”`;
                const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
                const ring = outline || style.boxShadow !== "none";
                return ring ? "" : `${name} has no visible focus`;
            }"""
        )
    )


def tab_to(page: Page, selector: str, *, limit: int = 200) -> None:
    """Press Tab until the focus is on `selector` (round the page if it is above); every element the focus passes
    shows a focus ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
        problem = focus_ring(page)
        assert not problem, problem
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


def choose_file_by_keyboard(page: Page, selector: str, path: Path) -> None:
    """Tab to a file input and open its chooser with Space. On a loaded machine the key can reach the page before the
    input is ready to open a chooser (nothing opens): Tab back to it and press Space again, at most three times."""
    for _ in range(3):
        if not page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            tab_to(page, selector)
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")  # the file input opens the chooser from the keyboard
        except PlaywrightTimeoutError:
            continue
        chooser.value.set_files(str(path))
        return
    raise AssertionError(f"Space on {selector} never opened the file chooser")


def sign_in_by_keyboard(browser: Browser, base_url: str, username: str, contexts: list[Any]) -> Page:
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=base_url)
    context.set_default_timeout(15_000)
    contexts.append(context)
    page = context.new_page()
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "username"  # the field has the focus on arrival
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("header.top .who .name")).to_be_visible()
    return page


def test_a_nomination_is_filed_and_approved_at_the_district_by_keyboard_alone(
    browser: Browser, console: System, tmp_path: Path
) -> None:
    name = "Vũ Thị Bàn Phím"
    files = {
        "to_trinh": ("Tờ trình.pdf", sample_pdf("Tờ trình đề nghị tặng Giấy khen")),
        "bao_cao_thanh_tich": ("Báo cáo thành tích.pdf", sample_pdf("Báo cáo thành tích năm 2026")),
        "bien_ban_hop": ("Biên bản họp.png", sample_png()),
    }
    contexts: list[Any] = []
    try:
        submitter = sign_in_by_keyboard(browser, console.portal_url, "cdcs.dst", contexts)
        tab_to(submitter, "nav.main a[href='/ho-so/moi']")
        submitter.keyboard.press("Enter")
        expect(submitter.locator("h1")).to_have_text(re.compile("Nộp hồ sơ"))
        tab_to(submitter, "#f-award_code")
        for _ in range(80):  # the arrow keys move through the awards; the form asks for each award's own fields
            if submitter.evaluate("document.activeElement.value") == "giay_khen_ldld_huyen":
                break
            submitter.keyboard.press("ArrowDown")
        assert submitter.evaluate("document.activeElement.value") == "giay_khen_ldld_huyen"
        expect(submitter.locator("#attachment-fields .required")).to_have_count(3)
        expect(submitter.locator("input[name='nominee.name']")).to_be_visible()
        tab_to(submitter, "#f-period")
        submitter.keyboard.press("Control+A")
        submitter.keyboard.type("2026")
        tab_to(submitter, "input[name='nominee.name']")
        submitter.keyboard.type(name)
        tab_to(submitter, "#f-achievements")
        submitter.keyboard.type("Hoàn thành xuất sắc nhiệm vụ năm 2026, có sáng kiến được công nhận cấp cơ sở.")
        for document, (filename, data) in files.items():
            path = tmp_path / filename
            path.write_bytes(data)
            choose_file_by_keyboard(submitter, f"#f-file-{document}", path)
        tab_to(submitter, "form.card button[type=submit]")
        submitter.keyboard.press("Enter")
        expect(submitter.locator(".flash.ok")).to_contain_text(f"Đã nộp hồ sơ của {name}")
        expect(submitter.locator("#attachments tbody tr")).to_have_count(3)
        nomination_id = submitter.url.rsplit("/", 1)[-1]

        client = PortalClient(console.portal_url)  # waiting (not acting) until the dossier reaches the district over NATS
        try:
            client.login("ld.sontay", PASSWORD)
            client.task_in_queue("ld.sontay", "HN-SONTAY", nomination_id)
        finally:
            client.close()
        approver = sign_in_by_keyboard(browser, console.portal_url, "ld.sontay", contexts)
        expect(approver).to_have_url(re.compile("/hop-viec"))
        tab_to(approver, "#q")
        approver.keyboard.type(name)
        approver.keyboard.press("Enter")  # the filters are a form: Enter sends it
        expect(approver.locator("main table tbody tr")).to_have_count(1)
        tab_to(approver, "main table a[href^='/nhiem-vu/']")
        approver.keyboard.press("Enter")
        expect(approver.locator("h1")).to_contain_text(name)
        tab_to(approver, "#task-status button[type=submit]")
        approver.keyboard.press("Enter")
        expect(approver.locator(".flash.ok")).to_contain_text("Bạn đã nhận xử lý")
        if approver.locator("#council-blocking").count():  # this level's council votes first
            for field, value in (("#f-members", "9"), ("#f-present", "9"), ("#f-votes_for", "9"), ("#f-votes_against", "0")):
                tab_to(approver, field)
                approver.keyboard.type(value)
            tab_to(approver, "#council-form input[name=secret_ballot]")
            approver.keyboard.press("Space")
            assert approver.locator("#council-form input[name=secret_ballot]").is_checked()
            tab_to(approver, "#council-form button[type=submit]")
            approver.keyboard.press("Enter")
            expect(approver.locator("#council-result")).to_contain_text("Đạt")
        tab_to(approver, "input[name=action]")  # the group of choices takes the focus on its chosen one
        assert approver.evaluate("document.activeElement.value") == "approve"
        assert approver.locator("input[name=action][value=approve]").is_checked()
        tab_to(approver, "#f-comment")
        approver.keyboard.type("Đồng ý, đủ tiêu chuẩn")
        tab_to(approver, "#buoc-quyet-dinh button[type=submit]")
        approver.keyboard.press("Enter")
        expect(approver.locator(".flash.ok")).to_contain_text(f"Đã đồng ý hồ sơ của {name}")
        shot(approver, "keyboard-approved")
    finally:
        for context in contexts:
            context.close()
