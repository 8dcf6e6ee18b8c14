"""`thidua seed-reports`: demo data at the seeds' scale, through the running system.

LĐLĐ quận Thanh Xuân gets its 285 CĐCS and thị xã Sơn Tây 120 (reorganisations applied by `admin`, effective
01/01/2023, so the units are registration's own units), and the CĐCS record thousands of sáng kiến cấp cơ sở and
Giấy khen for 2023–2025 in the grassroots register (awards' RPC, through the portal). Sơn Tây's 2024 innovations are
the seed's 75 public administration, 446 school and 1.301 enterprise ones (seed 003); everything else, including
the sector shares of the generated CĐCS and the per-CĐCS rates, is a demo assumption, not a source figure.

Deterministic for a seed; running it again records nothing twice (fixed reorganisation ids and entry keys).
The shipped 2025 reorganisations (one per district, as `thidua demo` applies them) are applied first when they have
not been, and a third one moves the generated Thanh Xuân and Sơn Tây CĐCS to the ward unions from 01/07/2025, so the
dated tree stays whole.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from thidua.client import ApiError, PortalClient
from thidua.demo_world import reorganisation_files
from thidua.opscli import default_portal_url
from thidua.reorgctl import admin_password, read_file, wait_for_review

COMMANDS = ("seed-reports",)
UNITS_ID = "demo-reports-units-2023"
WARDS_ID = "demo-reports-wards-2025"
YEARS = (2023, 2024, 2025)
# The ward unions the shipped 2025 files create for each district (the generated CĐCS are spread over them).
WARDS = {
    "HN-THANHXUAN": ("HN-P-THANHXUAN", "HN-P-KHUONGDINH", "HN-P-PHUONGLIET"),
    "HN-SONTAY": ("HN-P-SONTAY", "HN-P-TUNGTHIEN"),
}
BATCH = 500
PARALLEL = 4  # requests in flight: the services are async; SQLite serialises the writes themselves
# Demo assumptions (not from a source): how many CĐCS to add per sector, and yearly rates per CĐCS.
NEW_CDCS = {
    "HN-THANHXUAN": {"public_administration": 85, "school": 100, "enterprise": 98},  # + the 2 in units.toml = 285
    "HN-SONTAY": {"public_administration": 30, "school": 35, "enterprise": 53},  # + the 2 in units.toml = 120
}
EXISTING_CDCS = {
    "HN-THANHXUAN": {
        "HN-THANHXUAN-UBNDPHUONG": "public_administration",
        "HN-THANHXUAN-SAOVANG": "enterprise",
    },
    "HN-SONTAY": {"HN-SONTAY-DST": "enterprise", "HN-SONTAY-THPTSONTAY": "school"},
}
# Sơn Tây 2024, seed 003: "khối Hành chính sự nghiệp là 75 sáng kiến; Khối trường học là 446; khối doanh nghiệp là 1.301".
SONTAY_2024_INNOVATIONS = {"public_administration": 75, "school": 446, "enterprise": 1301}
YEAR_FACTOR = {2023: 0.9, 2024: 1.0, 2025: 1.06}
INNOVATIONS_PER_CDCS = {"public_administration": 1.5, "school": 3.5, "enterprise": 6.0}  # Thanh Xuân, per year
GIAY_KHEN_PER_CDCS = {"public_administration": 4, "school": 6, "enterprise": 7}  # individuals, per year; +1 collective

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Phan", "Trịnh")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Hữu", "Ngọc", "Quang", "Thanh", "Kim", "Xuân", "Hồng", "Bảo", "Gia")
GIVEN = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hoa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Trung",
    "Tuấn",
    "Vân",
    "Yến",
)
WARD_NAMES = (
    "Khương Mai",
    "Khương Trung",
    "Khương Đình",
    "Hạ Đình",
    "Thanh Xuân Bắc",
    "Thanh Xuân Nam",
    "Thanh Xuân Trung",
    "Nhân Chính",
    "Thượng Đình",
    "Kim Giang",
    "Phương Liệt",
    "Trung Hưng",
    "Viên Sơn",
    "Xuân Khanh",
    "Sơn Lộc",
)
SCHOOL_KINDS = ("Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường THPT")
OFFICES = ("UBND phường", "Trạm Y tế phường", "Trung tâm Văn hóa phường", "Phòng Giáo dục và Đào tạo", "Ban Quản lý dự án")
FIRM_WORDS = (
    "Hòa Bình",
    "Tân Phát",
    "Minh Long",
    "Sao Mai",
    "Thăng Long",
    "Hồng Hà",
    "Việt Hưng",
    "An Phú",
    "Đại Dương",
    "Trường Thành",
    "Phú Cường",
    "Kim Sơn",
    "Bảo Tín",
    "Đông Đô",
    "Vạn Xuân",
    "Nam Tiến",
    "Ngọc Khánh",
    "Thành Công",
)
FIRM_TRADES = ("Cơ khí", "Xây dựng", "May mặc", "Thực phẩm", "Điện tử", "Dược phẩm", "Vận tải", "In", "Bao bì", "Nhựa")
TOPICS = (
    "cải tiến quy trình",
    "tiết kiệm điện năng",
    "giảm phế phẩm",
    "chuyển đổi số hồ sơ",
    "an toàn lao động",
    "nâng cao năng suất",
    "đổi mới phương pháp giảng dạy",
    "cải cách thủ tục hành chính",
    "tiết kiệm vật tư",
)
HEADS = {"HN-THANHXUAN": ("THANHXUAN", "quận Thanh Xuân"), "HN-SONTAY": ("SONTAY", "thị xã Sơn Tây")}


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    short_name: str
    parent: str
    sector: str


def demo_units(seed: int) -> list[DemoUnit]:
    """The CĐCS to create, deterministic for the seed; codes like HN-THANHXUAN-D001."""
    rng = random.Random(f"units-{seed}")
    units: list[DemoUnit] = []
    for parent, per_sector in NEW_CDCS.items():
        prefix, _ = HEADS[parent]
        n = 0
        for sector, count in per_sector.items():
            for _ in range(count):
                n += 1
                name = _unit_name(rng, sector, n)
                units.append(DemoUnit(f"HN-{prefix}-D{n:03d}", f"Công đoàn {name}", f"CĐ {name}"[:200], parent, sector))
    return units


def _unit_name(rng: random.Random, sector: str, n: int) -> str:
    ward = rng.choice(WARD_NAMES)
    if sector == "school":
        return f"{rng.choice(SCHOOL_KINDS)} {ward} số {n}"
    if sector == "public_administration":
        return f"{rng.choice(OFFICES)} {ward} ({n})"
    return f"Công ty CP {rng.choice(FIRM_TRADES)} {rng.choice(FIRM_WORDS)} {n}"


def cdcs_by_parent(seed: int) -> dict[str, dict[str, str]]:
    """Every CĐCS of each district (existing and generated) with its sector."""
    found = {parent: dict(units) for parent, units in EXISTING_CDCS.items()}
    for u in demo_units(seed):
        found[u.parent][u.code] = u.sector
    return found


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _decided_on(rng: random.Random, year: int) -> date:
    """Year-end review ("tổng kết", December) mostly; Tháng Công nhân (May) from 2024 (base salary known from 07/2023)."""
    if year > 2023 and rng.random() < 0.2:
        return date(year, 5, rng.randint(10, 25))
    return date(year, 12, rng.randint(10, 26))


def demo_entries(seed: int) -> dict[str, list[dict[str, Any]]]:
    """Grassroots register rows per CĐCS for 2023–2025. Sơn Tây's 2024 innovations match the seed per sector."""
    rng = random.Random(f"entries-{seed}")
    rows: dict[str, list[dict[str, Any]]] = {}
    for parent, cdcs in cdcs_by_parent(seed).items():
        by_sector: dict[str, list[str]] = {}
        for code, sector in sorted(cdcs.items()):
            by_sector.setdefault(sector, []).append(code)
        for year in YEARS:
            for sector, codes in by_sector.items():
                if parent == "HN-SONTAY":
                    total = round(SONTAY_2024_INNOVATIONS[sector] * YEAR_FACTOR[year])
                else:
                    total = round(INNOVATIONS_PER_CDCS[sector] * len(codes) * YEAR_FACTOR[year])
                weights = [rng.uniform(0.3, 1.7) for _ in codes]
                for i in range(total):
                    code = rng.choices(codes, weights)[0]
                    rows.setdefault(code, []).append(_innovation(rng, code, year, i))
                for code in codes:
                    for i in range(max(1, round(rng.gauss(GIAY_KHEN_PER_CDCS[sector], 1.5)))):
                        rows.setdefault(code, []).append(_giay_khen(rng, code, year, i, "individual"))
                    rows[code].append(_giay_khen(rng, code, year, 0, "collective"))
    return rows


