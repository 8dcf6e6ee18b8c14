"""The `thidua` command as a person meets it: help in Vietnamese, the system found where `make run` put it, one-line
errors instead of tracebacks."""

from __future__ import annotations

import argparse
import ast
import importlib
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from shared.platform.defaults import DEFAULT_HTTP_PORTS, SERVICES
from thidua import cli
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

ARGPARSE_ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "error:", "invalid choice", "required")
VIETNAMESE_LETTER = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)


def every_parser() -> list[tuple[str, argparse.ArgumentParser]]:
    """The `thidua` parser and every subcommand's, as `main` builds them."""
    built: list[argparse.ArgumentParser] = []
    real = argparse.ArgumentParser.parse_args

    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> argparse.Namespace:
        built.append(self)
        raise SystemExit(0)

    argparse.ArgumentParser.parse_args = capture  # type: ignore[assignment,method-assign]
    try:
        with pytest.raises(SystemExit):
            cli.main([])
    finally:
        argparse.ArgumentParser.parse_args = real  # type: ignore[method-assign]
    found: list[tuple[str, argparse.ArgumentParser]] = []
    pending = [("thidua", built[0])]
    while pending:
        name, parser = pending.pop()
        found.append((name, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending.extend((f"{name} {sub}", p) for sub, p in action.choices.items())
    return found


def test_every_command_explains_itself_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    parsers = every_parser()
    assert len(parsers) > 20
    for name, parser in parsers:
        for action in parser._actions:
            if action.help and action.help != argparse.SUPPRESS:
                assert VIETNAMESE_LETTER.search(action.help), f"{name} {action.dest}: help in English: {action.help!r}"
        for choice in parser._actions:
            if isinstance(choice, argparse._SubParsersAction):
                for sub in choice._choices_actions:
                    assert sub.help, f"{name} {sub.dest}: no help"
                    assert VIETNAMESE_LETTER.search(sub.help), f"{name} {sub.dest}: {sub.help!r}"
    with pytest.raises(SystemExit) as exited:
        cli.main(["ops", "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    assert "cách dùng: thidua ops" in shown
    assert "in hướng dẫn này rồi thoát" in shown
    assert not [w for w in ARGPARSE_ENGLISH if w in shown], shown


def test_a_wrong_command_is_told_in_vietnamese_and_names_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["dlq"])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "thidua dlq: lỗi: thiếu tham số bắt buộc: LỆNH" in said
    with pytest.raises(SystemExit):
        cli.main(["clock", "bogus"])
    said = capsys.readouterr().err
    assert "giá trị 'bogus' không hợp lệ (chọn một trong:" in said
    assert not [w for w in ARGPARSE_ENGLISH if w in said], said


def test_demo_finds_the_portal_on_the_port_make_run_was_given_and_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.delenv("THIDUA_PORTAL_URL", raising=False)
    monkeypatch.setenv("THIDUA_PORTAL_PORT", str(port))
    assert cli.main(["demo"]) == 1
    said = capsys.readouterr().err.strip()
    assert said == f"Không kết nối được http://127.0.0.1:{port} (ConnectError). Hệ thống đã chạy chưa? (make run)"


def test_the_banner_prints_the_demo_command_that_reaches_this_system(tmp_path: Path) -> None:
    default = System(SystemConfig(var_dir=Path("var"), nats_port=14222, http_ports=dict(DEFAULT_HTTP_PORTS)))
    assert cli.demo_command(default) == ".venv/bin/thidua demo"
    ports = {s: free_port() for s in SERVICES}
    moved = System(SystemConfig(var_dir=tmp_path / "var", nats_port=14333, http_ports=ports))
    assert cli.demo_command(moved) == (
        f"THIDUA_PORTAL_PORT={ports['portal']} THIDUA_NATS_PORT=14333 THIDUA_VAR_DIR={(tmp_path / 'var').resolve()}"
        " .venv/bin/thidua demo"
    )


def test_a_command_that_finds_no_system_says_so_in_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    assert cli.main(["users", "activate", "someone", "--var-dir", str(tmp_path)]) == 1  # no database migrated there
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        "thidua users: không đọc được cơ sở dữ liệu (no such table: users). Hệ thống đã chạy hoặc đã `thidua migrate` chưa?"
    ]
    monkeypatch.delenv("THIDUA_PORTAL_URL", raising=False)
    monkeypatch.setenv("THIDUA_PORTAL_PORT", str(free_port()))
    assert cli.main(["seed-reports"]) == 1
    said = capsys.readouterr().err.strip().splitlines()
    assert len(said) == 1
    assert said[0].startswith("thidua seed-reports: không kết nối được cổng web (ConnectError")


def test_make_run_hands_the_rules_files_it_was_given_to_every_service(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THIDUA_ATTACHMENT_RULES", "/srv/rules/attachments.toml")
    monkeypatch.setenv("THIDUA_CATALOG_DIR", "/srv/rules/catalog")
    monkeypatch.setenv("THIDUA_DATABASE_URL", "postgresql+asyncpg://elsewhere/db")  # the system's own choice wins
    system = System(SystemConfig(var_dir=tmp_path / "var", http_ports={s: free_port() for s in SERVICES}))
    env = system.env_for("review")
    assert env["THIDUA_ATTACHMENT_RULES"] == "/srv/rules/attachments.toml"
    assert env["THIDUA_CATALOG_DIR"] == "/srv/rules/catalog"
    assert env["THIDUA_DATABASE_URL"] == system.config.database_url("review")


def test_the_banner_and_the_readme_list_every_demo_user() -> None:
    logins = cli.demo_logins()
    with cli.DEMO_USERS_FILE.open("rb") as f:
        assert [u for u, _ in logins] == [u["username"] for u in tomllib.load(f)["users"]]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme[readme.index("## Demo logins") :].split("\n\n")[2]
    assert {u for u, _ in logins} == set(re.findall(r"`([a-z0-9.]+)`", table))


def test_every_command_module_is_listed_with_exactly_its_commands() -> None:
    for module_name in set(cli.COMMAND_MODULES.values()):
        module = importlib.import_module(module_name)
        listed = {command for command, owner in cli.COMMAND_MODULES.items() if owner == module_name}
        assert set(module.COMMANDS) == listed, module_name


# What each kind of command may not load: an operator's command pays for what it uses (issue: `ops status` in < 1 s).
SERVICE_MACHINERY = ("faststream", "sqlalchemy", "fastapi", "opentelemetry", "shared.rules", "shared.contracts.commands")


@pytest.mark.parametrize(
    ("argv", "not_loaded"),
    [
        (["ops", "status", "--nats-url", "nats://127.0.0.1:{port}"], (*SERVICE_MACHINERY, "httpx", "shared.contracts.events")),
        (["ops", "stuck", "--portal-url", "http://127.0.0.1:{port}"], (*SERVICE_MACHINERY, "nats", "shared.contracts.events")),
        (["outbox", "status", "--portal-url", "http://127.0.0.1:{port}"], (*SERVICE_MACHINERY, "nats")),
        (["dlq", "list", "--nats-url", "nats://127.0.0.1:{port}"], (*SERVICE_MACHINERY, "httpx", "shared.contracts.events")),
        (["clock", "show"], (*SERVICE_MACHINERY, "nats", "httpx")),
        (["catalog", "list"], ("faststream", "sqlalchemy", "fastapi", "opentelemetry", "nats", "httpx", "pypdf", "oletools")),
    ],
)
def test_an_operator_command_loads_only_what_it_uses(argv: list[str], not_loaded: tuple[str, ...], tmp_path: Path) -> None:
    """Run as its own process against nothing (the system is not running): what it imported on the way."""
    args = [a.format(port=free_port()) for a in argv]
    script = f"import sys\nfrom thidua import cli\ncode = cli.main({args!r})\nprint(sorted({{m for m in sys.modules}}), code)\n"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")} | {"THIDUA_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False, timeout=60)
    loaded_line = done.stdout.strip().splitlines()[-1]
    loaded = ast.literal_eval(loaded_line.rsplit(" ", 1)[0])
    assert done.returncode == 0, done.stderr  # the command ran to its end (and said what it could not reach)
    offending = sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in not_loaded))
    assert offending == []
