"""`thidua demo` on a fresh system, as a new user runs it after `make run`: the three sample nominations,
then the rules at work (a returned dossier, refusals with their reasons, the 2025 reorganisation). A second
run must work too (namesakes instead of duplicates; the reorganisation is not applied twice)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.platform.settings import ATTACHMENT_RULES_ENV, COUNCIL_RULES_ENV, SERVICES
from tests.conftest import SHIPPED_ATTACHMENT_RULES
from tests.e2e.conftest import PASSWORD, start_system
from thidua.system import System

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    base = tmp_path_factory.mktemp("demo")
    for service in SERVICES:
        (base / service).mkdir()
    # As shipped: the award's documents are required (the demo files a PDF for each).
    # And the shipped council rules: their thresholds are unconfirmed, so a vote below them warns.
    shipped = {ATTACHMENT_RULES_ENV: str(SHIPPED_ATTACHMENT_RULES), COUNCIL_RULES_ENV: ""}
    yield from start_system(base, "sqlite", extra_env=shipped)


def run_demo(system: System, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")} | {"THIDUA_DEMO_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "thidua", "demo", "--portal-url", system.portal_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=cwd,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_demo_shows_the_rules_at_work_and_runs_again(system: System, tmp_path: Path) -> None:
    first = run_demo(system, tmp_path)
    for expected in (
        "Quyết định số 1/QĐ-TLĐ",
        "ld.sontay trả lại hồ sơ Đinh Thị Thu: “Thành tích chưa nêu số liệu cụ thể",
        "CĐCS bổ sung, nộp lại (vòng 2); ld.sontay đồng ý: Chờ ký.",
        "ky.sontay (Chủ tịch LĐLĐ thị xã Sơn Tây) ký quyết định số",
        "✔ Quyết định số 1/QĐ-TLĐ ký số bởi Nguyễn Văn Khánh, Tổng Liên đoàn Lao động Việt Nam (chứng thư của CA demo)",
        "Bị từ chối (422 not_eligible)",
        "Mỗi người chỉ được tặng một lần: đã được tặng năm 2019",
        "người duyệt thấy cảnh báo:",
        "nominee.months_employed: Công tác 8 tháng, cần từ 10 tháng",
        "nominee.absence_working_days: Nghỉ 45 ngày làm việc",
        "kèm lưu ý cho cấp duyệt: Hội đồng cơ sở chưa đạt ngưỡng chưa xác nhận (Đồng ý 4/9 tổng số thành viên",
        "Hội đồng TĐKT LĐLĐ thị xã Sơn Tây họp 8/9 người",
        "Kết quả: Đạt (4/8 đồng ý, 4 không đồng ý; có mặt 8/9, bỏ phiếu kín)",
        "(tỷ lệ chưa xác nhận: chỉ cảnh báo, không chặn)",
        "(năm học) (20",  # the school-year sample, its period a school year
        "ld.sontay không duyệt: Không được duyệt",
        "Bị từ chối (422 campaign_window_closed) ở trường campaign_code:",
        "nhận hồ sơ từ 01/05/2023 đến 30/09/2023",
        "nộp Đào Văn Khánh: Đã nộp",
        "Bị từ chối (422 campaign_quota_reached) ở trường campaign_code:",
        "đã đủ chỉ tiêu 2/2 “Công nhân giỏi Thủ đô”",
        "giải thể Liên đoàn Lao động quận Thanh Xuân; thành lập 3 công đoàn phường;",
        "xét duyệt chuyển 1 nhiệm vụ, nhả 1 lượt nhận xử lý.",
        "Nhiệm vụ nay ở hộp việc Công đoàn phường Thanh Xuân (giữ nguyên hạn",
        "• Ông Trần Văn Nam, sinh 10/04/1968, Tổ trưởng tổ điện",
        "• Ông Trần Văn Nam, sinh 21/09/1995, Công nhân vận hành",
        "Hồ sơ theo người: sinh 21/09/1995: 1; sinh 10/04/1968: 0 (người trùng tên không bị tính chung).",
    ):
        assert expected in first, first

    # the state title's tờ trình, numbered in LĐLĐ TP's one register after its decisions, signed and checked
    number = re.search(r"Trạng thái: Đã trình cấp có thẩm quyền · Tờ trình số (\d+/TTr-LĐLĐ)", first)
    assert number, first
    signed = f"✔ Tờ trình số {number.group(1)} ký số bởi Phạm Quang Thanh, Liên đoàn Lao động Thành phố Hà Nội (chứng thư"
    assert signed in first, first
    # LĐLĐ TP records the state's answer: the title granted, the dossier granted
    answered = re.search(
        r"✔ ld\.hanoi ghi nhận kết quả: Quyết định số \d+/QĐ-UBND ngày [\d/]+ của Chủ tịch Ủy ban nhân dân thành phố Hà Nội"
        r" — Đã khen thưởng",
        first,
    )
    assert answered, first
    assert "fontTools" not in first  # fpdf2's font subsetting does not log into the demo's output
    # issue 18: a flat-amount biểu dương named after its issuer, and a Kỷ niệm chương (no prize) decided by the TLĐ
    assert "Trịnh Văn Lợi — Biểu dương công nhân giỏi, sáng kiến sáng tạo của Liên đoàn Lao động thị xã Sơn Tây" in first, first
    assert re.search(r"Quyết định số \d+/QĐ-LĐLĐ · Tiền thưởng 1\.000\.000 đ", first), first
    assert "Đặng Thị Hoa — Kỷ niệm chương “Vì sự nghiệp xây dựng tổ chức Công đoàn”" in first, first
    assert re.search(r"Quyết định số \d+/QĐ-TLĐ · Không kèm tiền thưởng", first), first

    second = run_demo(system, tmp_path)
    assert "Văn Quán (2)" in second  # a namesake, reviewed by the ward union that replaced the district
    assert "Công đoàn phường Thanh Xuân" in second
    assert "đã được áp dụng ở lần chạy trước" in second
    assert "CĐCS bổ sung, nộp lại (vòng 2)" in second
    assert second.count("campaign_quota_reached") == 1  # a new campaign of its own each run
    assert "thêm 0, 2 người đã có (nhập lại không nhân bản)" in second  # the register's import matches, never duplicates
    assert "Hồ sơ theo người: sinh 21/09/1995: 1; sinh 10/04/1968: 0" in second
