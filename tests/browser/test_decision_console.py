"""A decision in the console: the PDF link, its certificates (văn bằng), the revocation form with its field error,
the recovery of the prize, and the nomination that shows it was revoked."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from shared.contracts.values import VIETNAM_TZ
from tests.browser.conftest import open_menu, shot
from tests.browser.test_console import decide, file_nomination, open_task, sign_draft, wait_for_status
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]


@pytest.fixture(scope="module")
def console(shared_console: System) -> System:
    """The browser files' shared system: this file's decisions are its own nominees' (names no other file uses)."""
    return shared_console


def pdf_file(page: Page) -> bytes:
    with page.expect_download() as download:
        page.click("#pdf-link")
    data = download.value.path().read_bytes()
    assert data.startswith(b"%PDF"), data[:20]
    return data


def certificates_file(page: Page, link: str) -> pypdf.PdfReader:
    with page.expect_download() as download:
        page.click(link)
    return pypdf.PdfReader(io.BytesIO(download.value.path().read_bytes()))


def pdf_text(page: Page) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf_file(page))).pages).split())


def test_anyone_checks_a_signed_decision_at_xac_thuc_and_an_altered_copy_is_refused(
    sign_in: SignIn, browser: Browser, console: System, tmp_path: Path
) -> None:
    submitter = sign_in("cdcs.dst")
    nomination_id = file_nomination(submitter, "Lưu Thị Xác", "giay_khen_ldld_huyen")
    district = sign_in("ld.sontay")
    open_task(district, "HN-SONTAY", "Lưu Thị Xác")
    decide(district, "approve", "Đồng ý khen thưởng")
    sign_draft(sign_in("ky.sontay"), "Lưu Thị Xác")
    wait_for_status(submitter, nomination_id, "Đã khen thưởng")
    submitter.click("text=Xem quyết định")
    signed = tmp_path / "quyet-dinh.pdf"
    signed.write_bytes(pdf_file(submitter))
    at = signed.read_bytes().index(b"/Producer") + 2
    data = signed.read_bytes()
    altered = tmp_path / "quyet-dinh-da-sua.pdf"
    altered.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])

    visitor = browser.new_page(base_url=console.portal_url, locale="vi-VN")  # not signed in
    visitor.goto("/dang-nhap")
    visitor.click("#verify-link a")
    expect(visitor).to_have_url(re.compile("/xac-thuc$"))
    visitor.set_input_files("#v-file", str(signed))
    visitor.click("#verify-form button[type=submit]")
    expect(visitor.locator("#verify-verdict")).to_contain_text("Văn bản hợp lệ")
    expect(visitor.locator("#signature-1")).to_contain_text("Đỗ Văn Minh")
    expect(visitor.locator("#signature-1")).to_contain_text("Liên đoàn Lao động thị xã Sơn Tây")
    shot(visitor, "verify-01-valid")
    visitor.set_input_files("#v-file", str(altered))
    visitor.click("#verify-form button[type=submit]")
    expect(visitor.locator("#verify-verdict")).to_contain_text("đã bị thay đổi")
    shot(visitor, "verify-02-altered")
    visitor.close()


