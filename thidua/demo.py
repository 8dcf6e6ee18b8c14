"""`thidua demo`: three sample nominations, one per awarding level, through the running system."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from thidua.client import ApiError, PortalClient

VN = ZoneInfo("Asia/Ho_Chi_Minh")

# Which approver works which unit's queue in the demo world.
APPROVERS = {"HN-SONTAY": "ld.sontay", "HN-THANHXUAN": "ld.thanhxuan", "HN": "ld.hanoi", "TLD": "tld"}

SAMPLES: list[dict[str, Any]] = [
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "giay_khen_ldld_huyen",
            "nominee": {"kind": "individual", "name": "Nguyễn Văn Hùng", "position": "Tổ trưởng sản xuất", "birth_year": 1985},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm; có 2 sáng kiến được công nhận cấp cơ sở, làm lợi 120 triệu đồng.",
        },
        "levels": ["HN-SONTAY"],
    },
    {
        "submitter": "cdcs.dst",
        "body": {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "cong_nhan_gioi_thu_do",
            "nominee": {"kind": "individual", "name": "Lê Thị Mai", "position": "Kỹ sư cơ khí", "birth_year": 1990},
            "achievements": (
                "Công nhân giỏi cấp thị xã 3 năm liền; sáng kiến cải tiến dây chuyền được công nhận cấp thị xã năm nay."
            ),
            "council_vote": {"members": 9, "present": 8, "votes_for": 8, "votes_against": 0, "secret_ballot": True},
        },
        "levels": ["HN-SONTAY", "HN"],
    },
    {
        "submitter": "cdcs.vanquan",
        "body": {
            "unit_code": "HN-THANHXUAN-VANQUAN",
            "award_code": "bang_khen_tong_ldld",
            "nominee": {"kind": "collective", "name": "Công đoàn Trường THCS Văn Quán", "member_count": 86},
            "achievements": (
                "CĐCS vững mạnh xuất sắc nhiều năm liền; tổ chức tốt phong trào "
                "“Giỏi việc nước, đảm việc nhà” và hỗ trợ đồng bào bão lũ."
            ),
        },
        "levels": ["HN-THANHXUAN", "HN", "TLD"],
    },
]


def submit_unique(client: PortalClient, user: str, body: dict[str, Any]) -> dict[str, Any]:
    """Submit; if the same nominee is still in review from an earlier run, number the name."""
    base = body["nominee"]["name"]
    for attempt in range(1, 50):
        nominee = {**body["nominee"], "name": base if attempt == 1 else f"{base} ({attempt})"}
        try:
            return client.submit(user, {**body, "nominee": nominee})
        except ApiError as exc:
            if exc.problem.get("code") != "duplicate_nomination":
                raise
    raise RuntimeError("too many earlier demo nominations still in review")


def drive(client: PortalClient, sample: dict[str, Any], period: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    nomination = submit_unique(client, sample["submitter"], {**sample["body"], "period": period})
    for unit in sample["levels"]:
        approver = APPROVERS[unit]
        task = client.task_in_queue(approver, unit, nomination["id"])
        client.claim_and_decide(approver, task["id"], "approve", f"Đồng ý ({unit})")
    granted = client.wait_for(sample["submitter"], nomination["id"], lambda n: n["status"] == "granted", what="granted")
    return granted, time.monotonic() - started


def format_timeline(nomination: dict[str, Any]) -> str:
    decision = nomination.get("decision") or {}
    lines = [
        f"■ {nomination['nominee']['name']} — {nomination['award_name']} ({nomination['period']})",
        f"  Trạng thái: {nomination['status_label']}"
        + (f" · Quyết định số {decision['number_text']} · Tiền thưởng {money(decision['prize_amount_vnd'])}" if decision else ""),
    ]
    for step in nomination["timeline"]:
        at = datetime.fromisoformat(step["at"]).astimezone(VN).strftime("%d/%m/%Y %H:%M:%S")
        comment = f" — {step['comment']}" if step.get("comment") else ""
        lines.append(f"  {at}  {step['label']:<32} {step['actor_name']} · {step['unit_name'] or ''}{comment}")
    return "\n".join(lines)


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def run_demo(base_url: str, password: str) -> int:
    client = PortalClient(base_url)
    try:
        for user in {s["submitter"] for s in SAMPLES} | set(APPROVERS.values()):
            client.login(user, password)
        period = str(datetime.now(VN).year)
        for sample in SAMPLES:
            nomination, seconds = drive(client, sample, period)
            print(format_timeline(nomination))
            print(f"  ⏱ {seconds:.2f} s từ lúc nộp đến quyết định qua {len(sample['levels'])} cấp\n")
    finally:
        client.close()
    return 0
