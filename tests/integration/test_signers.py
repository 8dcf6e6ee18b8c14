"""Người ký văn bản over the real broker, awards' database on SQLite and PostgreSQL: the unit admin puts a Chủ tịch
on the roster, a final approval drafts a decision, the Chủ tịch signs it (over the bus and in the console), and its
PDF is signed "TM. BAN THƯỜNG VỤ / CHỦ TỊCH / <the officer>", not by the approver; an admin of another unit may
neither change nor read the roster."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from services.awards import store as awards_store
from shared.contracts.events import Actor, NominationApproved, RoleGrant
from shared.platform.pdfsigning import trust_roots, verify_pdf
from tests.integration.conftest import NOW, count_rows, eventually, path_of
from tests.integration.portal_app import CSRF_INPUT, RunningPortal, running_portal
from tests.integration.test_decision_documents import (  # noqa: F401 (world: the fixture this module runs on)
    APPROVER_SONTAY,
    publish_review_event,
    rpc,
    submitted,
    world,
)

UNIT_ADMIN = Actor(
    user_id="u-qt-sontay",
    username="qt.sontay",
    full_name="Quản trị LĐLĐ Sơn Tây",
    roles=(RoleGrant(role="unit_admin", unit_code="HN-SONTAY"),),
)
OTHER_ADMIN = Actor(
    user_id="u-qt-myduc",
    username="qt.myduc",
    full_name="Quản trị LĐLĐ Mỹ Đức",
    roles=(RoleGrant(role="unit_admin", unit_code="HN-MYDUC"),),
)
CHAIR_ACCOUNT = Actor(
    user_id="u-ky-sontay",
    username="ky.sontay",
    full_name="Đỗ Văn Minh",
    roles=(RoleGrant(role="signer", unit_code="HN-SONTAY"),),
)
CHAIR = {
    "unit_code": "HN-SONTAY",
    "full_name": "Đỗ Văn Minh",
    "position": "Chủ tịch",
    "valid_from": "2023-05-01",
    "username": CHAIR_ACCOUNT.username,
}


def pdf_text(document: dict[str, Any]) -> str:
    pages = pypdf.PdfReader(io.BytesIO(base64.b64decode(document["content_base64"]))).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


@pytest.mark.asyncio
async def test_the_rosters_chair_signs_the_draft_over_the_bus_and_the_decision_prints_them_not_the_approver(
    world: dict[str, Any],  # noqa: F811
    js: JetStreamContext,
    nc: NatsClient,
    demo_pki: Path,
    tmp_path: Path,
) -> None:
    added = await rpc(nc, "add_signer", UNIT_ADMIN, CHAIR)
    assert added["ok"] is True, added
    assert [(s["full_name"], s["status_label"]) for s in added["data"]["signers"]] == [("Đỗ Văn Minh", "Đang ký")]

    nomination = await submitted(world["registration"], "giay_khen_ldld_huyen", "Nguyễn Thị Hường")
    approval = NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=nomination, issuer=path_of("HN-SONTAY")[0])
    await publish_review_event(js, approval)
    await eventually(lambda: count_rows(world["awards"].engine, awards_store.draft_items), lambda n: n == 1)
    assert await count_rows(world["awards"].engine, awards_store.decisions) == 0  # a draft has no number

    [waiting] = (await rpc(nc, "list_drafts", CHAIR_ACCOUNT, {}))["data"]["items"]
    assert (waiting["status_label"], waiting["can_sign"], waiting["approved_by"]) == ("Chờ ký", True, "Lãnh đạo LĐLĐ Sơn Tây")
    refused = await rpc(nc, "sign_draft", APPROVER_SONTAY, {"id": waiting["id"]})
    assert (refused["ok"], refused["error"]["status"], refused["error"]["code"]) == (False, 403, "not_a_signer")
    signed = (await rpc(nc, "sign_draft", CHAIR_ACCOUNT, {"id": waiting["id"]}))["data"]
    assert ([d["number_text"] for d in signed["signed"]], signed["signed_by"]) == (["1/QĐ-LĐLĐ"], "Đỗ Văn Minh")

    [d] = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {}))["data"]["items"]
    assert d["id"] == waiting["id"]
    view = (await rpc(nc, "get_decision", APPROVER_SONTAY, {"id": d["id"]}))["data"]
    assert (view["signed_by"], view["approved_by"], view["document"]["signer_name"], view["signer_warning"]) == (
        "Đỗ Văn Minh",
        "Lãnh đạo LĐLĐ Sơn Tây",  # who approved, kept apart
        "Đỗ Văn Minh",
        "",
    )
    document = (await rpc(nc, "decision_document", APPROVER_SONTAY, {"id": d["id"], "format": "pdf"}))["data"]
    text = pdf_text(document)
    for expected in ("TM. BAN THƯỜNG VỤ", "CHỦ TỊCH", "Đỗ Văn Minh"):
        assert expected in text, expected
    assert "Lãnh đạo LĐLĐ Sơn Tây" not in text

    # The file is signed PAdES with LĐLĐ thị xã Sơn Tây's key: it verifies, with the library and with poppler's pdfsig
    data = base64.b64decode(document["content_base64"])
    checked = verify_pdf(data, trust_roots(demo_pki, ""))
    assert checked.valid, checked.problems
    [signature] = checked.signatures
    assert (signature.signer_unit_code, signature.signer_name, signature.demo_ca) == ("HN-SONTAY", "Đỗ Văn Minh", True)
    assert signature.reason == "Ký ban hành quyết định số 1/QĐ-LĐLĐ"
    signed_file = tmp_path / "quyet-dinh.pdf"
    signed_file.write_bytes(data)
    pdfsig = await asyncio.to_thread(subprocess.run, ["pdfsig", str(signed_file)], capture_output=True, text=True, check=False)
    assert "Signature is Valid" in pdfsig.stdout, pdfsig.stdout + pdfsig.stderr
    at = data.index(b"/Producer") + 2  # one byte inside the signed range changed
    altered = data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]
    assert [p.code for p in verify_pdf(altered, trust_roots(demo_pki, "")).problems][:1] == ["altered"]


@pytest.mark.asyncio
async def test_with_an_empty_roster_no_one_can_sign_and_the_draft_waits_without_a_number(
    world: dict[str, Any],  # noqa: F811
    js: JetStreamContext,
    nc: NatsClient,
) -> None:
    nomination = await submitted(world["registration"], "giay_khen_ldld_huyen", "Trần Văn Đức")
    approval = NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=nomination, issuer=path_of("HN-SONTAY")[0])
    await publish_review_event(js, approval)
    await eventually(lambda: count_rows(world["awards"].engine, awards_store.draft_items), lambda n: n == 1)
    [waiting] = (await rpc(nc, "list_drafts", APPROVER_SONTAY, {}))["data"]["items"]
    assert waiting["can_sign"] is False
    for actor in (APPROVER_SONTAY, CHAIR_ACCOUNT):
        refused = await rpc(nc, "sign_draft", actor, {"id": waiting["id"]})
        assert (refused["error"]["status"], refused["error"]["code"]) == (403, "not_a_signer")
    assert await count_rows(world["awards"].engine, awards_store.decisions) == 0


@pytest.mark.asyncio
async def test_an_admin_of_another_unit_may_neither_change_nor_read_the_roster(
    world: dict[str, Any],  # noqa: F811
    nc: NatsClient,
) -> None:
    refused = await rpc(nc, "add_signer", OTHER_ADMIN, CHAIR)
    assert (refused["ok"], refused["error"]["status"], refused["error"]["code"]) == (False, 403, "not_unit_admin")
    unreadable = await rpc(nc, "list_signers", OTHER_ADMIN, {"unit_code": "HN-SONTAY"})
    assert (unreadable["error"]["status"], unreadable["error"]["code"]) == (403, "not_of_unit")
    roster = await rpc(nc, "add_signer", UNIT_ADMIN, CHAIR)
    ended = await rpc(nc, "end_signer_term", OTHER_ADMIN, {"unit_code": "HN-SONTAY", "id": roster["data"]["signers"][0]["id"]})
    assert ended["error"]["status"] == 403
    read = await rpc(nc, "list_signers", APPROVER_SONTAY, {"unit_code": "HN-SONTAY"})
    assert (read["data"]["can_edit"], [s["full_name"] for s in read["data"]["signers"]]) == (False, ["Đỗ Văn Minh"])


# Through the portal's JSON API


@pytest_asyncio.fixture
async def portal(world: dict[str, Any], clean_nats: str, tmp_path: Path) -> AsyncIterator[RunningPortal]:  # noqa: F811
    async with running_portal(clean_nats, f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", tmp_path) as running:
        yield running


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_api_lists_adds_and_ends_a_term_and_refuses_another_units_admin_as_problem_json(
    portal: RunningPortal,
) -> None:
    async with portal.client() as http:
        admin = {"Authorization": f"Bearer {await portal.token(http, 'ld.sontay')}"}
        other = {"Authorization": f"Bearer {await portal.token(http, 'ld.thanhxuan')}"}
        url = "/api/v1/units/HN-SONTAY/signers"

        empty = await http.get(url, headers=admin)
        assert empty.status_code == 200, empty.text
        assert (empty.json()["signers"], empty.json()["warning"]) == ([], "Chưa có người ký trong danh sách")

        body = {"full_name": "Đỗ Văn Minh", "position": "Chủ tịch", "valid_from": "2023-05-01"}
        added = await http.post(url, json=body, headers=admin)
        assert added.status_code == 201, added.text
        [officer] = added.json()["signers"]
        assert (officer["full_name"], officer["valid_from"], officer["in_force"]) == ("Đỗ Văn Minh", "2023-05-01", True)

        refused = await http.post(url, json=body, headers=other)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "not_unit_admin"

        invalid = await http.post(url, json={**body, "position": "Giám đốc"}, headers=admin)
        assert invalid.status_code == 422
        assert [f["field"] for f in invalid.json()["fields"]] == ["position"]
        assert invalid.json()["fields"][0]["message"].startswith("Chức vụ:")

        ended = await http.post(f"{url}/{officer['id']}/end", json={"last_day": "2025-12-31"}, headers=admin)
        assert ended.status_code == 200, ended.text
        assert ended.json()["signers"][0]["status_label"] == "Đã hết nhiệm kỳ"
        assert ended.json()["warning"] == "Chưa có người ký trong danh sách"


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_signing_officer_signs_in_the_console_and_the_decision_page_shows_the_approver_apart(
    portal: RunningPortal,
    world: dict[str, Any],  # noqa: F811
    js: JetStreamContext,
    nc: NatsClient,
) -> None:
    await rpc(nc, "add_signer", UNIT_ADMIN, {**CHAIR, "username": "ky.sontay"})  # the demo account of the district's chair
    nomination = await submitted(world["registration"], "giay_khen_ldld_huyen", "Lê Thị Lan")
    approval = NominationApproved(occurred_at=NOW, actor=APPROVER_SONTAY, nomination=nomination, issuer=path_of("HN-SONTAY")[0])
    await publish_review_event(js, approval)
    await eventually(lambda: count_rows(world["awards"].engine, awards_store.draft_items), lambda n: n == 1)
    async with portal.client() as browser:
        await portal.console_sign_in(browser, "ld.sontay")
        listed = await browser.get("/van-ban-cho-ky")
        assert listed.status_code == 200, listed.text
        assert "Lê Thị Lan" in listed.text
        assert "Xem và ký" not in listed.text  # the approver prepares; the officer signs
    async with portal.client() as browser:
        await portal.console_sign_in(browser, "ky.sontay")
        listed = await browser.get("/van-ban-cho-ky")
        assert "Xem và ký" in listed.text
        [draft_id] = re.findall(r'data-draft="([0-9a-f-]{36})"', listed.text)
        page = await browser.get(f"/van-ban-cho-ky/{draft_id}")
        assert 'id="sign-form"' in page.text
        assert "Lê Thị Lan" in page.text
        csrf = CSRF_INPUT.search(page.text)
        assert csrf
        signed = await browser.post(f"/van-ban-cho-ky/{draft_id}/ky", data={"csrf_token": csrf.group(1)})
        assert (signed.status_code, signed.headers["location"]) == (303, f"/quyet-dinh/{draft_id}")
        page = await browser.get(f"/quyet-dinh/{draft_id}")
        assert page.status_code == 200, page.text
        assert "Đã ký và ban hành Quyết định số 1/QĐ-LĐLĐ" in page.text
        assert "Người phê duyệt: Lãnh đạo LĐLĐ Sơn Tây · Người ký: Đỗ Văn Minh" in page.text
        assert 'id="signer-warning"' not in page.text