def test_an_approver_downloads_the_pdf_revokes_the_decision_with_a_reason_and_records_the_recovered_prize(
    sign_in: SignIn,
) -> None:
    submitter = sign_in("cdcs.dst")
    nomination_id = file_nomination(submitter, "Kiều Văn Thắng", "giay_khen_ldld_huyen")
    district = sign_in("ld.sontay")
    open_task(district, "HN-SONTAY", "Kiều Văn Thắng")
    decide(district, "approve", "Đồng ý khen thưởng")
    sign_draft(sign_in("ky.sontay"), "Kiều Văn Thắng")
    wait_for_status(submitter, nomination_id, "Đã khen thưởng")
    submitter.click("text=Xem quyết định")
    decision_url = submitter.url
    expect(submitter.locator("#revoke-form")).to_have_count(0)  # a submitter may read it, not revoke it
    text = pdf_text(submitter)
    number = re.search(r"Số: (\d+/QĐ-LĐLĐ)", text)
    assert number, text
    assert "Kiều Văn Thắng" in text
    assert "Liên đoàn Lao động thị xã Sơn Tây".upper() in text
    # Its certificate (văn bằng): the whole decision's, and the nominee's own from its row, one landscape A4 page
    for link in ("#certificates-link", "td.certificate a"):
        [page] = certificates_file(submitter, link).pages
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (842, 595)
        assert "Kiều Văn Thắng" in page.extract_text()
        assert f"Số vào sổ: {number.group(1)} – 1" in " ".join(page.extract_text().split())

    district.goto(decision_url)
    expect(district.locator("#decision-status")).to_have_text("Đã ban hành")
    district.on("dialog", lambda d: d.accept())
    district.fill("#f-reason", "sai")
    district.click("button:has-text('Thu hồi quyết định')")
    expect(district.locator("#err-reason")).to_contain_text("ít nhất 10 ký tự")
    district.fill("#f-reason", "Khai man số ngày công trong báo cáo thành tích")
    district.click("button:has-text('Thu hồi quyết định')")
    expect(district.locator(".flash.ok")).to_contain_text(f"Đã lập quyết định thu hồi quyết định số {number.group(1)}")
    expect(district.locator("#decision-status")).to_have_text("Đang chờ ký quyết định thu hồi")
    expect(district.locator("#revocation-pending")).to_be_visible()
    expect(district.locator("#revoke-form")).to_have_count(0)  # asked once
    expect(district.locator("#certificates-link")).to_have_count(1)  # it stands until its revocation is signed

    sign_draft(sign_in("ky.sontay"), "Kiều Văn Thắng")  # the Chủ tịch signs the revocation decision
    district.goto(decision_url)
    expect(district.locator("#decision-status")).to_have_text("Đã thu hồi")
    revoked_in = district.locator("#revoked-in")
    revocation_number = re.search(r"(\d+/QĐ-LĐLĐ)", revoked_in.inner_text())
    assert revocation_number, revoked_in.inner_text()
    revoked_in.click()
    expect(district.locator("article.doc")).to_contain_text(f"Về việc thu hồi Quyết định số {number.group(1)}")
    expect(district.locator("#revokes")).to_contain_text(f"Quyết định số {number.group(1)}")
    revocation_text = pdf_text(district)  # the revocation decision as its officer signed it
    assert f"Số: {revocation_number.group(1)}" in revocation_text
    assert "Khai man số ngày công trong báo cáo thành tích" in " ".join(revocation_text.split())
    shot(district, "22-revocation-decision")
    district.click("#revokes a")
    expect(district.locator("#decision-status")).to_have_text("Đã thu hồi")
    expect(district.locator("#revocation")).to_contain_text("Khai man số ngày công trong báo cáo thành tích")
    expect(district.locator("td.recovery")).to_contain_text("Phải thu hồi")
    expect(district.locator("article.doc .stamp")).to_have_text("ĐÃ THU HỒI")
    expect(district.locator("#certificates-link")).to_have_count(0)  # a revoked decision prints no certificates
    shot(district, "20-decision-revoked")
    revoked_text = pdf_text(district)  # the file as its officer signed it: a revocation never alters a signed file
    assert "ĐÃ THU HỒI" not in revoked_text
    assert "Kiều Văn Thắng" in revoked_text

    district.click("button:has-text('Ghi nhận đã thu hồi')")
    expect(district.locator(".flash.ok")).to_contain_text("Đã ghi nhận thu hồi tiền thưởng")
    expect(district.locator("td.recovery")).to_contain_text("Đã thu hồi")
    expect(district.locator("#revocation")).to_contain_text("Đã thu hồi đủ tiền thưởng")

    district.goto("/quyet-dinh?status=revoked")
    expect(district.locator("tr.revoked").get_by_role("link", name=number.group(1))).to_be_visible()
    district.goto("/quyet-dinh?status=issued")
    expect(district.get_by_role("link", name=number.group(1), exact=True)).to_have_count(0)

    wait_for_status(submitter, nomination_id, "Đã thu hồi quyết định")
    expect(submitter.locator("#revoked-note")).to_contain_text("Khai man số ngày công trong báo cáo thành tích")
    expect(submitter.locator("ol.timeline")).to_contain_text("Thu hồi quyết định khen thưởng")
    shot(submitter, "21-nomination-revoked")


