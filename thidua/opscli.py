"""`thidua dlq`, `thidua outbox` and `thidua ops stuck`: the operators' repair commands.

A thin layer: dead letters through `shared.platform.deadletters` straight on NATS (an admin tool), outboxes and
stuck nominations through the portal's `/api/v1/ops` as an ops or admin user. `--json` for scripts.
Exit codes: 0 done (and, for `outbox status`, every outbox healthy), 1 failed or unhealthy, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.platform.buspermissions import inbox_prefix
from shared.platform.defaults import DEFAULT_DEMO_PASSWORD, DEFAULT_HTTP_PORTS, DEFAULT_NATS_PORT
from thidua.credentials import user_url

OUTBOX_OWNERS = ("registration", "review", "awards", "portal")
SERVICE_LABELS = {"registration": "Tiếp nhận", "review": "Xét duyệt", "awards": "Khen thưởng", "portal": "Cổng"}
if TYPE_CHECKING:
    from shared.contracts.errors import DomainError

COMMANDS = ("dlq", "outbox", "ops")


def default_nats_url(user: str = "operator") -> str:
    """THIDUA_NATS_URL (with an operator's credentials), else the embedded system's, as its `operator` user (or
    `admin`, for the one command that republishes an event)."""
    if url := os.environ.get("THIDUA_NATS_URL"):
        return url
    var_dir = Path(os.environ.get("THIDUA_VAR_DIR", "var"))
    return user_url(var_dir, f"nats://127.0.0.1:{os.environ.get('THIDUA_NATS_PORT', DEFAULT_NATS_PORT)}", user)


def default_portal_url() -> str:
    port = os.environ.get("THIDUA_PORTAL_PORT", DEFAULT_HTTP_PORTS["portal"])
    return os.environ.get("THIDUA_PORTAL_URL") or f"http://127.0.0.1:{port}"


def add_parsers(sub: Any) -> None:
    """Add `dlq`, `outbox` and `ops` to the `thidua` command."""
    on_nats = argparse.ArgumentParser(add_help=False)
    on_nats.add_argument("--nats-url", default=default_nats_url())
    on_nats.add_argument("--json", action="store_true", help="kết quả dạng JSON cho chương trình")
    on_portal = argparse.ArgumentParser(add_help=False)
    on_portal.add_argument("--portal-url", default=default_portal_url())
    on_portal.add_argument(
        "--user", default=os.environ.get("THIDUA_OPS_USER", "ops"), help="người dùng vận hành (ops) hoặc quản trị (admin)"
    )
    on_portal.add_argument("--json", action="store_true", help="kết quả dạng JSON cho chương trình")

    dlq = sub.add_parser("dlq", help="thư lỗi: xem danh sách, chi tiết, phát lại, loại bỏ (trực tiếp trên NATS)")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="LỆNH")
    listing = dlq_sub.add_parser("list", parents=[on_nats], help="mới nhất trước")
    listing.add_argument("--service", help="chỉ thư lỗi của dịch vụ này (ví dụ review)")
    listing.add_argument("--limit", type=int, default=50)
    show = dlq_sub.add_parser("show", parents=[on_nats], help="mọi thông tin về một thư lỗi")
    show.add_argument("seq", type=int)
    replay = dlq_sub.add_parser("replay", parents=[on_nats], help="gửi lại vào chủ đề gốc rồi xoá khỏi hàng thư lỗi")
    replay.add_argument("seq", type=int, nargs="+")
    replay.add_argument("--by", required=True, help="ai phát lại (ghi vào nhật ký thao tác)")
    # Republishing an event is the stream administrator's right, not the operator user's (buspermissions).
    replay.set_defaults(nats_url=default_nats_url("admin"))
    discard = dlq_sub.add_parser("discard", parents=[on_nats], help="loại bỏ hẳn, ghi rõ ai và lý do")
    discard.add_argument("seq", type=int)
    discard.add_argument("--by", required=True)
    discard.add_argument("--reason", required=True, help="lý do (ít nhất 5 ký tự)")
    audit = dlq_sub.add_parser("audit", parents=[on_nats], help="các lần phát lại, loại bỏ gần nhất")
    audit.add_argument("--limit", type=int, default=20)

    outbox = sub.add_parser("outbox", help="outbox của từng dịch vụ: tồn đọng, dòng lỗi, gửi lại (qua cổng)")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True, metavar="LỆNH")
    outbox_sub.add_parser("status", parents=[on_portal], help="số dòng chờ, tuổi dòng cũ nhất, dòng lỗi của từng dịch vụ")
    retry = outbox_sub.add_parser("retry", parents=[on_portal], help="gửi lại các dòng lỗi của một dịch vụ (sau khi đã sửa)")
    retry.add_argument("service", choices=OUTBOX_OWNERS)
    retry.add_argument("--id", type=int, action="append", dest="ids", help="chỉ dòng này (dùng được nhiều lần)")

    ops = sub.add_parser("ops", help="vận hành: tình trạng dây chuyền, hồ sơ bị dừng")
    ops_sub = ops.add_subparsers(dest="ops_command", required=True, metavar="LỆNH")
    status = ops_sub.add_parser(
        "status", parents=[on_nats], help="trang vận hành trên dòng lệnh (mã thoát 1 khi có vấn đề, 2 khi không có NATS)"
    )
    status.add_argument("--max-consumer-lag", type=int, default=1000, help="số tin chưa giao mỗi consumer được chấp nhận")
    status.add_argument("--max-outbox-age", type=float, default=60.0, help="số giây một sự kiện chưa gửi được phép chờ")
    status.add_argument("--max-dead-letters", type=int, default=0, help="số thư lỗi được chấp nhận")
    stuck = ops_sub.add_parser(
        "stuck", parents=[on_portal], help="hồ sơ chưa có kết quả mà bước cuối đã quá một ngưỡng thời gian"
    )
    stuck.add_argument("--older-than", default="3d", help="ví dụ 2d, 12h, 1w (mặc định 3d)")
    stuck.add_argument("--limit", type=int, default=100)


def run(args: argparse.Namespace) -> int:
    if args.command == "ops" and args.ops_command == "status":
        return ops_status(args)  # on NATS alone, with its own exit codes: it imports what it needs itself
    from shared.contracts.errors import DomainError

    try:
        if args.command == "dlq":
            return on_nats(args)
        return on_portal(args)
    except DomainError as exc:
        _fail(_domain_message(exc))
    return 1


def on_nats(args: argparse.Namespace) -> int:
    """A dead-letter command, straight on NATS (the HTTP client is not loaded for it)."""
    import nats.errors

    from shared.platform.topology import redacted

    try:
        return asyncio.run(dlq_command(args))
    except (OSError, TimeoutError, nats.errors.Error) as exc:
        _fail(f"Không kết nối được {redacted(args.nats_url)} ({exc}). Hệ thống đã chạy chưa?")
    return 1


def on_portal(args: argparse.Namespace) -> int:
    """An outbox or stuck-nominations command, through the portal's API (NATS is not loaded for it)."""
    import httpx

    from thidua.client import ApiError

    try:
        return portal_command(args)
    except ApiError as exc:
        fields = "; ".join(f"{f.get('field')}: {f.get('message')}" for f in exc.problem.get("fields") or [])
        _fail(f"{exc.problem.get('title') or exc}" + (f" ({fields})" if fields else ""))
    except (OSError, TimeoutError, httpx.TransportError) as exc:
        _fail(f"Không kết nối được {args.portal_url} ({exc}). Hệ thống đã chạy chưa?")
    return 1


# Dead letters


async def dlq_command(args: argparse.Namespace) -> int:
    import nats

    from shared.platform import deadletters
    from shared.platform.topology import nats_servers

    async def quiet(exc: Exception) -> None:  # the failure is reported once, in Vietnamese, by `run`
        pass

    nc = await nats.connect(
        nats_servers(args.nats_url),
        name="thidua-dlq",
        inbox_prefix=inbox_prefix("operator"),
        connect_timeout=5,
        max_reconnect_attempts=1,
        reconnect_time_wait=0.1,  # one quick second try, as `ops status` makes, not nats-py's 2 s wait
        error_cb=quiet,
    )
    try:
        js = nc.jetstream()
        if args.dlq_command == "list":
            letters = await deadletters.list_dead_letters(js, service=args.service, limit=args.limit)
            _out(args, [d.model_dump(mode="json") for d in letters], lambda: print_dead_letters(letters))
            return 0
        if args.dlq_command == "show":
            letter = await deadletters.get_dead_letter(js, args.seq)
            _out(args, letter.model_dump(mode="json"), lambda: print_dead_letter(letter))
            return 0
        if args.dlq_command == "replay":
            return await _replay_all(js, args)
        if args.dlq_command == "discard":
            entry = await deadletters.discard(js, args.seq, by=args.by, reason=args.reason)
            _out(
                args,
                entry.model_dump(mode="json"),
                lambda: print(f"Đã loại bỏ thư lỗi số {args.seq} ({entry.by}: {entry.reason})"),
            )
            return 0
        entries = await deadletters.list_audit(js, args.limit)
        _out(args, [e.model_dump(mode="json") for e in entries], lambda: print_audit(entries))
        return 0
    finally:
        await nc.close()


async def _replay_all(js: Any, args: argparse.Namespace) -> int:
    from shared.contracts.errors import DomainError
    from shared.platform import deadletters

    results: list[dict[str, Any]] = []
    failed = 0
    for seq in args.seq:
        try:
            result = await deadletters.replay(js, seq, by=args.by)
        except DomainError as exc:
            failed += 1
            results.append({"dlq_seq": seq, "error": {"code": exc.code, "title": exc.title}})
            if not args.json:
                print(f"Thư lỗi số {seq}: {_domain_message(exc)}", file=sys.stderr)
            continue
        results.append(result.model_dump(mode="json"))
        if not args.json:
            note = " (đã phát lại trước đó, luồng bỏ qua bản trùng)" if result.duplicate else ""
            print(f"Đã phát lại thư lỗi số {seq} tới {result.subject} ({result.stream} #{result.stream_seq}){note}")
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 1 if failed else 0


def print_dead_letters(letters: Sequence[Any]) -> None:
    if not letters:
        print("Không có thư lỗi nào trong DEADLETTER.")
        return
    rows = [[str(d.seq), _when(d.time), d.service, d.original_subject, str(d.deliveries), _cut(d.reason, 60)] for d in letters]
    print_table(["Số", "Thời điểm", "Dịch vụ", "Chủ đề gốc", "Lần giao", "Lý do"], rows)


def print_dead_letter(d: Any) -> None:
    fields = [
        ("Số (DEADLETTER)", str(d.seq)),
        ("Thời điểm", _when(d.time)),
        ("Dịch vụ / consumer", f"{d.service} / {d.consumer}"),
        ("Chủ đề gốc", d.original_subject),
        ("Luồng gốc, số", f"{d.original_stream} #{d.original_seq or '—'}"),
        ("Số lần giao", str(d.deliveries)),
        ("Lỗi cuối", d.reason),
        ("Sự kiện", f"{d.event_type or '—'} {d.event_id or ''}".strip()),
        ("Hồ sơ", d.nomination_id or "—"),
        ("Correlation id", d.correlation_id or "—"),
    ]
    width = max(len(k) for k, _ in fields)
    for key, value in fields:
        print(f"{key:<{width}}  {value}")
    print("\nHeaders:")
    for key, value in sorted(d.headers.items()):
        print(f"  {key}: {value}")
    print("\nNội dung:")
    try:
        print(json.dumps(json.loads(d.payload), ensure_ascii=False, indent=2))
    except ValueError:
        print(d.payload)


def print_audit(entries: Sequence[Any]) -> None:
    if not entries:
        print("Chưa có thao tác nào.")
        return
    labels = {"replay": "phát lại", "discard": "loại bỏ"}
    rows = [
        [_when(e.at), labels[e.action], str(e.dlq_seq), e.service, e.original_subject, e.by, _cut(e.reason, 50)] for e in entries
    ]
    print_table(["Thời điểm", "Thao tác", "Số", "Dịch vụ", "Chủ đề gốc", "Người làm", "Lý do"], rows)


# Through the portal


def portal_command(args: argparse.Namespace) -> int:
    from thidua.client import PortalClient

    older_than = _seconds(args.older_than) if args.command == "ops" else 0
    client = PortalClient(args.portal_url, timeout=30.0)
    try:
        client.login(args.user, ops_password())
        if args.command == "outbox" and args.outbox_command == "status":
            statuses: dict[str, Any] = client.get(args.user, "/api/v1/ops/outbox")
            _out(args, statuses, lambda: print_outboxes(statuses))
            return 0 if all("error" not in s and not s.get("failing_count") for s in statuses.values()) else 1
        if args.command == "outbox":
            result = client.post(args.user, f"/api/v1/ops/outbox/{args.service}/retry", {"ids": args.ids})
            _out(
                args,
                result,
                lambda: print(f"{args.service}: gửi lại {result['retried']} dòng; xem lại bằng `thidua outbox status`"),
            )
            return 0
        stuck = client.get(args.user, "/api/v1/ops/stuck", older_than_seconds=older_than, limit=args.limit)
        _out(args, stuck, lambda: print_stuck(stuck))
        return 0
    finally:
        client.close()


def ops_password() -> str:
    return os.environ.get("THIDUA_OPS_PASSWORD") or os.environ.get("THIDUA_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def print_outboxes(statuses: dict[str, Any]) -> None:
    rows = []
    for service, s in statuses.items():
        label = f"{service} ({SERVICE_LABELS.get(service, service)})"
        if "error" in s:
            rows.append([label, "—", "—", "—", f"không trả lời: {s['error'].get('title', '')}"])
            continue
        age = s.get("oldest_pending_age_seconds")
        rows.append([label, str(s["pending"]), _age(age) if age is not None else "—", str(s["failing_count"]), ""])
    print_table(["Dịch vụ", "Chờ gửi", "Cũ nhất", "Đang lỗi", "Ghi chú"], rows)
    for service, s in statuses.items():
        for row in s.get("failing", []):
            print(f"\n{service} #{row['id']} {row['subject']} — {row['attempts']} lần lỗi, từ {_when(row['created_at'])}")
            print(f"  {_cut(row['last_error'] or '', 200)}")


def print_stuck(stuck: dict[str, Any]) -> None:
    items = stuck["items"]
    print(f"Hồ sơ chưa có kết quả, dừng lâu hơn {_age(stuck['older_than_seconds'])}: {stuck['total']}")
    if not items:
        return
    rows = [
        [
            i["id"][:8],
            _cut(i["nominee_name"], 28),
            i["status_label"],
            i["step"]["label"],
            _cut(i["step"]["unit_name"] or "—", 30),
            _when(i["step"]["at"]),
            _age(i["waiting_seconds"]),
        ]
        for i in items
    ]
    print_table(["Hồ sơ", "Người/tập thể", "Trạng thái", "Bước cuối", "Đơn vị", "Lúc", "Đã chờ"], rows)


# Formatting


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    for line in (headers, ["-" * w for w in widths], *rows):
        print("  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=False)).rstrip())


def _out(args: argparse.Namespace, data: Any, human: Callable[[], None]) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        human()


def _when(at: datetime | str | None) -> str:
    if at is None:
        return "—"
    from shared.contracts.values import VIETNAM_TZ

    if isinstance(at, str):
        at = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return f"{at.astimezone(VIETNAM_TZ):%d/%m/%Y %H:%M}"


def _age(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    return f"{minutes} phút" if minutes else f"{seconds} giây"


def _cut(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _seconds(text: str) -> int:
    from shared.contracts.errors import DomainError
    from thidua.clockctl import ClockError, parse_duration

    try:
        return int(parse_duration(text).total_seconds())
    except ClockError as exc:
        raise DomainError(str(exc), code="bad_duration") from exc


def _domain_message(exc: DomainError) -> str:
    fields = "; ".join(f.message for f in exc.fields if f.message != exc.title)
    return exc.title + (f" ({fields})" if fields else "")


def _fail(message: str) -> None:
    print(f"thidua: {message}", file=sys.stderr)


def ops_status(args: argparse.Namespace) -> int:
    from shared.platform.opsstatus import Thresholds
    from thidua import opsctl

    thresholds = Thresholds(
        consumer_lag=args.max_consumer_lag, outbox_age_seconds=args.max_outbox_age, dead_letters=args.max_dead_letters
    )
    try:
        status = asyncio.run(opsctl.gather(args.nats_url, thresholds))
    except Exception as exc:  # NATS unreachable: the one thing this command cannot report on
        print(opsctl.unreachable(args.nats_url, exc), file=sys.stderr)
        return opsctl.EXIT_UNREACHABLE
    print(opsctl.as_json(status) if args.json else opsctl.render(status))
    return opsctl.EXIT_HEALTHY if status.healthy else opsctl.EXIT_UNHEALTHY
