"""`thidua reorg check|apply` against the running system: every shipped 2025 file checks against the migrated tree,
and Hà Đông's moves an open district task to the ward union's queue, through registration's event and review's
consumer."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.platform.settings import SERVICES
from shared.rules.reference import DATA_DIR
from tests.e2e.conftest import PASSWORD, start_system
from thidua.client import PortalClient
from thidua.demo_world import reorganisation_files
from thidua.system import System

pytestmark = pytest.mark.e2e

FILE = DATA_DIR / "reorganisations" / "2025-07-01-ha-dong.toml"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("reorg")
    for service in SERVICES:
        (base / service).mkdir()
    yield from start_system(base, "sqlite")


def reorg(system: System, action: str, file: Path = FILE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env |= {"THIDUA_PORTAL_URL": system.portal_url, "THIDUA_DEMO_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "thidua", "reorg", action, str(file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_then_apply_moves_the_open_task_to_the_ward_union(system: System) -> None:
    for file in reorganisation_files():  # every shipped file checks against the migrated tree (nothing applied yet)
        checked = reorg(system, "check", file)
        assert checked.returncode == 0, (file.name, checked.stderr)
        assert "Kiểm tra (chưa áp dụng)" in checked.stdout
        assert "Giải thể: Liên đoàn Lao động " in checked.stdout, checked.stdout
        assert "Thành lập: Công đoàn " in checked.stdout, checked.stdout

    client = PortalClient(system.portal_url)
    for user in ("cdcs.vanquan", "admin"):
        client.login(user, PASSWORD)
    body = {
        "unit_code": "HN-HADONG-VANQUAN",
        "award_code": "giay_khen_ldld_huyen",
        "period": "2026",
        "nominee": {"kind": "individual", "name": "Đỗ Thị Hạnh"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học, có sáng kiến được công nhận.",
    }
    nomination = client.submit("cdcs.vanquan", body)
    task = client.task_in_queue("admin", "HN-HADONG", nomination["id"])

    checked = reorg(system, "check")
    assert checked.returncode == 0, checked.stderr
    assert "Kiểm tra (chưa áp dụng)" in checked.stdout
    assert "Giải thể: Liên đoàn Lao động quận Hà Đông (HN-HADONG)" in checked.stdout
    assert "Xét duyệt: 1 nhiệm vụ sẽ chuyển hộp việc" in checked.stdout
    assert client.task_in_queue("admin", "HN-HADONG", nomination["id"])["id"] == task["id"]  # nothing written

    applied = reorg(system, "apply")
    assert applied.returncode == 0, applied.stderr
    assert "Đã áp dụng" in applied.stdout
    assert "Xét duyệt: 1 nhiệm vụ đã chuyển hộp việc" in applied.stdout
    moved = client.task_in_queue("admin", "HN-P-HADONG", nomination["id"])
    assert moved["id"] == task["id"]
    assert moved["due_at"] == task["due_at"]
    timeline = client.nomination("admin", nomination["id"])["timeline"]
    assert any(s["step"] == "reorganised" for s in timeline)

    again = reorg(system, "apply")
    assert again.returncode == 1
    assert "đã được áp dụng" in again.stderr
