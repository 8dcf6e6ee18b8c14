"""End to end through the HTTP API: a campaign launched by the city, nominations under it with the campaign on the
snapshot review receives, the quota refusing past it; a pledge registered and confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from thidua.client import ApiError, PortalClient

pytestmark = pytest.mark.e2e


def test_a_campaign_launched_by_the_city_travels_on_the_snapshot_and_its_quota_refuses_past_it(client: PortalClient) -> None:
    today = datetime.now(UTC) + timedelta(hours=7)
    campaign = client.post(
        "ld.hanoi",
        "/api/v1/campaigns",
        {
            "code": "HN-E2E-DOT",
            "name": "Đợt thi đua thử nghiệm",
            "plan_ref": "99/KH-LĐLĐ",
            "launching_unit_code": "HN",
            "starts_on": (today - timedelta(days=10)).date().isoformat(),
            "ends_on": (today + timedelta(days=10)).date().isoformat(),
            "targets": [{"award_code": "cong_nhan_gioi_thu_do", "quota": 1}],
        },
    )
    assert campaign["open"] is True
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "cong_nhan_gioi_thu_do",
        "period": str(today.year),
        "nominee": {"kind": "individual", "name": "Ngô Văn Đợt"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ trong đợt thi đua, có sáng kiến được công nhận.",
        "campaign_code": "HN-E2E-DOT",
    }
    nomination = client.submit("cdcs.dst", body)
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    carried = client.get("ld.sontay", f"/api/v1/tasks/{task['id']}")["nomination"]["campaign"]
    assert (carried["code"], carried["plan_ref"]) == ("HN-E2E-DOT", "99/KH-LĐLĐ")

    with pytest.raises(ApiError) as full:
        client.submit(
            "cdcs.vanquan", body | {"unit_code": "HN-HADONG-VANQUAN", "nominee": {"kind": "individual", "name": "Khác"}}
        )
    assert (full.value.status, full.value.problem["code"]) == (422, "campaign_quota_reached")
    assert full.value.problem["fields"][0]["field"] == "campaign_code"
    assert client.get("ld.hanoi", "/api/v1/campaigns/HN-E2E-DOT")["targets"][0]["used"] == 1


def test_a_pledge_is_registered_and_confirmed_through_the_api(client: PortalClient) -> None:
    year = (datetime.now(UTC) + timedelta(hours=7)).year + 1
    pledge = client.post(
        "cdcs.dst",
        "/api/v1/pledges",
        {"unit_code": "HN-SONTAY-DST", "year": year, "targets": [{"award_code": "giay_khen_ldld_huyen", "count": 2}]},
    )
    with pytest.raises(ApiError) as not_superior:
        client.post("ld.thanhxuan", f"/api/v1/pledges/{pledge['id']}/decision", {"action": "confirm"})
    assert not_superior.value.status == 403
    confirmed = client.post("ld.sontay", f"/api/v1/pledges/{pledge['id']}/decision", {"action": "confirm"})
    assert confirmed["status"] == "confirmed"
    assert [p["year"] for p in client.get("cdcs.dst", "/api/v1/pledges")["items"]] == [year]
