"""Certificates (văn bằng) over the real broker, awards' database on SQLite and PostgreSQL: a signed batch decision
prints one landscape page per Giấy khen in the order the register keeps, numbered by position; another unit is
refused, a revoked decision too; and in the console the decision page links them, whole and per nominee."""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
import pytest_asyncio
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from services.awards import store as awards_store
from shared.contracts.events import NominationsApproved
from tests.integration.conftest import NOW, count_rows, eventually, path_of
from tests.integration.portal_app import RunningPortal, running_portal
from tests.integration.test_decision_documents import (  # noqa: F401 (world: the fixture this module runs on)
    APPROVER_SONTAY,
    OUTSIDER,
    publish_review_event,
    rpc,
    signed_by_the_chairs,
    submitted,
    world,
)

A4_LANDSCAPE = (841.89, 595.28)


def pages(data: bytes) -> list[str]:
    return [" ".join(unicodedata.normalize("NFC", p.extract_text()).split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in reader.pages]


async def signed_decision(running: dict[str, Any], js: JetStreamContext, nc: NatsClient) -> tuple[str, list[str]]:
    """Three nominations approved as one batch (the second a CĐCS vững mạnh, which has no certificate) and signed."""
    reg = running["registration"]
    noms = [
        await submitted(reg, "giay_khen_ldld_huyen", "Nguyễn Thị Hường"),
        await submitted(reg, "cdcs_vung_manh", "Công đoàn Công ty CP tập đoàn DST", "collective"),
        await submitted(reg, "giay_khen_ldld_huyen", "Trần Văn Đức"),
    ]
    batch = NominationsApproved(
        occurred_at=NOW, actor=APPROVER_SONTAY, batch_id="b-cert", issuer=path_of("HN-SONTAY")[0], nominations=noms
    )
    await publish_review_event(js, batch)
    await signed_by_the_chairs(running, nc, 3)
    await eventually(lambda: count_rows(running["awards"].engine, awards_store.registry), lambda n: n == 3)
    [d] = (await rpc(nc, "list_decisions", APPROVER_SONTAY, {}))["data"]["items"]
    return d["id"], [n.id for n in noms]


@pytest.mark.asyncio
async def test_a_signed_decision_prints_a_page_per_giay_khen_numbered_by_position_and_refuses_others_and_once_revoked(
    world: dict[str, Any],  # noqa: F811
    js: JetStreamContext,
    nc: NatsClient,
) -> None:
    decision_id, ids = await signed_decision(world, js, nc)

    reply = await rpc(nc, "certificates", APPROVER_SONTAY, {"id": decision_id})
    assert reply["ok"] is True, reply
    assert reply["data"]["filename"] == "van-bang-1-2026-HN-SONTAY-A4.pdf"
    data = base64.b64decode(reply["data"]["content_base64"])
    assert page_sizes(data) == [A4_LANDSCAPE] * 2
    first, second = pages(data)
    assert "GIẤY KHEN" in first
    assert "Nguyễn Thị Hường" in first
    assert "Số vào sổ: 1/QĐ-LĐLĐ – 1" in first
    assert "Trần Văn Đức" in second
    assert "Số vào sổ: 1/QĐ-LĐLĐ – 3" in second  # its position in the decision; the second entry has no certificate

    one = await rpc(nc, "certificates", APPROVER_SONTAY, {"id": decision_id, "nomination_id": ids[2], "paper": "A3"})
    assert page_sizes(base64.b64decode(one["data"]["content_base64"])) == [(1190.55, 841.89)]

    refused = await rpc(nc, "certificates", OUTSIDER, {"id": decision_id})
    assert (refused["ok"], refused["error"]["status"], refused["error"]["code"]) == (False, 403, "not_your_unit")

    done = await rpc(nc, "revoke", APPROVER_SONTAY, {"id": decision_id, "reason": "Khai man thành tích trong báo cáo"})
    assert done["ok"] is True, done
    assert (await rpc(nc, "certificates", APPROVER_SONTAY, {"id": decision_id}))["ok"]  # it stands until…
    await signed_by_the_chairs(world, nc, 3)  # …its revocation decision is signed
    revoked = await rpc(nc, "certificates", APPROVER_SONTAY, {"id": decision_id})
    assert (revoked["error"]["status"], revoked["error"]["code"]) == (409, "decision_revoked")


@pytest_asyncio.fixture
async def portal(world: dict[str, Any], clean_nats: str, tmp_path: Path) -> AsyncIterator[RunningPortal]:  # noqa: F811
    async with running_portal(clean_nats, f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", tmp_path) as running:
        yield running


@pytest.mark.asyncio
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_console_links_the_certificates_of_the_decision_and_of_each_nominee(
    world: dict[str, Any],  # noqa: F811
    js: JetStreamContext,
    nc: NatsClient,
    portal: RunningPortal,
) -> None:
    decision_id, ids = await signed_decision(world, js, nc)
    async with portal.client() as http:
        await portal.console_sign_in(http, "ld.sontay")
        page = await http.get(f"/quyet-dinh/{decision_id}")
        assert page.status_code == 200, page.text
        assert "In văn bằng (cả quyết định)" in page.text
        links = re.findall(r'href="(/quyet-dinh/[^"]+/van-bang\.pdf[^"]*)"', page.text)
        assert f"/quyet-dinh/{decision_id}/van-bang.pdf" in links
        per_nominee = [link for link in links if "nomination_id=" in link]
        assert sorted(per_nominee) == sorted(
            f"/quyet-dinh/{decision_id}/van-bang.pdf?nomination_id={i}" for i in (ids[0], ids[2])
        )

        whole = await http.get(f"/quyet-dinh/{decision_id}/van-bang.pdf")
        assert whole.status_code == 200, whole.text
        assert whole.headers["content-type"] == "application/pdf"
        assert whole.headers["content-disposition"].startswith('attachment; filename="van-bang-1-2026-HN-SONTAY-A4.pdf"')
        assert len(page_sizes(whole.content)) == 2
        one = await http.get(per_nominee[0])
        assert len(page_sizes(one.content)) == 1

        token = await portal.token(http, "ld.sontay")
        api = await http.get(
            f"/api/v1/decisions/{decision_id}/certificates.pdf",
            params={"paper": "A3"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert api.status_code == 200, api.text
        assert page_sizes(api.content) == [(1190.55, 841.89)] * 2
