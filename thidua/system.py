"""The embedded system: one nats-server, one database per service, each service its own process.

`thidua up` runs it on fixed ports under var/; the end-to-end tests run it on free ports in a temp dir.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.platform.assertions import generate_keys
from shared.platform.defaults import DEFAULT_DEMO_PASSWORD
from shared.platform.settings import ATTACHMENT_RULES_ENV, CATALOG_DIR_ENV, DEFAULT_HTTP_PORTS, DEFAULT_NATS_PORT, SERVICES
from shared.platform.topology import apply_topology, staging_ttl
from thidua.client import tls_context
from thidua.credentials import nats_passwords, user_url
from thidua.migrations import migrate_service
from thidua.natsserver import NatsServer, PortInUse, free_port, port_is_free


def default_database_url(service: str, var_dir: Path) -> str:
    return (
        os.environ.get(f"THIDUA_{service.upper()}_DATABASE_URL") or f"sqlite+aiosqlite:///{(var_dir / f'{service}.db').resolve()}"
    )


# The notifier's SMTP server and sender, and where the console is for the links in its mails.
MAIL_SETTINGS = frozenset(
    {
        "THIDUA_SMTP_HOST",
        "THIDUA_SMTP_PORT",
        "THIDUA_SMTP_USERNAME",
        "THIDUA_SMTP_PASSWORD",
        "THIDUA_SMTP_STARTTLS",
        "THIDUA_MAIL_FROM",
        "THIDUA_PUBLIC_URL",
        "THIDUA_QUEUE_MAIL_MINUTES",
    }
)
PASSED_THROUGH = frozenset({CATALOG_DIR_ENV, ATTACHMENT_RULES_ENV, "THIDUA_LOG_LEVEL"}) | MAIL_SETTINGS


@dataclass
class SystemConfig:
    var_dir: Path
    nats_port: int = DEFAULT_NATS_PORT
    http_ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_HTTP_PORTS))
    database_urls: dict[str, str] = field(default_factory=dict)
    demo_password: str = DEFAULT_DEMO_PASSWORD
    # Use a NATS server someone else runs: this URL is the stream administrator's (it applies the topology),
    # `nats_urls` each service's own (with its credentials).
    external_nats_url: str | None = None
    nats_urls: dict[str, str] = field(default_factory=dict)
    stream_replicas: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    # The local SMTP sink the notifier sends to when no THIDUA_SMTP_HOST is given (`thidua mailsink`, /hop-thu-demo):
    # `thidua up` passes THIDUA_MAILSINK_PORT or DEFAULT_MAILSINK_PORT; a system built otherwise (tests) a free port.
    mailsink_port: int = field(default_factory=free_port)

    def demo_sink(self) -> bool:
        return not ({**os.environ, **self.extra_env}.get("THIDUA_SMTP_HOST") or "")

    def database_url(self, service: str) -> str:
        return self.database_urls.get(service) or default_database_url(service, self.var_dir)


class System:
    def __init__(self, config: SystemConfig) -> None:
        self.config = config
        self.nats: NatsServer | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.replica_ports: dict[str, int] = {}
        self.process_service: dict[str, str] = {}  # process name ("review-2") -> the service it runs
        self.log_dir = config.var_dir / "log"

    @property
    def nats_url(self) -> str:
        """Where NATS listens (without credentials: every user has its own)."""
        if self.config.external_nats_url:
            return self.config.external_nats_url
        return f"nats://127.0.0.1:{self.config.nats_port}"

    def user_nats_url(self, user: str) -> str:
        """The URL one bus user (a service, `operator`, `admin`) connects with."""
        if user in self.config.nats_urls:
            return self.config.nats_urls[user]
        if self.config.external_nats_url:
            return self.config.external_nats_url
        return user_url(self.config.var_dir, self.nats_url, user)

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.config.http_ports['portal']}"

    def check_ports(self) -> None:
        wanted = dict(self.config.http_ports)
        if not self.config.external_nats_url:
            wanted["nats"] = self.config.nats_port
        if self.config.demo_sink():
            wanted["mailsink"] = self.config.mailsink_port
        taken = [f"{name} ({port})" for name, port in wanted.items() if not port_is_free(port)]
        if taken:
            raise PortInUse(taken)

    def start(self, *, timeout: float = 90.0) -> System:
        self.check_ports()
        self.config.var_dir.mkdir(parents=True, exist_ok=True)
        generate_keys(self.config.var_dir / "secrets" / "keys")  # who may sign callers (shared.platform.assertions)
        if not self.config.external_nats_url:
            self.nats = NatsServer(
                self.config.nats_port,
                self.config.var_dir / "nats",
                log_file=self.log_dir / "nats.log",
                passwords=nats_passwords(self.config.var_dir),
            ).start()
        try:
            migrate_all(self.config, demo=True)
            asyncio.run(
                apply_topology(
                    self.user_nats_url("admin"),
                    replicas=self.config.stream_replicas,
                    staging_ttl_seconds=staging_ttl({**os.environ, **self.config.extra_env}),
                )
            )
            if self.config.demo_sink():
                self.spawn_mailsink()
            for service in SERVICES:
                self.spawn(service)
            self.wait_ready(timeout=timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def env_for(self, service: str, http_port: int | None = None) -> dict[str, str]:
        # The system sets its own THIDUA_* (ports, URLs, credentials); what a person may choose for the whole system
        # (PASSED_THROUGH: the rules' files, the log level) reaches every service as `make run` was given it.
        env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_") or k in PASSED_THROUGH}
        env.update(
            THIDUA_SERVICE=service,
            THIDUA_NATS_URL=self.user_nats_url(service),
            THIDUA_DATABASE_URL=self.config.database_url(service),
            THIDUA_HTTP_PORT=str(http_port or self.config.http_ports[service]),
            THIDUA_VAR_DIR=str(self.config.var_dir.resolve()),
            THIDUA_DEMO="1",
            THIDUA_DEMO_PASSWORD=self.config.demo_password,
            PYTHONUNBUFFERED="1",
        )
        if service == "notifier":
            env.setdefault("THIDUA_PUBLIC_URL", self.portal_url)
            env.update(THIDUA_MAILSINK_PORT=str(self.config.mailsink_port), THIDUA_MAILBOX_DIR=str(self.mailbox_dir.resolve()))
        env.update(self.config.extra_env)
        return env

    @property
    def mailbox_dir(self) -> Path:
        """Where the demo SMTP sink keeps the mails it receives (the notifier reads them for /hop-thu-demo)."""
        return self.config.var_dir / "mailbox"

    def spawn_mailsink(self, *, timeout: float = 15.0) -> None:
        """The embedded demo's SMTP server (aiosmtpd), its own process like the services; waits for its port."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / "mailsink.log").open("ab")
        command = [sys.executable, "-m", "thidua", "mailsink", "--port", str(self.config.mailsink_port)]
        self.processes["mailsink"] = subprocess.Popen(
            [*command, "--dir", str(self.mailbox_dir.resolve())],
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while port_is_free(self.config.mailsink_port):
            if self.processes["mailsink"].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mailsink did not start:\n{self.log_tail('mailsink')}")
            time.sleep(0.05)

    def spawn(self, service: str, *, replica: str | None = None, http_port: int | None = None) -> subprocess.Popen[bytes]:
        """Start `service`; with `replica` (a name such as "review-2"), one more instance beside the first,
        on the same database and NATS, on its own HTTP port."""
        name = replica or service
        if replica and http_port:
            self.replica_ports[replica] = http_port
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "thidua", "service", service],
            env=self.env_for(service, http_port),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches `thidua up` only; it stops the children in order
        )
        log.close()
        self.processes[name] = process
        self.process_service[name] = service
        return process

    def wait_ready(self, services: tuple[str, ...] = SERVICES, *, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        for service in services:
            port = self.replica_ports.get(service) or self.config.http_ports[service]
            while True:
                process = self.processes[service]
                if process.poll() is not None:
                    raise RuntimeError(f"{service} exited with code {process.returncode}:\n{self.log_tail(service)}")
                try:
                    if self._answers_ready(port, self.process_service.get(service, service)):
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{service} not ready after {timeout}s:\n{self.log_tail(service)}")
                time.sleep(0.1)

    @staticmethod
    def _answers_ready(port: int, service: str) -> bool:
        """Ready, and answered by `service` itself: another program on the port (it bound the port first, and the
        service started here is about to exit for it) must not pass for the service."""
        response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2.0, verify=tls_context())
        return response.status_code == 200 and response.json().get("service") == service

    def log_tail(self, service: str, lines: int = 30) -> str:
        path = self.log_dir / f"{service}.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def kill(self, service: str) -> None:
        """kill -9, as a crash would."""
        process = self.processes[service]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def restart(self, service: str, *, timeout: float = 60.0) -> None:
        self.spawn(service)
        self.wait_ready((service,), timeout=timeout)

    def stop_service(self, service: str, timeout: float = 30.0) -> int | None:
        process = self.processes.get(service)
        if process is None or process.poll() is not None:
            return process.returncode if process else None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def stop(self) -> None:
        """Portal first (no new commands), then the services (drain, flush outboxes), then NATS."""
        self.stop_service("portal")
        backends = [name for name in self.processes if name not in ("portal", "mailsink")]  # with any replicas
        for name in backends:
            process = self.processes[name]
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name in backends:
            self.stop_service(name)
        self.stop_service("mailsink")  # after the notifier: a mail it was sending is not cut off
        if self.nats is not None:
            self.nats.stop()

    def first_exited(self) -> str | None:
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)


def migrate_all(config: SystemConfig, *, demo: bool) -> None:
    for service in SERVICES:
        migrate_service(
            service, config.database_url(service), var_dir=config.var_dir, demo=demo, demo_password=config.demo_password
        )
