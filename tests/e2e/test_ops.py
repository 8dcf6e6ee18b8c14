"""Operations on the running system: every process's /metrics and heartbeat, `thidua ops status` for a
person and for a cron job (its exit code), and what it says when a service goes away."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.platform.settings import SERVICES
from tests.deploy.test_config_files import METRICS_CONTRACT
from tests.e2e.conftest import PASSWORD, start_system
from thidua.client import PortalClient
from thidua.system import System

pytestmark = pytest.mark.e2e

# What each process shows at /metrics once a nomination has gone through (the names dashboards and alerts use).
SERVICE_METRICS = {
    "registration": [
        "faststream_received_processed_messages_total",
        "thidua_outbox_pending_rows",
        "thidua_jetstream_consumer_pending_messages",
    ],
    "review": [
        "faststream_received_processed_messages_duration_seconds_bucket",
        "thidua_jetstream_consumer_ack_pending_messages",
        "thidua_review_queue_depth_tasks",
        "thidua_review_oldest_task_age_seconds",
        "thidua_review_overdue_tasks",
        "thidua_outbox_oldest_pending_age_seconds",
    ],
    "awards": ["thidua_awards_decisions_issued_total", "faststream_published_messages_total"],
    "portal": ["thidua_outbox_pending_rows", "faststream_published_messages_total"],
}


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("ops")
    for service in SERVICES:
        (base / service).mkdir()
    yield from start_system(base, "sqlite")


def ops_status(system: System, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env["THIDUA_VAR_DIR"] = str(system.config.var_dir)  # the operator's signing key is there
    return subprocess.run(
        [sys.executable, "-m", "thidua", "ops", "status", "--nats-url", system.user_nats_url("operator"), *args],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_metrics_heartbeats_and_ops_status_on_a_running_system(system: System, tmp_path: Path) -> None:
    client = PortalClient(system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ky.sontay"):
        client.login(user, PASSWORD)
    body = {
        "unit_code": "HN-SONTAY-DST",
        "period": "2026",
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }
    decided = client.submit(
        "cdcs.dst", {**body, "award_code": "giay_khen_ldld_huyen", "nominee": {"kind": "individual", "name": "An"}}
    )
    waiting = client.submit(
        "cdcs.dst", {**body, "award_code": "giay_khen_ldld_huyen", "nominee": {"kind": "individual", "name": "Bình"}}
    )
    task = client.task_in_queue("ld.sontay", "HN-SONTAY", decided["id"])
    client.claim_and_decide("ld.sontay", task["id"], "approve")
    client.sign_draft_of("ky.sontay", decided["id"])
    client.wait_for("cdcs.dst", decided["id"], lambda n: n["status"] == "granted", what="granted")
    client.task_in_queue("ld.sontay", "HN-SONTAY", waiting["id"])

    for service, names in SERVICE_METRICS.items():
        text = httpx.get(f"http://127.0.0.1:{system.config.http_ports[service]}/metrics", timeout=10).text
        absent = [name for name in names if f"\n{name}{{" not in text]
        assert not absent, f"{service} /metrics lacks {absent}"
    # Every name the dashboard and the alerts use (deploy/) is exported by some process, with its type.
    declared: dict[str, str] = {}
    for service in SERVICES:
        text = httpx.get(f"http://127.0.0.1:{system.config.http_ports[service]}/metrics", timeout=10).text
        declared |= dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.M))
    expected = {name: kind for name, kind in METRICS_CONTRACT.items() if name != "up"}  # `up` is Prometheus' own
    missing = {name: kind for name, kind in expected.items() if declared.get(name) != kind}
    assert not missing, f"exported nowhere with that type: {missing}"
    review_metrics = httpx.get(f"http://127.0.0.1:{system.config.http_ports['review']}/metrics", timeout=10).text
    assert 'thidua_review_queue_depth_tasks{level="district",unit="HN-SONTAY"} 1.0' in review_metrics

    # Every instance's heartbeat arrives within a few seconds of start-up.
    deadline = time.monotonic() + 30
    while True:
        result = ops_status(system, "--json")
        report = json.loads(result.stdout)
        if all(s["ready"] == 1 for s in report["services"]) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert result.returncode == 0, result.stdout + result.stderr
    assert report["healthy"] is True
    assert {s["service"]: s["ready"] for s in report["services"]} == dict.fromkeys(SERVICES, 1)
    stages = {s["stage"]: s for s in report["pipeline"]["stages"]}
    assert stages["decided"]["count"] == 1
    assert stages["district"]["count"] == 1
    assert report["queues"]["slowest"][0]["unit_code"] == "HN-SONTAY"
    assert {c["durable"] for c in report["consumers"]} >= {"review-registration", "awards-review"}

    table = ops_status(system)
    assert table.returncode == 0
    assert "ỔN ĐỊNH" in table.stdout
    assert "Liên đoàn Lao động thị xã Sơn Tây" in table.stdout

    # Awards stops cleanly (its heartbeat is withdrawn at once): the report says so and exits 1 for cron.
    system.stop_service("awards")
    down = ops_status(system)
    assert down.returncode == 1, down.stdout
    assert "Dịch vụ Khen thưởng (awards): không có phiên bản nào sẵn sàng" in down.stdout

    unreachable = subprocess.run(
        [sys.executable, "-m", "thidua", "ops", "status", "--nats-url", "nats://127.0.0.1:1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreachable.returncode == 2
    assert "không kết nối được NATS" in unreachable.stderr
