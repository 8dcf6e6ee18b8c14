"""`thidua dlq`, `thidua outbox` and `thidua ops stuck` as an operator runs them, against the whole system."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import nats
import pytest

from shared.contracts import subjects
from shared.platform.clock import CLOCK_FILE_NAME, write_offset_file
from tests.e2e.conftest import PASSWORD
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e


def thidua(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env.update(  # as an operator on the machine of the embedded system: its own users and keys from var/
        THIDUA_VAR_DIR=str(system.config.var_dir),
        THIDUA_NATS_PORT=str(system.config.nats_port),
        THIDUA_PORTAL_URL=system.portal_url,
        THIDUA_OPS_PASSWORD=PASSWORD,
    )
    return subprocess.run(
        [sys.executable, "-m", "thidua", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def ok_json(system: System, *args: str) -> Any:
    result = thidua(system, *args, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def publish_poison(nats_url: str) -> None:
    async def send() -> None:
        nc = await nats.connect(nats_url)
        try:
            await nc.jetstream().publish(
                subjects.NOMINATION_SUBMITTED, b'{"schema_version": 1, "broken', headers={"Nats-Msg-Id": "poison-1"}
            )
        finally:
            await nc.close()

    asyncio.run(send())


def dead_letters(system: System, expected: int) -> list[dict[str, Any]]:
    client = PortalClient(system.portal_url)
    try:
        listed: list[dict[str, Any]] = client.poll(
            lambda: ok_json(system, "dlq", "list"), lambda d: len(d) == expected, what=f"{expected} dead letters"
        )
        return listed
    finally:
        client.close()


def test_an_operator_inspects_replays_and_discards_a_dead_letter_and_sees_outboxes_and_stuck_nominations(
    system: System, client: PortalClient
) -> None:
    publish_poison(system.user_nats_url("admin"))
    [letter] = dead_letters(system, 1)
    assert (letter["service"], letter["original_subject"]) == ("review", subjects.NOMINATION_SUBMITTED)
    assert "malformed JSON" in letter["reason"]

    table = thidua(system, "dlq", "list")
    assert table.returncode == 0
    assert "Chủ đề gốc" in table.stdout
    assert subjects.NOMINATION_SUBMITTED in table.stdout
    shown = thidua(system, "dlq", "show", str(letter["seq"]))
    assert shown.returncode == 0
    assert "Thidua-Dlq-Reason" in shown.stdout
    assert '{"schema_version": 1, "broken' in shown.stdout

    # Replaying a message that is still malformed dead-letters it again, as a new letter with a fresh count.
    replayed = ok_json(system, "dlq", "replay", str(letter["seq"]), "--by", "ops")
    assert replayed[0]["subject"] == subjects.NOMINATION_SUBMITTED
    [again] = dead_letters(system, 1)
    assert again["seq"] != letter["seq"]
    assert again["deliveries"] == 1
    refused = thidua(system, "dlq", "replay", str(letter["seq"]), "--by", "ops")
    assert refused.returncode == 1
    assert "Không có thư lỗi số" in refused.stderr

    short = thidua(system, "dlq", "discard", str(again["seq"]), "--by", "ops", "--reason", "hỏng")
    assert short.returncode == 1
    assert "ít nhất 5 ký tự" in short.stderr
    discarded = ok_json(system, "dlq", "discard", str(again["seq"]), "--by", "ops", "--reason", "Thông điệp thử nghiệm hỏng")
    assert discarded["action"] == "discard"
    assert ok_json(system, "dlq", "list") == []
    audit = ok_json(system, "dlq", "audit")
    assert [(a["action"], a["dlq_seq"], a["by"]) for a in audit] == [
        ("discard", again["seq"], "ops"),
        ("replay", letter["seq"], "ops"),
    ]

    outboxes = ok_json(system, "outbox", "status")
    assert sorted(outboxes) == ["awards", "portal", "registration", "review"]
    assert all(s["pending"] == 0 and s["failing"] == [] for s in outboxes.values()), outboxes
    assert thidua(system, "outbox", "status").stdout.count("\n") >= 6
    assert ok_json(system, "outbox", "retry", "review") == {"retried": 0}
    forbidden = thidua(system, "outbox", "status", "--user", "cdcs.dst")
    assert forbidden.returncode == 1
    assert "vận hành" in forbidden.stderr

    nomination = client.submit(
        "cdcs.dst",
        {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "giay_khen_ldld_huyen",
            "period": "2026",
            "nominee": {"kind": "individual", "name": "Phạm Thị Dung"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ năm, có sáng kiến được công nhận.",
        },
    )
    client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "in_review", what="in review")
    assert ok_json(system, "ops", "stuck", "--older-than", "2d")["items"] == []
    write_offset_file(system.config.var_dir / CLOCK_FILE_NAME, timedelta(days=3), by="test")

    stuck = ok_json(system, "ops", "stuck", "--older-than", "2d")
    [item] = stuck["items"]
    assert item["id"] == nomination["id"]
    assert item["step"]["step"] == "queued"
    assert item["step"]["unit_code"] == "HN-SONTAY"
    human = thidua(system, "ops", "stuck", "--older-than", "2d")
    assert human.returncode == 0
    assert "Chuyển vào hộp việc" in human.stdout
    assert "Phạm Thị Dung" in human.stdout
