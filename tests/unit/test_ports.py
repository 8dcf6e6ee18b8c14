"""Ports for the processes a test starts: chosen seconds before they are bound, so never shared with a parallel test's
system or an outgoing connection, and a system is ready only when its own services answer."""

from __future__ import annotations

import http.server
import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

EPHEMERAL_START = 32768  # Linux's default ip_local_port_range starts here: bind(0) and outgoing connections


def test_free_ports_are_never_handed_out_twice_and_stay_below_the_kernels_ephemeral_range() -> None:
    ports = [free_port() for _ in range(200)]  # nothing binds them: the kernel alone would happily repeat one
    assert len(set(ports)) == len(ports)
    assert all(20000 <= p < EPHEMERAL_START for p in ports)


def test_parallel_workers_take_ports_from_blocks_that_do_not_overlap() -> None:
    code = "from thidua.natsserver import free_port; print(min(p := [free_port() for _ in range(50)]), max(p))"
    blocks = []
    for worker in ("gw0", "gw1", "gw2"):
        env = {"PYTEST_XDIST_WORKER": worker, "PATH": ""}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        low, high = map(int, out.stdout.split())
        blocks.append((low, high))
    blocks.sort()
    assert all(earlier[1] < later[0] for earlier, later in itertools.pairwise(blocks))


class _OtherService(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"service": "review", "ready": True}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def review_on_a_port() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", free_port()), _OtherService)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def test_another_service_answering_on_the_portals_port_does_not_make_the_portal_ready(review_on_a_port: int) -> None:
    assert System._answers_ready(review_on_a_port, "review")
    assert not System._answers_ready(review_on_a_port, "portal")


def test_a_replica_is_ready_when_its_own_service_answers(tmp_path: Path, review_on_a_port: int) -> None:
    system = System(SystemConfig(var_dir=tmp_path))
    system.processes["review-2"] = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    system.process_service["review-2"] = "review"
    system.replica_ports["review-2"] = review_on_a_port
    try:
        system.wait_ready(("review-2",), timeout=5)
    finally:
        system.processes["review-2"].kill()