def _innovation(rng: random.Random, code: str, year: int, i: int) -> dict[str, Any]:
    on = _decided_on(rng, year)
    group = rng.random() < 0.08
    return {
        "award_code": "sang_kien_co_so",
        "nominee_kind": "collective" if group else "individual",
        "nominee_name": f"Nhóm tác giả {_name(rng)}" if group else _name(rng),
        "decided_on": on.isoformat(),
        "decision_number": f"{rng.randint(1, 40)}/QĐ-CĐCS",
        "title": f"Giải pháp {rng.choice(TOPICS)} ({year}-{i + 1})",
        "entry_key": f"demo-sk-{code}-{year}-{i}",
    }


def _giay_khen(rng: random.Random, code: str, year: int, i: int, kind: str) -> dict[str, Any]:
    on = date(year, 12, rng.randint(15, 28))
    return {
        "award_code": "giay_khen_cdcs",
        "nominee_kind": kind,
        "nominee_name": f"Tổ công đoàn số {rng.randint(1, 9)}" if kind == "collective" else _name(rng),
        "decided_on": on.isoformat(),
        "decision_number": f"{rng.randint(41, 90)}/QĐ-CĐCS",
        "entry_key": f"demo-gk-{kind[0]}-{code}-{year}-{i}",
    }


