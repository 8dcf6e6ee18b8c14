"""The 3-node NATS cluster of compose.yaml, started from deploy/nats/*.conf on loopback.

The accounts, users and permissions are the real files. Only what a test machine must change is
changed: ports, routes and bind address by command-line flags (which override the config), and the
JetStream store directory by substituting its one line in a temp copy of cluster.conf (nats-server
refuses `-sd` beside a configured store_dir). Passwords are generated per cluster.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from shared.platform.buspermissions import USERS
from thidua.natsserver import free_port, nats_server_binary, wait_for_port

NATS_DIR = Path(__file__).resolve().parents[2] / "deploy" / "nats"
NODES = ("nats-1", "nats-2", "nats-3")

COMPOSE_STORE_DIR = '"/data/jetstream"'


@dataclass
class Node:
    name: str
    port: int
    http_port: int
    cluster_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def monitor(self, path: str) -> dict[str, object]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}{path}", timeout=2) as response:
            result: dict[str, object] = json.loads(response.read())
            return result


@dataclass
class NatsCluster:
    root: Path
    # nats-server reads an environment variable as a config token: a value starting with a digit is taken
    # for a number and refused. Letters first, then hex.
    passwords: dict[str, str] = field(default_factory=lambda: {u: "pw" + secrets.token_hex(16) for u in USERS})
    nodes: dict[str, Node] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in NODES:
            self.nodes[name] = Node(name, free_port(), free_port(), free_port(), self.root / name)

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({f"NATS_{user.upper()}_PASSWORD": pw for user, pw in self.passwords.items()})
        return env

    def config_for(self, node: Node) -> Path:
        """A copy of deploy/nats/ for one node, with only the store directory changed."""
        node.directory.mkdir(parents=True, exist_ok=True)
        for source in NATS_DIR.glob("*.conf"):
            text = source.read_text()
            if source.name == "cluster.conf":
                assert text.count(COMPOSE_STORE_DIR) == 1, "cluster.conf must set store_dir exactly once"
                text = text.replace(COMPOSE_STORE_DIR, json.dumps(str(node.directory / "store")))
            (node.directory / source.name).write_text(text)
        return node.directory / f"{node.name}.conf"

    def start_node(self, name: str) -> None:
        node = self.nodes[name]
        routes = ",".join(f"nats://127.0.0.1:{n.cluster_port}" for n in self.nodes.values())
        args = [
            nats_server_binary(),
            "-c",
            str(self.config_for(node)),
            "-a",
            "127.0.0.1",
            "-p",
            str(node.port),
            "-m",
            str(node.http_port),
            "--cluster",
            f"nats://127.0.0.1:{node.cluster_port}",
            "--routes",
            routes,
            "-l",
            str(node.directory / "nats.log"),
        ]
        node.process = subprocess.Popen(
            args, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            wait_for_port(node.port, 10.0, process=node.process)
        except RuntimeError as exc:
            stderr = node.process.stderr.read().decode(errors="replace") if node.process.stderr else ""
            raise RuntimeError(f"{name} did not start: {stderr}") from exc

    def start(self, timeout: float = 30.0) -> NatsCluster:
        for name in self.nodes:
            self.start_node(name)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 30.0) -> str:
        """Every live node healthy with JetStream, and a live meta leader elected; returns the leader's name."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                live = [n for n in self.nodes.values() if n.alive]
                health_ok = all(n.monitor("/healthz?js-enabled-only=true").get("status") == "ok" for n in live)
                meta = live[0].monitor("/jsz").get("meta_cluster") or {}
                assert isinstance(meta, dict)
                leader = str(meta.get("leader") or "")
                live_names = {n.name for n in live}
                if health_ok and leader in live_names and int(meta.get("cluster_size", 0)) == len(self.nodes):
                    return leader
                last = f"health_ok={health_ok} meta={meta}"
            except (OSError, ValueError) as exc:
                last = repr(exc)
            time.sleep(0.1)
        raise TimeoutError(f"the NATS cluster has no JetStream meta leader after {timeout}s ({last})")

    def url(self, user: str, nodes: tuple[str, ...] = NODES) -> str:
        """THIDUA_NATS_URL for `user`: every node, each with the credentials (as compose.yaml writes it)."""
        return ",".join(f"nats://{user}:{self.passwords[user]}@127.0.0.1:{self.nodes[n].port}" for n in nodes)

    def servers(self, user: str) -> list[str]:
        return self.url(user).split(",")

    def kill(self, name: str) -> None:
        node = self.nodes[name]
        assert node.process is not None
        node.process.send_signal(signal.SIGKILL)
        node.process.wait()

    def stop(self) -> None:
        for node in self.nodes.values():
            if node.alive:
                assert node.process is not None
                node.process.terminate()
        for node in self.nodes.values():
            if node.process is not None:
                try:
                    node.process.wait(10)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()
