"""How long the approver's queue page ("Hộp việc") takes with 100,000 tasks in one unit.

Run: .venv/bin/python bench/queue_page.py [tasks] [repetitions]

Starts the embedded system (SQLite, as `make run`), writes the tasks straight into review's
database (a benchmark shortcut: going through NATS would take minutes and measure something else),
signs in as ld.sontay and times the page. Baselines from the same run: the portal's /healthz (HTTP and
framework only), the JSON API for the same queue page (query without rendering), and the page's SQL
run directly on the SQLite file.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from shared.rules.text import normalize_name
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

UNIT = {
    "code": "HN-SONTAY",
    "name": "Liên đoàn Lao động thị xã Sơn Tây",
    "short_name": "LĐLĐ thị xã Sơn Tây",
    "level": "district",
    "decision_suffix": "QĐ-LĐLĐ",
}
ORIGINS = [("HN-SONTAY-DST", "Công đoàn Công ty CP tập đoàn DST"), ("HN-SONTAY-THPTSONTAY", "Công đoàn Trường THPT Sơn Tây")]
AWARDS = [
    ("giay_khen_ldld_huyen", "Giấy khen của Liên đoàn Lao động cấp huyện"),
    ("cong_nhan_gioi_thu_do", "Công nhân giỏi Thủ đô"),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hùng", "Lan", "Mai", "Nam", "Phúc", "Quân", "Tâm", "Thắng", "Yến"]
STATES = ["open"] * 30 + ["claimed"] * 10 + ["forwarded"] * 40 + ["approved"] * 15 + ["returned"] * 5

DOCUMENTS_OPTIONAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "attachments-documents-optional.toml"


def seed_tasks(database: str, count: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    rows = []
    for i in range(count):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)} {i}"
        state = rng.choice(STATES)
        opened = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        due = opened + timedelta(days=14) if rng.random() < 0.9 else None
        origin = rng.choice(ORIGINS)
        award = rng.choice(AWARDS)
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        rows.append(
            (
                str(uuid.uuid4()), str(uuid.uuid4()), "HN-SONTAY", json.dumps(UNIT), state, 1,
                "u1" if state == "claimed" else None, "Phạm Quang Huy" if state == "claimed" else None,
                award[0], award[1], name, normalize_name(name), "individual", origin[0], origin[1], "2026",
                opened.strftime(fmt), due.strftime(fmt) if due else None, "HN-SONTAY", json.dumps(UNIT),
            )
        )  # fmt: skip
    with sqlite3.connect(database) as conn:
        conn.executemany(
            "INSERT INTO tasks (id, nomination_id, unit_code, unit, state, round, claimant_id, claimant_name,"
            " award_code, award_name, nominee_name, nominee_search, nominee_kind, origin_unit_code, origin_unit_name,"
            " period, opened_at, due_at, queue_unit_code, queue_unit)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.execute("ANALYZE")


def timed(call: Callable[[], object], repetitions: int) -> list[float]:
    call()  # warm up
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def row(label: str, times: list[float]) -> str:
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    return f"{label:<62} {statistics.median(times):>8.1f} {p95:>8.1f}"


def main(count: int, repetitions: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = SystemConfig(
            var_dir=Path(tmp) / "var",
            nats_port=free_port(),
            http_ports={s: free_port() for s in SERVICES},
            # The pipeline, not file handling, is measured: nominations go without their documents.
            extra_env={ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
        )
        system = System(config).start()
        try:
            database = make_url(config.database_url("review")).database
            assert database is not None
            started = time.perf_counter()
            seed_tasks(database, count)
            print(f"seeded {count:,} tasks in {time.perf_counter() - started:.1f} s")
            web = httpx.Client(base_url=system.portal_url, timeout=30)
            token = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/dang-nhap").text)
            assert token
            web.post("/dang-nhap", data={"username": "ld.sontay", "password": config.demo_password, "csrf_token": token.group(1)})
            api = httpx.Client(base_url=system.portal_url, timeout=30)
            bearer = api.post("/api/v1/auth/login", json={"username": "ld.sontay", "password": config.demo_password}).json()[
                "access_token"
            ]
            api.headers["Authorization"] = f"Bearer {bearer}"

            def page(query: str) -> Callable[[], object]:
                def get() -> object:
                    response = web.get(f"/hop-viec?unit=HN-SONTAY{query}")
                    assert response.status_code == 200, response.status_code
                    return response

                return get

            sql = sqlite3.connect(database)
            results = [
                ("baseline: portal /healthz", timed(lambda: api.get("/healthz"), repetitions)),
                (
                    "baseline: page 1 SQL straight on the SQLite file",
                    timed(
                        lambda: sql.execute(
                            # the queue the page shows: the tasks its unit holds (queue_unit_code, the index's column)
                            "SELECT * FROM tasks WHERE queue_unit_code='HN-SONTAY' AND state IN ('open','claimed')"
                            " ORDER BY due_at IS NULL, due_at, opened_at, id LIMIT 50"
                        ).fetchall(),
                        repetitions,
                    ),
                ),
                (
                    "baseline: JSON API, same queue page (no rendering)",
                    timed(lambda: api.get("/api/v1/queues/HN-SONTAY/tasks?limit=50"), repetitions),
                ),
                ("Hộp việc page 1 (default: open and claimed)", timed(page(""), repetitions)),
                ("Hộp việc page 1000 of all states (deep offset)", timed(page("&state=all&page=1000"), repetitions)),
                ("Hộp việc search 'nguyen van' (no diacritics)", timed(page("&q=nguyen+van"), repetitions)),
                (
                    "Hộp việc filters: open, award, CĐCS",
                    timed(page("&state=open&award_code=cong_nhan_gioi_thu_do&origin_unit_code=HN-SONTAY-DST"), repetitions),
                ),
                ("Hộp việc quá hạn (overdue)", timed(page("&state=overdue"), repetitions)),
            ]
            sql.close()
        finally:
            system.stop()
    print(f"\n{count:,} tasks in HN-SONTAY, {repetitions} requests each, milliseconds")
    print(f"{'measure':<62} {'median':>8} {'p95':>8}")
    for label, times in results:
        print(row(label, times))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 30)
