"""Decisions through the HTTP API on the running system: a state title's tờ trình, a decision's PDF, its revocation
with a Vietnamese field error first, and the nomination that follows."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from tests.e2e.test_pipeline import individual
from thidua.client import ApiError, PortalClient

pytestmark = pytest.mark.e2e


def test_a_decision_is_downloaded_revoked_with_a_reason_and_a_state_title_gets_a_proposal(client: PortalClient) -> None:
    granted = client.submit("cdcs.dst", individual("Ngô Thị Thu"))
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", granted["id"])
    client.claim_and_decide("ld.sontay", task["id"], "approve", "Đồng ý")
    waiting = client.wait_for("cdcs.dst", granted["id"], lambda n: n["status"] == "awaiting_signature", what="Chờ ký")
    assert (waiting["status_label"], waiting["decision"]) == ("Chờ ký", None)  # no number before it is signed
    with pytest.raises(ApiError) as approver_signs:
        client.sign_draft_of("ld.sontay", granted["id"])  # the approver is not on the roster of người ký
    assert (approver_signs.value.status, approver_signs.value.problem["code"]) == (403, "not_a_signer")
    signed = client.sign_draft_of("ky.sontay", granted["id"])
    assert (signed["status_label"], signed["approved_by"], signed["signed_by"]) == ("Đã ký", "Phạm Quang Huy", "Đỗ Văn Minh")
    decision_id = client.wait_for("cdcs.dst", granted["id"], lambda n: n["status"] == "granted", what="granted")["decision"][
        "decision_id"
    ]

    pdf = client.http.get(f"/api/v1/decisions/{decision_id}.pdf", headers=client.auth("cdcs.dst"))
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Ngô Thị Thu" in text  # in the list attached after the signature
    assert decision_id == signed["signed"][0]["id"]
    # The file is signed with LĐLĐ thị xã Sơn Tây's key: anyone can check it, without signing in
    checked = client.http.post("/api/v1/documents/verify", files={"file": ("quyet-dinh.pdf", pdf.content, "application/pdf")})
    assert checked.status_code == 200, checked.text
    assert checked.json()["valid"] is True, checked.json()
    [signature] = checked.json()["signatures"]
    assert (signature["signer_unit_code"], signature["signer_name"]) == ("HN-SONTAY", "Đỗ Văn Minh")
    assert "Đỗ Văn Minh" in text  # the Chủ tịch who signed, not the approver
    assert "Phạm Quang Huy" not in text
    xlsx = client.http.get(f"/api/v1/decisions/{decision_id}.xlsx", headers=client.auth("ld.sontay"))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"

    with pytest.raises(ApiError) as short:
        client.post("ld.sontay", f"/api/v1/decisions/{decision_id}/revoke", {"reason": "sai"})
    assert (short.value.status, short.value.problem["fields"]) == (
        422,
        [{"field": "reason", "message": "Nêu lý do thu hồi, ít nhất 10 ký tự"}],
    )
    with pytest.raises(ApiError) as not_issuer:
        client.post("cdcs.dst", f"/api/v1/decisions/{decision_id}/revoke", {"reason": "Khai man thành tích trong báo cáo"})
    assert not_issuer.value.status == 403
    asked = client.post("ld.sontay", f"/api/v1/decisions/{decision_id}/revoke", {"reason": "Khai man thành tích trong báo cáo"})
    assert (asked["status"], asked["status_label"]) == ("issued", "Đang chờ ký quyết định thu hồi")  # stands until signed
    drafts = client.get("ky.sontay", "/api/v1/drafts", issuer="HN-SONTAY")["items"]
    [revocation_draft] = [d for d in drafts if d["kind"] == "revocation"]
    signed_revocation = client.post("ky.sontay", f"/api/v1/drafts/{revocation_draft['id']}/sign")
    [issued] = signed_revocation["signed"]
    assert re.fullmatch(r"[1-9]\d*/QĐ-LĐLĐ", issued["number_text"])
    revoked = client.get("ld.sontay", f"/api/v1/decisions/{decision_id}")
    assert (revoked["status"], revoked["recovery_due_vnd"], revoked["revoked_in"]["id"]) == ("revoked", 710_000, issued["id"])
    same = client.http.get(f"/api/v1/decisions/{decision_id}.pdf", headers=client.auth("cdcs.dst"))
    assert same.content == pdf.content  # the signed decision is never altered
    revocation_pdf = client.http.get(f"/api/v1/decisions/{issued['id']}.pdf", headers=client.auth("cdcs.dst"))
    checked = client.http.post(
        "/api/v1/documents/verify", files={"file": ("thu-hoi.pdf", revocation_pdf.content, "application/pdf")}
    )
    assert checked.json()["valid"] is True, checked.json()
    after = client.wait_for("cdcs.dst", granted["id"], lambda n: n["status"] == "revoked", what="revoked")
    assert after["status_label"] == "Đã thu hồi quyết định"
    recovered = client.post("ld.sontay", f"/api/v1/decisions/{decision_id}/recovered", {"nomination_id": granted["id"]})
    assert recovered["nominees"][0]["recovery"] == "recovered"

    proposed = client.submit("cdcs.dst", individual("Đặng Văn Khoa", award="chien_si_thi_dua_cap_tinh"))
    for unit, user in (("HN-SONTAY", "ld.sontay"), ("HN", "ld.hanoi")):
        task = client.task_in_queue(user, unit, proposed["id"])
        client.claim_and_decide(user, task["id"], "approve", "Đồng ý")
    client.sign_draft_of("ky.hanoi", proposed["id"])
    done = client.wait_for("cdcs.dst", proposed["id"], lambda n: n["status"] == "proposed", what="proposed")
    assert done["status_label"] == "Đã trình cấp có thẩm quyền"
    assert re.fullmatch(r"[1-9]\d*/TTr-LĐLĐ", done["decision"]["number_text"])
    proposals = {p["id"]: p for p in client.get("ld.hanoi", "/api/v1/decisions", kind="proposal")["items"]}
    ours = proposals[done["decision"]["decision_id"]]
    assert (ours["number_text"], ours["total_prize_vnd"]) == (done["decision"]["number_text"], 0)
    # LĐLĐ TP's register of outgoing documents lists it, in one sequence with its decisions; an outsider may not read it
    year = done["decision"]["issued_at"][:4]
    register = list(client.every("ld.hanoi", "/api/v1/units/HN/outgoing-documents", year=year))
    numbers = [line["number"] for line in register]
    assert numbers == sorted(numbers)
    assert len(numbers) == len(set(numbers))  # never the same number twice in a year, whatever the kind
    [line] = [line for line in register if line["id"] == done["decision"]["decision_id"]]
    assert (line["kind_label"], line["addressee"]) == ("Tờ trình", "Ủy ban nhân dân thành phố Hà Nội")
    with pytest.raises(ApiError) as outsider:
        client.get("ld.sontay", "/api/v1/units/HN/outgoing-documents")
    assert outsider.value.status == 403
    sheet = client.http.get(
        "/api/v1/units/HN/outgoing-documents.xlsx",
        params={"year": year},
        headers=client.auth("ld.hanoi"),
    )
    assert (sheet.status_code, sheet.content[:2]) == (200, b"PK")
