"""Deadlines across real processes: two review replicas, a kill -9, a restart after a long stop, and the demo.

Time moves through the system's clock file (as `thidua clock advance` does), never by sleeping.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shared.platform.clock import CLOCK_FILE_NAME, write_offset_file
from shared.platform.settings import SERVICES
from tests.e2e.conftest import PASSWORD, start_system
from tests.e2e.test_demo_mailbox import console_session
from thidua.client import PortalClient
from thidua.natsserver import free_port
from thidua.system import System

pytestmark = pytest.mark.e2e

COUNT = 40


def move_clock(system: System, days: int) -> None:
    write_offset_file(system.config.var_dir / CLOCK_FILE_NAME, timedelta(days=days), by="test")


def queue(client: PortalClient, user: str, unit: str, state: str) -> list[dict[str, Any]]:
    return list(client.every(user, f"/api/v1/queues/{unit}/tasks", state=state))


def wait_until(probe: Any, until: Any, *, timeout: float = 90.0, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if until(result):
            return result
        assert time.monotonic() < deadline, f"{what}: not reached within {timeout}s (last: {result!r:.300})"
        time.sleep(0.2)


def escalation_steps(client: PortalClient, nomination_ids: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for nid in nomination_ids:
        timeline = client.nomination("cdcs.dst", nid)["timeline"]
        counts[nid] = sum(1 for s in timeline if s["step"] == "escalated")
    return counts


def _system(tmp_path: Path, backend: str) -> Iterator[System]:
    for service in SERVICES:
        (tmp_path / service).mkdir()
    yield from start_system(tmp_path, backend)


@pytest.fixture(params=["sqlite", "postgresql"])
def system(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    yield from _system(tmp_path, request.param)


@pytest.fixture
def sqlite_system(tmp_path: Path) -> Iterator[System]:
    yield from _system(tmp_path, "sqlite")


def test_two_review_replicas_escalate_each_task_once_through_a_kill_and_a_long_stop(system: System) -> None:
    client = PortalClient(system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi", "tld"):
        client.login(user, PASSWORD)
    second_port = free_port()
    system.spawn("review", replica="review-2", http_port=second_port)
    system.wait_ready(("review-2",))

    ids = []
    for i in range(COUNT):
        body = {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "bang_khen_tong_ldld",
            "period": "2026",
            "nominee": {"kind": "individual", "name": f"Người lao động {i:03d}"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ, nhiều sáng kiến được công nhận.",
        }
        ids.append(client.submit("cdcs.dst", body)["id"])
    wait_until(lambda: len(queue(client, "ld.sontay", "HN-SONTAY", "open")), lambda n: n == COUNT, what="tasks opened")

    # Past the district's due date (10 working days): both replicas fire; one is killed mid-way.
    move_clock(system, 15)
    wait_until(lambda: len(queue(client, "ld.hanoi", "HN", "escalated_in")), lambda n: n > 0, what="first escalations")
    system.kill("review")
    system.restart("review")
    city = wait_until(
        lambda: queue(client, "ld.hanoi", "HN", "escalated_in"), lambda items: len(items) == COUNT, what="all escalated"
    )
    assert {t["nomination_id"] for t in city} == set(ids)
    wait_until(lambda: escalation_steps(client, ids), lambda c: all(c[n] == 1 for n in ids), what="one escalation step each")

    # Both replicas down while the city's own deadline passes; one comes back and catches up at once.
    system.kill("review")
    system.kill("review-2")
    move_clock(system, 30)
    time.sleep(1.5)  # the timers are due now, with nobody to fire them
    assert set(escalation_steps(client, ids).values()) == {1}
    started = time.monotonic()
    system.restart("review")
    wait_until(lambda: len(queue(client, "tld", "TLD", "escalated_in")), lambda n: n == COUNT, what="escalated to TLD")
    caught_up = time.monotonic() - started
    counts = wait_until(
        lambda: escalation_steps(client, ids), lambda c: all(c[n] == 2 for n in ids), what="two escalation steps each"
    )
    assert set(counts.values()) == {2}
    assert caught_up < 60, f"escalations due during the stop took {caught_up:.1f}s after the restart"
    client.close()


def test_thidua_demo_escalation_shows_the_city_alerted_urging_a_new_due_date_a_direct_receipt_and_their_mails(
    sqlite_system: System, tmp_path: Path
) -> None:
    system = sqlite_system
    env = {**os.environ, "THIDUA_DEMO_PASSWORD": PASSWORD}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "thidua",
            "demo",
            "--escalation",
            "--portal-url",
            system.portal_url,
            "--var-dir",
            str(system.config.var_dir),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in (
        "Sắp đến hạn xử lý",
        "“Quá hạn ở cấp dưới”",
        "Hồ sơ vẫn ở hộp việc LĐLĐ thị xã Sơn Tây",
        "ld.hanoi đôn đốc",
        "ld.hanoi đặt hạn mới",
        "Cấp trên đặt hạn mới",  # the step on the nomination's timeline
        "Cấp trên nhận trực tiếp do quá hạn",
        "/hop-thu-demo",
    ):
        assert expected in out, out
    assert "xử lý thay" not in out  # nobody decides in the district's name any more

    browser = console_session(system.portal_url, "ld.sontay")
    client = PortalClient(system.portal_url)
    page = client.poll(
        lambda: html.unescape(browser.get("/hop-thu-demo", params={"nguoi_nhan": "ld.sontay@demo.thidua.example"}).text),
        lambda text: "Cấp trên đôn đốc" in text and "Cấp trên đặt hạn mới" in text,
        timeout=60,
        what="the urging and the new due date mailed to the district's approver",
    )
    assert "hoàn thành thẩm định trong tuần này" in page
    browser.close()
    client.close()


def test_the_superiors_api_refuses_with_problem_json_stable_codes_and_the_field_at_fault(sqlite_system: System) -> None:
    system = sqlite_system
    client = PortalClient(system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi"):
        client.login(user, PASSWORD)
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",  # decided by the district itself
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Trịnh Văn Quyết"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }
    nomination = client.submit("cdcs.dst", body)
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination["id"])
    move_clock(system, 20)
    wait_until(
        lambda: [t["id"] for t in client.every("ld.hanoi", "/api/v1/queues/HN/overdue-below")],
        lambda ids: task["id"] in ids,
        what="the city alerted",
    )

    def refusal(user: str, path: str, payload: dict[str, Any]) -> tuple[int, str, dict[str, Any]]:
        response = client.http.post(path, json=payload, headers=client.auth(user))
        return response.status_code, response.headers["content-type"], response.json()

    status, kind, problem = refusal("ld.hanoi", f"/api/v1/tasks/{task['id']}/receive-directly", {})
    assert (status, kind, problem["code"]) == (409, "application/problem+json", "final_decision_is_lower_units")
    assert "không được nhận trực tiếp" in problem["title"]
    status, _, problem = refusal("ld.sontay", f"/api/v1/tasks/{task['id']}/urge", {"message": "Tự đôn đốc đơn vị mình"})
    assert (status, problem["code"]) == (403, "not_alerted_superior")
    status, _, problem = refusal("ld.hanoi", f"/api/v1/tasks/{task['id']}/urge", {"message": ""})
    assert (status, [f["field"] for f in problem["fields"]]) == (422, ["message"])
    status, _, problem = refusal("ld.hanoi", f"/api/v1/tasks/{task['id']}/due-date", {"due_on": "31/02/2027", "reason": "Chờ"})
    assert status == 422
    assert any(f["field"].endswith("due_on") for f in problem["fields"])

    urged = client.post("ld.hanoi", f"/api/v1/tasks/{task['id']}/urge", {"message": "Đề nghị thị xã xét trong tuần"})
    assert urged["moves"][-1]["kind"] == "urged"
    assert urged["superior_actions"] == ["urge", "set_due_date"]
    client.close()
