"""End to end: every service its own process, the HTTP API in front, a real nats-server behind."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
import pytest

from shared.contracts.paging import NOMINATIONS_PAGE_MAX
from thidua.client import ApiError, PortalClient
from thidua.demo import SAMPLES, drive
from thidua.system import System

pytestmark = pytest.mark.e2e

PERIOD = "2026"


def individual(name: str, award: str = "giay_khen_ldld_huyen", unit: str = "HN-SONTAY-DST") -> dict[str, Any]:
    return {
        "unit_code": unit,
        "award_code": award,
        "period": PERIOD,
        "nominee": {"kind": "individual", "name": name},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }


def test_one_nomination_per_awarding_level_and_a_state_title_reach_numbered_signed_documents(
    system: System, client: PortalClient
) -> None:
    issued = {}
    decision_ids = {}
    for sample in SAMPLES:
        decided, seconds = drive(client, sample, PERIOD)
        decision = decided["decision"]
        issued[sample["body"]["award_code"]] = decision["number_text"]
        decision_ids[sample["body"]["award_code"]] = decision["decision_id"]
        steps = [s["step"] for s in decided["timeline"]]
        assert steps[0] == "submitted"
        assert steps[-2:] == (["drafted", "proposed"] if decision["kind"] == "proposal" else ["drafted", "granted"])
        assert steps.count("queued") == len(sample["levels"])
        assert steps.count("forwarded") == len(sample["levels"]) - 1
        assert seconds < 30
    # numbered in each issuer's own series (the system is shared: which number depends on the tests before)
    assert re.fullmatch(r"[1-9]\d*/QĐ-LĐLĐ", issued["giay_khen_ldld_huyen"])
    assert re.fullmatch(r"[1-9]\d*/QĐ-LĐLĐ", issued["cong_nhan_gioi_thu_do"])
    assert re.fullmatch(r"[1-9]\d*/QĐ-TLĐ", issued["bang_khen_tong_ldld"])
    assert re.fullmatch(r"[1-9]\d*/TTr-LĐLĐ", issued["chien_si_thi_dua_cap_tinh"])  # in LĐLĐ TP's one register
    decisions = client.get("tld", "/api/v1/decisions", issuer="TLD")
    assert decision_ids["bang_khen_tong_ldld"] in {d["id"] for d in decisions["items"]}
    tld = client.get("tld", f"/api/v1/decisions/{decision_ids['bang_khen_tong_ldld']}")
    assert tld["nominees"][0]["prize_amount_vnd"] == 4_680_000  # collective: 2.0 x 2,340,000
    assert tld["issuer_name"] == "Tổng Liên đoàn Lao động Việt Nam"


def test_returned_dossier_is_edited_resubmitted_and_reviewed_again_at_the_same_level(client: PortalClient) -> None:
    nomination = client.submit("cdcs.dst", individual("Phạm Thị Hoa", award="cong_nhan_gioi_thu_do"))
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    client.claim_and_decide("ld.sontay", task["id"], "approve", "Đồng ý")
    task = client.task_in_queue("ld.hanoi", "HN", nomination["id"])
    with pytest.raises(ApiError) as no_reason:
        client.claim_and_decide("ld.hanoi", task["id"], "return", "")
    assert no_reason.value.status == 422
    assert no_reason.value.problem["fields"][0]["field"] == "comment"
    client.post(
        "ld.hanoi", f"/api/v1/tasks/{task['id']}/decision", {"action": "return", "comment": "Bổ sung minh chứng sáng kiến"}
    )
    returned = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "returned", what="returned")
    assert returned["last_reason"] == "Bổ sung minh chứng sáng kiến"

    client.put(
        "cdcs.dst",
        f"/api/v1/nominations/{nomination['id']}",
        {"achievements": "Đã bổ sung: sáng kiến cải tiến khuôn dập, làm lợi 80 triệu đồng."},
    )
    client.post("cdcs.dst", f"/api/v1/nominations/{nomination['id']}/resubmit", {"comment": "Đã bổ sung"})
    again = client.task_in_queue("ld.hanoi", "HN", nomination["id"])  # the same (city) level, not district
    assert again["round"] == 2
    client.claim_and_decide("ld.hanoi", again["id"], "approve", "Đồng ý")
    client.sign_draft_of("ky.hanoi", nomination["id"])
    granted = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "granted", what="granted")
    assert granted["achievements"].startswith("Đã bổ sung")
    assert [s["step"] for s in granted["timeline"]].count("returned") == 1

    # A rejection is final: the reason is kept and the nominee may be proposed again later.
    other = client.submit("cdcs.dst", individual("Vũ Đức Thắng"))
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", other["id"])
    client.claim_and_decide("ld.sontay", task["id"], "reject", "Chưa đủ thời gian công tác")
    rejected = client.wait_for("cdcs.dst", other["id"], lambda n: n["status"] == "rejected", what="rejected")
    assert rejected["last_reason"] == "Chưa đủ thời gian công tác"
    assert rejected["timeline"][-1]["unit_name"] == "Liên đoàn Lao động thị xã Sơn Tây"
    with pytest.raises(ApiError) as too_late:
        client.post("cdcs.dst", f"/api/v1/nominations/{other['id']}/resubmit")
    assert too_late.value.status == 409
    assert client.submit("cdcs.dst", individual("Vũ Đức Thắng"))["status"] == "submitted"


def test_api_errors_are_problem_json_with_codes_fields_and_unit_scoping(system: System, client: PortalClient) -> None:
    response = httpx.post(
        f"{system.portal_url}/api/v1/nominations",
        json={
            "unit_code": "HN-SONTAY-DST",
            "award_code": "cong_nhan_gioi_thu_do",
            "period": "năm nay",
            "nominee": {"kind": "collective", "name": "Tổ cơ khí"},
            "achievements": "ngắn",
        },
        headers=client.auth("cdcs.dst"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {f["field"] for f in problem["fields"]} >= {"period", "achievements", "nominee.kind"}

    assert httpx.get(f"{system.portal_url}/api/v1/units").status_code == 401

    # A client that resends after a lost answer, with the same Idempotency-Key, gets the first outcome (issue 15)
    keyed = {**client.auth("cdcs.dst"), "Idempotency-Key": "submit-le-loi-1"}
    url = f"{system.portal_url}/api/v1/nominations"
    once, again = (httpx.post(url, json=individual("Lê Lợi"), headers=keyed, timeout=30) for _ in range(2))
    assert (once.status_code, again.status_code) == (201, 201)
    assert once.json() == again.json()  # the same nomination, not a second one nor a 409 duplicate
    other = httpx.post(url, json=individual("Lê Lai"), headers=keyed, timeout=30)  # the key reused for another body
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    bad = httpx.post(url, json=individual("Lê Lai"), headers={**keyed, "Idempotency-Key": "two words"}, timeout=30)
    assert (bad.status_code, bad.json()["code"]) == (422, "idempotency_key_invalid")

    first = client.submit("cdcs.dst", individual("Trần Quốc Toản"))
    with pytest.raises(ApiError) as duplicate:
        client.submit("cdcs.dst", individual("tran quoc  toan"))
    assert (duplicate.value.status, duplicate.value.problem["code"]) == (409, "duplicate_nomination")

    with pytest.raises(ApiError) as other_unit:
        client.submit("cdcs.vanquan", individual("Ai Đó", unit="HN-SONTAY-DST"))
    assert other_unit.value.status == 403

    with pytest.raises(ApiError) as foreign_queue:
        client.get("ld.thanhxuan", "/api/v1/queues/HN-SONTAY/tasks")
    assert foreign_queue.value.status == 403
    with pytest.raises(ApiError) as foreign_nomination:
        client.nomination("cdcs.vanquan", first["id"])
    assert foreign_nomination.value.status == 403

    task = client.task_in_queue("ld.sontay", "HN-SONTAY", first["id"])
    with pytest.raises(ApiError) as foreign_claim:
        client.post("ld.thanhxuan", f"/api/v1/tasks/{task['id']}/claim")
    assert foreign_claim.value.status == 403
    client.post("ld.sontay", f"/api/v1/tasks/{task['id']}/claim")
    with pytest.raises(ApiError) as second_claim:
        client.post("ld.sontay2", f"/api/v1/tasks/{task['id']}/claim")
    assert (second_claim.value.status, second_claim.value.problem["code"]) == (409, "task_already_claimed")

    client.post("ld.sontay", f"/api/v1/tasks/{task['id']}/reassign", {"assignee_username": "ld.sontay2"})
    with pytest.raises(ApiError) as not_claimant:
        client.post("ld.sontay", f"/api/v1/tasks/{task['id']}/decision", {"action": "approve"})
    assert not_claimant.value.status == 403
    client.post("ld.sontay2", f"/api/v1/tasks/{task['id']}/release")
    assert client.get("ld.sontay", f"/api/v1/tasks/{task['id']}")["state"] == "open"

    client.post("cdcs.dst", f"/api/v1/nominations/{first['id']}/withdraw", {"reason": "Đơn vị xin rút"})
    deadline = time.monotonic() + 20
    while client.get("ld.sontay", f"/api/v1/tasks/{task['id']}")["state"] != "cancelled":
        assert time.monotonic() < deadline, "withdrawal never cancelled the review task"
        time.sleep(0.05)
    # Withdrawn frees the duplicate key: the same nominee can be nominated again.
    assert client.submit("cdcs.dst", individual("Trần Quốc Toản"))["status"] == "submitted"

    seen_by_ops = client.get("ops", "/api/v1/nominations", limit=NOMINATIONS_PAGE_MAX)
    assert seen_by_ops["total"] >= 2
    with pytest.raises(ApiError) as ops_cannot_act:
        client.post("ops", f"/api/v1/tasks/{task['id']}/claim")
    assert ops_cannot_act.value.status in (403, 409)