def units_reorganisation(seed: int) -> dict[str, Any]:
    return {
        "id": UNITS_ID,
        "title": "Dữ liệu mẫu cho báo cáo: 285 CĐCS quận Thanh Xuân, 120 CĐCS thị xã Sơn Tây",
        "effective_on": "2023-01-01",
        "source": "thidua seed-reports (dữ liệu mẫu; tên đơn vị và tỷ lệ khối là giả định)",
        "create": [
            {
                "code": u.code,
                "name": u.name,
                "short_name": u.short_name,
                "level": "grassroots",
                "parent": u.parent,
                "sector": u.sector,
            }
            for u in demo_units(seed)
        ],
    }


def wards_reorganisation(seed: int) -> dict[str, Any]:
    moves = []
    for district, wards in WARDS.items():
        moved = [u for u in demo_units(seed) if u.parent == district]
        moves += [{"unit": u.code, "to": wards[i % len(wards)]} for i, u in enumerate(moved)]
    return {
        "id": WARDS_ID,
        "title": "Dữ liệu mẫu: các CĐCS mẫu của Thanh Xuân và Sơn Tây chuyển về công đoàn phường",
        "effective_on": "2025-07-01",
        "source": "thidua seed-reports (phường của từng CĐCS là giả định)",
        "move": moves,
    }


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("seed-reports", help="dữ liệu mẫu cho báo cáo ở quy mô các bài nguồn (285 CĐCS, hàng nghìn mục)")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--portal-url", default=default_portal_url())
    p.add_argument("--user", default=os.environ.get("THIDUA_ADMIN_USER", "admin"), help="người dùng quản trị (admin)")


def _apply(client: PortalClient, user: str, body: dict[str, Any]) -> bool:
    """Apply a reorganisation and wait for review; False when it was applied before."""
    try:
        result = client.post(user, "/api/v1/ops/reorganisations", {"reorganisation": body, "apply": True})
    except ApiError as exc:
        if exc.problem.get("code") == "reorganisation_applied":
            return False
        raise
    wait_for_review(client, user, result["summary"]["reorganisation_id"])
    return True


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _record(args: argparse.Namespace, rows: dict[str, list[dict[str, Any]]]) -> tuple[int, int]:
    """Send each CĐCS's rows (batches of at most BATCH) from a few clients at once; (recorded, already recorded)."""
    local = threading.local()
    clients: list[PortalClient] = []
    lock = threading.Lock()

    def send(batch: tuple[str, list[dict[str, Any]]]) -> tuple[int, int]:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = PortalClient(args.portal_url, timeout=120.0)
            client.login(args.user, admin_password())
            with lock:
                clients.append(client)
        reply = client.post(args.user, "/api/v1/grassroots-awards", {"unit_code": batch[0], "entries": batch[1]})
        return int(reply["recorded"]), int(reply["already_recorded"])

    batches = [(code, e[i : i + BATCH]) for code, e in sorted(rows.items()) for i in range(0, len(e), BATCH)]
    try:
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            results = list(pool.map(send, batches))
    finally:
        for client in clients:
            client.close()
    return sum(r for r, _ in results), sum(a for _, a in results)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    client = PortalClient(args.portal_url, timeout=120.0)
    try:
        client.login(args.user, admin_password())
        steps = [(f"Sắp xếp tổ chức 2025, tệp có sẵn {path.name}", read_file(path)) for path in reorganisation_files()]
        steps += [
            ("Tạo CĐCS mẫu", units_reorganisation(args.seed)),
            ("Chuyển CĐCS mẫu về công đoàn phường", wards_reorganisation(args.seed)),
        ]
        for label, body in steps:
            done = _apply(client, args.user, body)
            print(f"{label}: {'đã áp dụng' if done else 'đã có từ trước, bỏ qua'}")
        rows = demo_entries(args.seed)
        recorded, already = _record(args, rows)
    except ApiError as exc:
        fields = "; ".join(f"{f.get('field')}: {f.get('message')}" for f in (exc.problem.get("fields") or [])[:5])
        print(f"thidua: {exc.problem.get('title') or exc}" + (f"\n  {fields}" if fields else ""), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"thidua: không kết nối được {args.portal_url} ({exc}). Hệ thống đã chạy chưa?", file=sys.stderr)
        return 1
    finally:
        client.close()
    took = time.monotonic() - started
    print(f"Sổ khen thưởng cơ sở: ghi mới {vn(recorded)} dòng, đã có {vn(already)} dòng ({len(rows)} CĐCS) trong {took:.1f} s")
    print("Xem: /bao-cao (ví dụ đăng nhập ld.sontay, năm 2024)")
    return 0
