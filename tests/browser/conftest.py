"""Browser tests: real headless Chromium (Debian's package) driven by Playwright, against the system
started as `make run` starts it, on free ports. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from shared.platform.settings import SERVICES
from tests.e2e.conftest import PASSWORD, SharedSystems, start_system
from thidua.system import System

CHROMIUM = os.environ.get("THIDUA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def shared_consoles(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedSystems]:
    systems = SharedSystems(tmp_path_factory.mktemp("shared-console"))
    yield systems
    systems.stop()


@pytest.fixture(scope="module")
def shared_console(shared_consoles: SharedSystems) -> System:
    """One system for every browser file that only adds data of its own (its own nominees, people, councils, under
    names no other file uses) and never stops, re-clocks or locks anything: started on first use in this test process
    (one per xdist worker), stopped when the process moves on to tests that need no system, or at its end. Such a file
    asks for it by naming it its `console`: `def console(shared_console: System) -> System: return shared_console`
    (module scope); every other file starts a system of its own (`console` below). A test on it asserts on what it
    made, never on totals or on being first."""
    return shared_consoles.get("sqlite")


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of the module's own, for a file that changes what others would see (stops a service, locks an
    account, changes a person's preferences, counts what a list holds)."""
    base = tmp_path_factory.mktemp("console")
    for s in SERVICES:
        (base / s).mkdir()
    yield from start_system(base, "sqlite")


@pytest.fixture(scope="module")
def browser(console: System) -> Iterator[Browser]:
    """Started after the system: Playwright's sync API runs an event loop in this thread, and the
    system's start-up (migrations) needs its own."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def sign_in(browser: Browser, console: System) -> Iterator[Callable[..., Page]]:
    contexts = []

    def open_as(username: str, *, viewport: ViewportSize = DESKTOP) -> Page:
        context = browser.new_context(
            viewport=viewport, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=console.portal_url
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/")
        page.fill("#username", username)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def record_council(page: Page, *, members: int = 9, present: int = 9, votes_for: int = 9, votes_against: int = 0) -> None:
    """Fill the council form on the task page (one meeting of the unit holding the task) and submit it."""
    form = page.locator("#council-form")
    form.locator("#f-members").fill(str(members))
    form.locator("#f-present").fill(str(present))
    form.locator("#f-votes_for").fill(str(votes_for))
    form.locator("#f-votes_against").fill(str(votes_against))
    form.locator("input[name=secret_ballot]").check()
    form.get_by_role("button", name="Ghi nhận kết quả biểu quyết").click()


def open_menu(page: Page, label: str) -> None:
    """Follow a menu entry, first opening the group of the menu (Thi đua, Sổ sách) it sits under."""
    link = page.locator("nav.main").get_by_role("link", name=label, exact=True)
    group = page.locator("nav.main details", has=page.get_by_role("link", name=label, exact=True, include_hidden=True))
    if group.count() and not group.first.evaluate("details => details.open"):
        group.first.locator("summary").click()
    link.click()
