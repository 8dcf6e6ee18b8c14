"""The emulation pages in Chromium: a CĐCS registers its pledge and the direct superior confirms it; a nomination
for a campaign outside its window is refused with the dates on the campaign field."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import open_menu, shot


def test_a_pledge_is_registered_by_the_cdcs_and_confirmed_by_its_direct_superior(sign_in: Callable[..., Page]) -> None:
    cdcs = sign_in("cdcs.dst")
    open_menu(cdcs, "Giao ước")
    expect(cdcs.locator("h1")).to_have_text("Đăng ký giao ước thi đua")
    cdcs.fill("#f-year", "2027")
    cdcs.select_option("#f-targets-0-award_code", "giay_khen_ldld_huyen")
    cdcs.fill("#f-targets-0-count", "3")
    cdcs.select_option("#f-targets-1-award_code", "cong_nhan_gioi_thu_do")
    cdcs.fill("#f-targets-1-count", "1")
    cdcs.fill("#f-note", "100% đoàn viên đăng ký thi đua; 2 sáng kiến cấp cơ sở.")
    shot(cdcs, "emulation-01-pledge-form")
    cdcs.click("button:has-text('Đăng ký giao ước')")
    expect(cdcs.locator(".flash.ok")).to_contain_text("Đã đăng ký giao ước thi đua năm 2027")
    row = cdcs.locator("tr[data-pledge='HN-SONTAY-DST-2027']")
    expect(row).to_contain_text("Chờ cấp trên xác nhận")
    expect(row).to_contain_text("Công nhân giỏi Thủ đô: 1")

    # Late for the current year: no source gives the 31/3 deadline (`confirmed = false`), so the pledge is taken, flagged.
    cdcs.fill("#f-year", "2026")
    cdcs.select_option("#f-targets-0-award_code", "giay_khen_ldld_huyen")
    cdcs.fill("#f-targets-0-count", "3")
    cdcs.click("button:has-text('Đăng ký giao ước')")
    expect(cdcs.locator(".flash.ok")).to_contain_text("Đã đăng ký giao ước thi đua năm 2026")
    expect(cdcs.locator("tr[data-pledge='HN-SONTAY-DST-2026']")).to_contain_text("đăng ký muộn")
    expect(cdcs.locator("main")).to_contain_text("đăng ký sau hạn được nhận")

    district = sign_in("ld.sontay")
    district.goto("/giao-uoc")
    row = district.locator("tr[data-pledge='HN-SONTAY-DST-2027']")
    expect(row).to_contain_text("Chờ cấp trên xác nhận")
    row.get_by_role("button", name="Xác nhận").click()
    expect(district.locator(".flash.ok")).to_contain_text("Đã xác nhận giao ước thi đua năm 2027")
    expect(district.locator("tr[data-pledge='HN-SONTAY-DST-2027']")).to_contain_text("Đã xác nhận")
    shot(district, "emulation-02-pledge-confirmed")

    other = sign_in("ld.thanhxuan")
    other.goto("/giao-uoc")
    expect(other.locator("tr[data-pledge='HN-SONTAY-DST-2027']")).to_have_count(0)


def test_a_nomination_outside_the_campaign_window_shows_the_dates_on_the_campaign_field(sign_in: Callable[..., Page]) -> None:
    city = sign_in("ld.hanoi")
    city.goto("/dot-thi-dua")
    row = city.locator("tr[data-campaign='HN-2023-CAO-DIEM-150']")
    expect(row).to_contain_text("80/KH-LĐLĐ")
    expect(row).to_contain_text("01/05/2023 – 30/09/2023")
    expect(row).to_contain_text("Chủ tịch công đoàn cơ sở tiêu biểu: 0/10")
    shot(city, "emulation-03-campaigns")

    cdcs = sign_in("cdcs.dst")
    cdcs.goto("/ho-so/moi")
    cdcs.select_option("#f-award_code", "cong_nhan_gioi_thu_do")
    cdcs.wait_for_selector("input[name='nominee.name']")
    cdcs.fill("#f-period", "2026")
    cdcs.select_option("#f-campaign_code", "HN-2023-CAO-DIEM-150")
    cdcs.fill("input[name='nominee.name']", "Trần Văn Đợt")
    cdcs.fill("#f-achievements", "Hoàn thành xuất sắc 150 ngày đêm thi đua cao điểm, 2 sáng kiến được công nhận.")
    cdcs.click("button:has-text('Nộp hồ sơ')")
    error = cdcs.locator("#err-campaign_code")
    expect(error).to_contain_text("nhận hồ sơ từ 01/05/2023 đến 30/09/2023")
    expect(cdcs.locator("#f-campaign_code")).to_have_attribute("aria-invalid", "true")
    expect(cdcs.locator("#f-campaign_code")).to_have_value("HN-2023-CAO-DIEM-150")
    shot(cdcs, "emulation-04-campaign-window-refused")


def test_a_district_groups_its_cdcs_into_a_cluster_and_records_the_leading_member(sign_in: Callable[..., Page]) -> None:
    district = sign_in("ld.sontay")
    open_menu(district, "Cụm thi đua")
    district.fill("#f-code", "SONTAY-CUM-1")
    district.fill("#f-name", "Cụm thi đua số 1 thị xã Sơn Tây")
    district.select_option("#f-parent_unit_code", "HN-SONTAY")
    members = district.locator("#cluster-members input[name=members]")
    offered = set(members.evaluate_all("boxes => boxes.map(b => b.value)"))
    assert {"HN-SONTAY-DST", "HN-SONTAY-THPTSONTAY"} <= offered
    assert not [code for code in offered if not code.startswith("HN-SONTAY-")]  # only units under the district
    for code in ("HN-SONTAY-DST", "HN-SONTAY-THPTSONTAY"):
        district.locator(f"#cluster-members input[value='{code}']").check()
    district.fill("#f-valid_from", "2026-01-01")  # not how dates are typed here
    district.click("button:has-text('Lập cụm')")
    expect(district.locator("#err-valid_from")).to_contain_text("dd/mm/yyyy")
    expect(district.locator("#cluster-members input[value='HN-SONTAY-THPTSONTAY']")).to_be_checked()  # kept
    district.fill("#f-valid_from", "01/01/2026")  # dd/mm/yyyy, as on every other page
    district.click("button:has-text('Lập cụm')")
    expect(district.locator(".flash.ok")).to_contain_text("Đã lập “Cụm thi đua số 1 thị xã Sơn Tây”")
    cluster = district.locator("section[data-cluster='SONTAY-CUM-1']")
    expect(cluster).to_contain_text("Chưa có kết quả bình xét, suy tôn.")
    cluster.locator("input[name=year]").fill("2026")
    cluster.locator("input[name=leaders][value='HN-SONTAY-DST']").check()
    cluster.locator("input[name=note]").fill("Biên bản hội nghị cụm ngày 10/12/2026")
    cluster.get_by_role("button", name="Ghi kết quả").click()
    expect(district.locator(".flash.ok")).to_contain_text("Đã ghi kết quả suy tôn năm 2026")
    expect(district.locator("section[data-cluster='SONTAY-CUM-1']")).to_contain_text(
        "Năm 2026: dẫn đầu cụm — Công đoàn Công ty CP tập đoàn DST"
    )
    shot(district, "emulation-05-cluster-vote")
