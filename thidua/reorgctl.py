"""`thidua reorg check|apply FILE`: reorganise the unit tree (close, create, move, rename, merge) from a
file like `shared/data/reorganisations/2025-07-01-thanh-xuan.toml`, as an administrator, through the portal.

`check` shows what would change, in registration (units, nominations re-pathed) and in review (open
tasks that would move to a new queue), writing nothing. `apply` applies it and waits for review to follow.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from shared.platform.defaults import DEFAULT_DEMO_PASSWORD
from thidua.client import ApiError, PortalClient
from thidua.opscli import default_portal_url

COMMANDS = ("reorg",)
REVIEW_WAIT_SECONDS = 60.0


def add_parsers(sub: Any) -> None:
    reorg = sub.add_parser("reorg", help="sắp xếp lại cây đơn vị theo một tệp (kiểm tra trước, rồi áp dụng)")
    reorg.add_argument("action", choices=("check", "apply"))
    reorg.add_argument("file", type=Path)
    reorg.add_argument("--portal-url", default=default_portal_url())
    reorg.add_argument("--user", default=os.environ.get("THIDUA_ADMIN_USER", "admin"), help="người dùng quản trị (admin)")
    reorg.add_argument("--json", action="store_true", help="kết quả dạng JSON cho chương trình")


def admin_password() -> str:
    return os.environ.get("THIDUA_ADMIN_PASSWORD") or os.environ.get("THIDUA_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def read_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as f:
        raw = tomllib.load(f)
    parsed: dict[str, Any] = json.loads(json.dumps(raw, default=str))  # TOML dates as ISO strings
    return parsed


def run(args: argparse.Namespace) -> int:
    try:
        body = read_file(args.file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        print(f"thidua: không đọc được {args.file}: {exc}", file=sys.stderr)
        return 2
    client = PortalClient(args.portal_url, timeout=60.0)
    try:
        client.login(args.user, admin_password())
        result: dict[str, Any] = client.post(
            args.user, "/api/v1/ops/reorganisations", {"reorganisation": body, "apply": args.action == "apply"}
        )
        if args.action == "apply":
            result["review"] = wait_for_review(client, args.user, result["summary"]["reorganisation_id"])
    except ApiError as exc:
        fields = "; ".join(f"{f.get('field')}: {f.get('message')}" for f in exc.problem.get("fields") or [])
        print(f"thidua: {exc.problem.get('title') or exc}" + (f"\n  {fields}" if fields else ""), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"thidua: không kết nối được {args.portal_url} ({exc}). Hệ thống đã chạy chưa?", file=sys.stderr)
        return 1
    finally:
        client.close()
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result))
    return 0


def wait_for_review(client: PortalClient, user: str, reorganisation_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + REVIEW_WAIT_SECONDS
    while True:
        followed: dict[str, Any] = client.get(user, f"/api/v1/ops/reorganisations/{reorganisation_id}")
        if followed["processed"] or time.monotonic() > deadline:
            return followed["summary"] or {}
        time.sleep(0.5)


def render(result: dict[str, Any]) -> str:
    s = result["summary"]
    review = result.get("review") or {}
    verb = "Đã áp dụng" if result["applied"] else "Kiểm tra (chưa áp dụng)"
    out = [f"{verb}: {s['title']} — hiệu lực từ {s['effective_on']}"]
    for label, items in (("Giải thể", s["closed"]), ("Thành lập", s["created"])):
        out += [f"  {label}: {u['name']} ({u['code']})" for u in items]
    out += [f"  Đổi tên: {r['before']} → {r['after']} ({r['code']})" for r in s["renamed"]]
    out += [f"  Hợp nhất: {', '.join(m['units'])} → {m['into']}" for m in s["merged"]]
    out += [f"  Chuyển: {m['name']} ({m['code']}) từ {m['from']} sang {m['to']}" for m in s["moved"]]
    out.append(f"  CĐCS chuyển đơn vị cấp trên: {s['cdcs_moved']}; hồ sơ đang mở đổi tuyến: {s['nominations_repathed']}")
    out += [f"    {code}: {n} hồ sơ" for code, n in s["nominations_per_new_superior"].items()]
    if review:
        moved = "đã chuyển" if result["applied"] else "sẽ chuyển"
        tasks, released = review.get("tasks_moved", 0), review.get("claims_released", 0)
        out.append(f"  Xét duyệt: {tasks} nhiệm vụ {moved} hộp việc, nhả {released} lượt nhận xử lý")
        per_unit = review.get("tasks_moved_per_new_unit", {})
        out += [f"    {code} ({u['name']}): {u['tasks']} nhiệm vụ" for code, u in per_unit.items()]
    elif result["applied"]:
        out.append("  Xét duyệt chưa xử lý xong; xem lại: GET /api/v1/ops/reorganisations/<id>")
    return "\n".join(out)