def test_a_state_title_ends_in_a_proposal_that_the_submitter_reads_without_prize_or_revoke_form(sign_in: SignIn) -> None:
    submitter = sign_in("cdcs.dst")
    nomination_id = file_nomination(submitter, "Vương Thị Yến", "chien_si_thi_dua_cap_tinh")
    for user, unit in (("ld.sontay", "HN-SONTAY"), ("ld.hanoi", "HN")):
        approver = sign_in(user)
        open_task(approver, unit, "Vương Thị Yến")
        decide(approver, "approve", "Đồng ý đề nghị")
    sign_draft(sign_in("ky.hanoi"), "Vương Thị Yến")  # the tờ trình is signed by LĐLĐ TP's Chủ tịch
    wait_for_status(submitter, nomination_id, "Đã trình cấp có thẩm quyền")
    expect(submitter.locator(".card").first).to_contain_text("Đã trình cấp có thẩm quyền: tờ trình số")
    submitter.click("text=Xem tờ trình")
    proposal_page = submitter.url
    expect(submitter.locator("article.doc h2")).to_contain_text("TỜ TRÌNH")
    expect(submitter.locator("article.doc")).to_contain_text("Kính gửi: Ủy ban nhân dân thành phố Hà Nội")
    expect(submitter.locator("article.doc")).not_to_contain_text("chưa xác nhận")  # catalogue notes are not printed
    expect(submitter.locator("article.doc")).not_to_contain_text("đã ký")
    expect(submitter.locator("td.entry-status")).to_have_text("Đã đề nghị Bộ trưởng, Chủ tịch UBND tỉnh")
    expect(submitter.locator("article.doc")).not_to_contain_text("Tiền thưởng")
    expect(submitter.locator("#revoke-form")).to_have_count(0)
    shot(submitter, "22-proposal")
    assert "TỜ TRÌNH" in pdf_text(submitter)
    number = re.search(r"Số: (\d+/TTr-LĐLĐ)", submitter.locator("article.doc").inner_text())
    assert number, submitter.locator("article.doc").inner_text()

    city = sign_in("ld.hanoi")  # LĐLĐ TP's register of outgoing documents lists the tờ trình among its decisions
    open_menu(city, "Sổ văn bản đi")
    line = city.locator("#outgoing tr", has=city.get_by_role("link", name=number.group(1), exact=True))
    expect(line).to_contain_text("Tờ trình")
    expect(line).to_contain_text("Về việc đề nghị tặng")
    expect(line).to_contain_text("Ủy ban nhân dân thành phố Hà Nội")
    shot(city, "23-outgoing-register")
    with city.expect_download() as download:
        city.click("#outgoing-xlsx")
    assert download.value.suggested_filename.startswith("so-van-ban-di-HN-")

    # The state's answer arrives: LĐLĐ TP records it on the tờ trình's page; the submitter reads it on the dossier
    city.goto(proposal_page)
    expect(city.locator("#outcome-form")).to_be_visible()
    submitter.goto(proposal_page)
    expect(submitter.locator("#outcome-form")).to_have_count(0)  # the CĐCS reads it, the sender records it
    city.fill("#f-number", "1234/QĐ-UBND")
    city.fill("#f-decided-on", "2000-01-01")  # not how dates are typed here
    city.click("#outcome-form button[type=submit]")
    expect(city.locator("#err-decided_on")).to_contain_text("dd/mm/yyyy")
    city.fill("#f-decided-on", "01/01/2000")
    city.click("#outcome-form button[type=submit]")
    expect(city.locator("#err-decided_on")).to_contain_text("trước ngày tờ trình")  # named next to its field
    city.fill("#f-authority", "Chủ tịch Ủy ban nhân dân thành phố Hà Nội")
    city.fill("#f-decided-on", datetime.now(VIETNAM_TZ).date().strftime("%d/%m/%Y"))
    city.click("#outcome-form button[type=submit]")
    expect(city.locator("#state-outcome")).to_contain_text("Quyết định số 1234/QĐ-UBND")
    expect(city.locator("#state-outcome")).to_contain_text("1 được khen thưởng")
    expect(city.locator("td.entry-status")).to_have_text("Cấp có thẩm quyền đã khen thưởng")
    expect(city.locator("#outcome-form")).to_have_count(0)
    shot(city, "24-state-outcome")
    wait_for_status(submitter, nomination_id, "Đã khen thưởng")
    expect(submitter.locator("#state-outcome")).to_contain_text("Được khen thưởng theo Quyết định số 1234/QĐ-UBND")
