"""`thidua up` as a person runs it: a clear error for a taken port; Ctrl-C stops cleanly; a restart keeps the data."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from shared.platform.settings import SERVICES
from thidua.client import PortalClient
from thidua.demo_documents import attach_documents
from thidua.natsserver import free_port

pytestmark = pytest.mark.e2e


def up_env(ports: dict[str, int]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env["THIDUA_NATS_PORT"] = str(ports["nats"])
    env["THIDUA_MAILSINK_PORT"] = str(ports.get("mailsink") or free_port())
    for service in SERVICES:
        env[f"THIDUA_{service.upper()}_PORT"] = str(ports[service])
    return env


def start_up(var_dir: Path, ports: dict[str, int]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "thidua", "up", "--var-dir", str(var_dir)],
        env=up_env(ports),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_banner(process: subprocess.Popen[str], timeout: float = 90) -> str:
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line)
        if "Ctrl-C" in line:
            return "".join(seen)
        if not line and process.poll() is not None:
            break
    raise AssertionError("thidua up never printed its banner:\n" + "".join(seen))


def test_up_refuses_a_taken_port_with_a_clear_message(tmp_path: Path) -> None:
    ports = {"nats": free_port(), **{s: free_port() for s in SERVICES}}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", ports["nats"]))
        taken.listen()
        result = subprocess.run(
            [sys.executable, "-m", "thidua", "up", "--var-dir", str(tmp_path)],
            env=up_env(ports),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"cổng đã có chương trình khác dùng: nats ({ports['nats']})" in result.stderr
    assert "THIDUA_NATS_PORT" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_ctrl_c_stops_everything_and_the_next_start_resumes_with_the_same_data(tmp_path: Path) -> None:
    ports = {"nats": free_port(), **{s: free_port() for s in SERVICES}}
    portal = f"http://127.0.0.1:{ports['portal']}"
    first = start_up(tmp_path, ports)
    banner = wait_for_banner(first)
    assert portal in banner
    assert "cdcs.dst" in banner
    assert "thidua2025" in banner
    # the demo command as it must be typed for this system's ports and data directory
    assert f"THIDUA_PORTAL_PORT={ports['portal']} THIDUA_NATS_PORT={ports['nats']} THIDUA_VAR_DIR=" in banner
    client = PortalClient(portal)
    client.login("cdcs.dst", "thidua2025")
    body = {
        "unit_code": "HN-SONTAY-DST",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Hoàng Văn Bền"},
        "achievements": "Nhiều năm liền hoàn thành xuất sắc nhiệm vụ được giao.",
    }
    nomination = client.submit("cdcs.dst", {**body, "attachments": attach_documents(client, "cdcs.dst", body)})
    client.close()
    first.send_signal(signal.SIGINT)
    assert first.wait(60) == 0
    for port in ports.values():
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still served after Ctrl-C"

    second = start_up(tmp_path, ports)
    try:
        wait_for_banner(second)
        client = PortalClient(portal)
        client.login("cdcs.dst", "thidua2025")
        again = client.wait_for("cdcs.dst", nomination["id"], lambda n: n["status"] == "in_review", what="in review")
        assert again["current_unit_code"] == "HN-SONTAY"
        client.close()
        assert httpx.get(f"http://127.0.0.1:{ports['review']}/readyz").json()["outbox_pending"] == 0
    finally:
        second.send_signal(signal.SIGINT)
        assert second.wait(60) == 0
