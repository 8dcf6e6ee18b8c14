"""End to end over the HTTP API: a council meeting, a batch forwarded with one tờ trình that the unit's signing officer
signs (numbered from the unit's register of outgoing documents), its signed PDF and .xlsx."""

from __future__ import annotations

import io
import re
import unicodedata

import httpx
import pypdf
import pytest
from openpyxl import load_workbook

from tests.e2e.test_pipeline import individual
from thidua.client import ApiError, PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e


def test_a_meeting_then_a_batch_forward_gives_one_letter_the_parent_can_download(system: System, client: PortalClient) -> None:
    names = ("Hoàng Văn Bảy", "Hoàng Thị Tám")
    ids = [client.submit("cdcs.dst", individual(n, award="cong_nhan_gioi_thu_do"))["id"] for n in names]
    tasks = [client.task_in_queue("ld.sontay", "HN-SONTAY", i)["id"] for i in ids]

    with pytest.raises(ApiError) as missing:
        client.post("ld.sontay", "/api/v1/queues/HN-SONTAY/forward-batch", {"task_ids": tasks})
    assert (missing.value.status, missing.value.problem["code"]) == (422, "council_vote_missing")
    assert {f["field"] for f in missing.value.problem["fields"]} == {"council"}

    meeting = {
        "held_on": "2026-03-02",
        "members": 11,
        "present": 9,
        "secret_ballot": True,
        "votes": [{"task_id": tasks[0], "votes_for": 9}, {"task_id": tasks[1], "votes_for": 6, "votes_against": 3}],
    }
    with pytest.raises(ApiError) as outsider:
        client.post("ld.thanhxuan", "/api/v1/council-meetings", meeting)
    assert outsider.value.status == 403
    recorded = client.post("ld.sontay", "/api/v1/council-meetings", meeting)
    assert [v["passed"] for v in recorded["votes"]] == [True, False]  # 6/9 present < 70 %

    with pytest.raises(ApiError) as failed:
        client.post("ld.sontay", "/api/v1/queues/HN-SONTAY/forward-batch", {"task_ids": tasks})
    assert failed.value.problem["code"] == "council_vote_failed"
    assert "Hoàng Thị Tám" in failed.value.problem["fields"][0]["message"]

    revote = meeting | {"votes": [{"task_id": tasks[1], "votes_for": 7, "votes_against": 2}]}
    client.post("ld.sontay", "/api/v1/council-meetings", revote)
    letter = client.post("ld.sontay", "/api/v1/queues/HN-SONTAY/forward-batch", {"task_ids": tasks, "comment": "Kính trình"})
    assert (letter["number_text"], letter["status_label"]) == (None, "Chờ ký")  # numbered when its officer signs it
    for nomination_id in ids:  # the unit above has the dossiers at once
        client.task_in_queue("ld.hanoi", "HN", nomination_id)

    [draft] = client.poll(
        lambda: [
            d for d in client.get("ld.sontay", "/api/v1/drafts", issuer="HN-SONTAY")["items"] if d["proposal_id"] == letter["id"]
        ],
        bool,
        what="the letter's draft",
    )
    assert (draft["kind"], draft["kind_label"], draft["status_label"]) == ("forwarding", "Tờ trình", "Chờ ký")
    with pytest.raises(ApiError) as approver_signs:  # whoever forwarded it does not sign it
        client.post("ld.sontay", f"/api/v1/drafts/{draft['id']}/sign")
    assert approver_signs.value.status == 403
    client.sign_letter_of("ky.sontay", "HN-SONTAY", letter["id"])
    signed = client.poll(
        lambda: client.get("ld.hanoi", f"/api/v1/proposals/{letter['id']}"), lambda p: p["number_text"], what="the number"
    )
    assert re.fullmatch(r"[1-9]\d*/TTr-LĐLĐ", signed["number_text"])
    assert signed["title"] == f"Tờ trình số {signed['number_text']} ngày {signed['issued_on_vn']}"
    received = {p["id"]: p["number_text"] for p in client.get("ld.hanoi", "/api/v1/queues/HN/proposals")["items"]}
    assert received[letter["id"]] == signed["number_text"]
    register = client.get("ky.sontay", "/api/v1/units/HN-SONTAY/outgoing-documents", year=int(signed["issued_on"][:4]))["items"]
    assert signed["number_text"] in [line["number_text"] for line in register]

    token = client.token("ld.hanoi")
    with httpx.Client(base_url=system.portal_url, headers={"Authorization": f"Bearer {token}"}) as http:
        pdf = http.get(f"/api/v1/decisions/{signed['document_id']}.pdf")  # as the officer signed it (awards)
        xlsx = http.get(f"/api/v1/proposals/{letter['id']}/document", params={"format": "xlsx"})
        same = http.get(f"/api/v1/proposals/{letter['id']}/document", params={"format": "pdf"})
    assert same.content == pdf.content  # once signed, the tờ trình's PDF is the file its officer signed
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    assert b"/ByteRange" in pdf.content  # signed (PAdES)
    text = unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages))
    assert signed["number_text"] in text
    assert all(n in text for n in names)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert set(names) <= {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
    with pytest.raises(ApiError) as not_party:
        client.get("ld.thanhxuan", f"/api/v1/proposals/{letter['id']}")
    assert not_party.value.status == 403
