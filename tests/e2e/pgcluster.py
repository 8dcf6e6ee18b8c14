"""A private PostgreSQL cluster for fault injection: `initdb` in a temporary directory, a free port, and
`kill -9` of the whole server (postmaster and every backend) as a crash would do it.

The server binaries are Debian's (/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root,
so under root the cluster belongs to the `postgres` system user and its processes run as that user.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from thidua.natsserver import free_port, port_is_free, wait_for_port

SYSTEM_USER = "postgres"


def server_binaries() -> Path | None:
    """The newest installed server's bin directory, or None when no PostgreSQL server is installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """The server runs as a direct child of the test process (not daemonised by pg_ctl), so that after a kill -9
    the test reaps it: a zombie postmaster would hold `postmaster.pid` and refuse the restart."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="thidua-pg-"))  # not under pytest's 0700 tmp: the server user reads it
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.account = pwd.getpwnam(SYSTEM_USER) if os.geteuid() == 0 else None
        if self.account is not None:
            os.chown(self.root, self.account.pw_uid, self.account.pw_gid)

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self) -> dict[str, Any]:
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": []}

    def init(self) -> PostgresCluster:
        command = [str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        done = subprocess.run(
            [*command, "--no-sync", "--no-instructions"], capture_output=True, timeout=120, check=False, **self._as_server_user()
        )
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr.decode(errors='replace')}")
        return self

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it accepts queries (after crash recovery, if it crashed)."""
        options = ["-p", str(self.port), "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.root}"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(self.bin_dir / "postgres"), "-D", str(self.data), *options, "-c", "fsync=off"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_server_user(),
            )
        wait_for_port(self.port, timeout, process=self.process)
        asyncio.run(self._until_it_answers(time.monotonic() + timeout))

    async def _until_it_answers(self, deadline: float) -> None:
        while True:
            try:
                conn = await asyncpg.connect(self.admin_dsn, timeout=2)
            except (OSError, asyncpg.PostgresError):  # "the database system is starting up"
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
                continue
            await conn.close()
            return

    def kill_9(self) -> list[int]:
        """SIGKILL the postmaster and every process it started, as a crash of the database server would."""
        if self.process is None or self.process.poll() is not None:
            return []
        postmaster = self.process.pid
        victims = [postmaster, *_children(postmaster)]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()
        deadline = time.monotonic() + 10
        while not port_is_free(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)
        return victims

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # immediate shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill_9()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_databases(self, *names: str) -> None:
        async def create() -> None:
            conn = await asyncpg.connect(self.admin_dsn, timeout=10)
            try:
                for name in names:
                    await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())


def _children(parent: int) -> list[int]:
    """Processes whose parent is `parent`, read from /proc."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(Path(stat).parent.name))
    return found
