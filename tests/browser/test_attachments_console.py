"""Dossier attachments in a real browser: file inputs per document of the award, a missing required file shown on its
field (the files already chosen kept), the dossier and the approver's task listing the files, and the download."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.browser.conftest import shot
from tests.e2e.conftest import PASSWORD, start_system
from tests.samples import sample_pdf, sample_png
from thidua.client import ApiError, PortalClient
from thidua.demo_documents import attach_documents
from thidua.system import System

pytestmark = pytest.mark.e2e

SignIn = Callable[..., Page]
ENFORCED = """
[[rules]]
effective_from = 2024-01-01
max_file_bytes = 10_485_760
max_files = 20
max_total_bytes = 52_428_800
allowed_types = ["pdf", "jpeg", "png", "docx", "xlsx"]
require_documents = true
source = "browser test: required documents enforced"
"""


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """The system as `make run` starts it, with required documents enforced (the shipped rules start in 2027)."""
    base = tmp_path_factory.mktemp("attachments-console")
    for s in SERVICES:
        (base / s).mkdir()
    rules = base / "attachments.toml"
    rules.write_text(ENFORCED)
    yield from start_system(base, "sqlite", extra_env={ATTACHMENT_RULES_ENV: str(rules)})


def test_files_per_document_a_missing_one_on_its_field_and_the_approver_downloads(
    sign_in: SignIn, console: System, tmp_path: Path
) -> None:
    to_trinh = tmp_path / "Tờ trình đề nghị.pdf"
    to_trinh.write_bytes(sample_pdf("Tờ trình đề nghị tặng Giấy khen"))
    bao_cao = tmp_path / "Báo cáo thành tích.pdf"
    bao_cao.write_bytes(sample_pdf("Báo cáo thành tích năm 2026"))
    bien_ban = tmp_path / "bien-ban-hop.png"
    bien_ban.write_bytes(sample_png())
    program = tmp_path / "bien-ban.pdf"
    program.write_bytes(b"MZ" + b"\x00" * 200)

    page = sign_in("cdcs.dst")
    page.goto("/ho-so/moi")
    page.select_option("#f-award_code", "giay_khen_ldld_huyen")
    page.wait_for_selector("#attachment-fields")
    expect(page.locator("#attachment-fields .required")).to_have_count(3)
    expect(page.locator("#attachment-fields [data-document=to_trinh]")).to_contain_text("Tờ trình đề nghị khen thưởng")
    expect(page.locator("#attachment-fields [data-document=to_trinh]")).to_contain_text("bắt buộc")
    page.fill("#f-period", "2026")
    page.fill("input[name='nominee.name']", "Phùng Văn Khải")
    page.fill("#f-achievements", "Hoàn thành xuất sắc nhiệm vụ năm 2026, có sáng kiến được công nhận cấp cơ sở.")
    page.set_input_files("#f-file-to_trinh", str(to_trinh))
    page.set_input_files("#f-file-bao_cao_thanh_tich", str(bao_cao))
    page.set_input_files("#f-file-bien_ban_hop", str(program))
    page.click("button:has-text('Nộp hồ sơ')")

    # a program named .pdf is refused on its own field; the other two files were kept
    expect(page.locator("#err-attachments-bien_ban_hop")).to_contain_text("chương trình")
    expect(page.locator("[data-document=to_trinh] .kept-file")).to_contain_text("Tờ trình đề nghị.pdf")
    page.click("button:has-text('Nộp hồ sơ')")
    expect(page.locator("#err-attachments-bien_ban_hop")).to_contain_text(
        "Thiếu tài liệu bắt buộc: Biên bản họp Hội đồng Thi đua – Khen thưởng"
    )
    expect(page.locator("[data-document=bao_cao_thanh_tich] .kept-file")).to_contain_text("Báo cáo thành tích.pdf")
    shot(page, "attachments-01-missing-required")

    page.set_input_files("#f-file-bien_ban_hop", str(bien_ban))
    page.click("button:has-text('Nộp hồ sơ')")
    expect(page.locator(".flash.ok")).to_contain_text("Đã nộp hồ sơ của Phùng Văn Khải")
    match = re.search(r"/ho-so/([0-9a-f-]{36})$", page.url)
    assert match, page.url
    rows = page.locator("#attachments tbody tr")
    expect(rows).to_have_count(3)
    expected_sha = hashlib.sha256(to_trinh.read_bytes()).hexdigest()
    expect(page.locator("#attachments tr[data-document=to_trinh]")).not_to_contain_text(expected_sha[:12])  # admins'
    expect(page.locator("#attachments tr[data-document=bien_ban_hop]")).to_contain_text("B")
    shot(page, "attachments-02-dossier")
    dossier_url = page.url
    admin = sign_in("admin")  # the digest of each file the service keeps, for those who check the files
    admin.goto(dossier_url)
    expect(admin.locator("#attachments tr[data-document=to_trinh]")).to_contain_text(expected_sha[:12])

    approver = sign_in("ld.sontay")
    for _ in range(100):  # the nomination reaches the district's queue over NATS
        approver.goto("/hop-viec?unit=HN-SONTAY&q=Phùng Văn Khải")
        link = approver.get_by_role("link", name="Phùng Văn Khải", exact=True)
        if link.count():
            link.first.click()
            break
        approver.wait_for_timeout(100)
    expect(approver.locator("#attachments tbody tr")).to_have_count(3)
    shot(approver, "attachments-03-task")
    with approver.expect_download() as download:
        approver.locator("#attachments tr[data-document=to_trinh] a").click()
    assert download.value.suggested_filename == "Tờ trình đề nghị.pdf"
    assert hashlib.sha256(download.value.path().read_bytes()).hexdigest() == expected_sha

    # someone outside the nomination's path is refused by registration
    outsider = sign_in("ld.thanhxuan")
    attachment_href = approver.locator("#attachments tr[data-document=to_trinh] a").get_attribute("href")
    assert attachment_href
    response = outsider.request.get(attachment_href)
    assert response.status == 403


def test_the_json_api_uploads_submits_with_staged_ids_and_downloads_the_same_bytes(console: System) -> None:
    """The same flow for API clients: multipart upload, staged ids per document type, download with the checksum."""
    client = PortalClient(console.portal_url)
    try:
        for user in ("cdcs.dst", "ld.sontay", "ld.thanhxuan"):
            client.login(user, PASSWORD)
        body: dict[str, Any] = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "giay_khen_ldld_huyen",
            "period": "2026",
            "nominee": {"kind": "individual", "name": "Tạ Minh Châu"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm 2026, có sáng kiến được công nhận cấp cơ sở.",
        }
        # the declared length alone refuses an upload over 10 MB, before the body is read
        big = client.http.post(
            "/api/v1/attachments",
            headers=client.auth("cdcs.dst"),
            files={"file": ("to-trinh.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 + 100 * 1024), "application/pdf")},
        )
        assert big.status_code == 413
        assert big.json()["code"] == "upload_too_large"
        assert big.json()["fields"][0]["field"] == "file"
        with pytest.raises(ApiError) as wrong:
            client.upload("cdcs.dst", "to-trinh.docx", sample_pdf(), "application/pdf")
        assert wrong.value.problem["code"] == "attachment_extension_mismatch"

        pdf = sample_pdf("Tờ trình gửi qua API")
        staged = client.upload("cdcs.dst", "to-trinh.pdf", pdf)
        assert staged["sha256"] == hashlib.sha256(pdf).hexdigest()
        assert (staged["size"], staged["media_type"], staged["type"]) == (len(pdf), "application/pdf", "pdf")

        with pytest.raises(ApiError) as missing:
            client.submit("cdcs.dst", {**body, "attachments": [{"document_type": "to_trinh", "staged_id": staged["staged_id"]}]})
        assert missing.value.status == 422
        assert missing.value.problem["code"] == "missing_documents"
        fields = {f["field"] for f in missing.value.problem["fields"]}
        assert fields == {"attachments.bao_cao_thanh_tich", "attachments.bien_ban_hop"}

        body["attachments"] = attach_documents(client, "cdcs.dst", body)
        created = client.submit("cdcs.dst", body)
        assert created["missing_documents"] == []
        first = created["attachments"][0]
        downloaded = client.http.get(
            f"/api/v1/nominations/{created['id']}/attachments/{first['id']}",
            headers=client.auth("ld.sontay"),
        )
        assert downloaded.status_code == 200
        assert downloaded.headers["content-type"] == "application/pdf"
        assert downloaded.headers["x-checksum-sha256"] == first["sha256"] == hashlib.sha256(downloaded.content).hexdigest()
        assert "filename*=UTF-8''" in downloaded.headers["content-disposition"]
        with pytest.raises(ApiError) as refused:
            client.download("ld.thanhxuan", created["id"], first["id"])
        assert (refused.value.status, refused.value.problem["code"]) == (403, "not_your_unit")
    finally:
        client.close()
