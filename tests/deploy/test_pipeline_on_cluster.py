"""The whole system on the 3-node cluster, each service with its own NATS user; a node is killed
(SIGKILL) in the middle of the flow, and every nomination still reaches its decision exactly once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest

from shared.platform.settings import ATTACHMENT_RULES_ENV, SERVICES
from tests.conftest import DOCUMENTS_OPTIONAL
from tests.deploy.cluster import NatsCluster
from thidua.client import PortalClient, tls_context
from thidua.natsserver import free_port
from thidua.system import System, SystemConfig

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

PASSWORD = "cluster-test-password"
PERIOD = "2026"
N = 20


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[NatsCluster]:
    c = NatsCluster(tmp_path / "nats").start()
    yield c
    c.stop()


@pytest.fixture
def system(cluster: NatsCluster, tmp_path: Path) -> Iterator[System]:
    config = SystemConfig(
        var_dir=tmp_path / "var",
        http_ports={s: free_port() for s in SERVICES},
        demo_password=PASSWORD,
        external_nats_url=cluster.url("admin"),
        nats_urls={s: cluster.url(s) for s in SERVICES},
        stream_replicas=3,
        extra_env={"THIDUA_STREAM_REPLICAS": "3", ATTACHMENT_RULES_ENV: str(DOCUMENTS_OPTIONAL)},
    )
    s = System(config).start(timeout=60)
    yield s
    s.stop()


def stream_leader(cluster: NatsCluster, stream: str) -> str:
    async def ask() -> str:
        nc = await nats.connect(cluster.servers("admin"))
        try:
            info = await nc.jetstream().stream_info(stream)
            assert info.cluster is not None
            assert info.config.num_replicas == 3
            return str(info.cluster.leader)
        finally:
            await nc.close()

    return asyncio.run(ask())


def body(i: int) -> dict[str, Any]:
    return {
        "unit_code": "HN-SONTAY-DST",
        # even: decided at the district (HN-SONTAY); odd: forwarded to and decided at the city (HN)
        "award_code": "giay_khen_ldld_huyen" if i % 2 == 0 else "cong_nhan_gioi_thu_do",
        "period": PERIOD,
        "nominee": {"kind": "individual", "name": f"Người lao động số {i:02d}"},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm, có sáng kiến được công nhận cấp cơ sở.",
    }


def wait_ready(system: System, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    for service, port in system.config.http_ports.items():
        last = ""
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2, verify=tls_context())
                if response.status_code == 200:
                    break
                last = response.text
            except httpx.HTTPError as exc:
                last = repr(exc)
            assert time.monotonic() < deadline, f"{service} not ready again: {last}\n{system.log_tail(service)}"
            time.sleep(0.2)


def test_every_nomination_is_decided_exactly_once_when_a_nats_node_dies_mid_flow(cluster: NatsCluster, system: System) -> None:
    client = PortalClient(system.portal_url)
    for user in ("cdcs.dst", "ld.sontay", "ld.hanoi", "ky.sontay", "ky.hanoi", "ops"):
        client.login(user, PASSWORD)
    nominations = [client.submit("cdcs.dst", body(i)) for i in range(N)]
    ids = [n["id"] for n in nominations]

    half = N // 2
    for nomination_id in ids[:half]:  # district decisions; their events are still flowing when the node dies
        task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination_id)
        client.claim_and_decide("ld.sontay", task["id"], "approve", "Đồng ý")
    victim = stream_leader(cluster, "REVIEW")  # the node that leads the stream everything passes through
    cluster.kill(victim)
    assert cluster.wait_ready() != victim  # the other two keep (or elect) a JetStream meta leader
    wait_ready(system)  # every service and the portal reconnected to a live node

    for nomination_id in ids[half:]:
        task = client.task_in_queue("ld.sontay", "HN-SONTAY", nomination_id, timeout=60)
        client.claim_and_decide("ld.sontay", task["id"], "approve", "Đồng ý")
    for i, nomination_id in enumerate(ids):
        if i % 2 == 1:
            task = client.task_in_queue("ld.hanoi", "HN", nomination_id, timeout=60)
            client.claim_and_decide("ld.hanoi", task["id"], "approve", "Đồng ý")

    for i, nomination_id in enumerate(ids):  # each issuer's Chủ tịch signs its decision
        client.sign_draft_of("ky.hanoi" if i % 2 == 1 else "ky.sontay", nomination_id, timeout=60)
    granted = [client.wait_for("cdcs.dst", i, lambda n: n["status"] == "granted", timeout=60, what="granted") for i in ids]
    numbers = []
    for i, nomination in enumerate(granted):
        steps = Counter(s["step"] for s in nomination["timeline"])
        levels = 1 if i % 2 == 0 else 2
        assert steps["submitted"] == 1, nomination["timeline"]
        assert steps["granted"] == 1, nomination["timeline"]
        assert steps["queued"] == levels, nomination["timeline"]
        assert steps["forwarded"] == levels - 1, nomination["timeline"]
        numbers.append(nomination["decision"]["number_text"])
    # one decision per nomination, numbered without gaps or repeats per issuer
    district = sorted(int(n.split("/")[0]) for i, n in enumerate(numbers) if i % 2 == 0)
    city = sorted(int(n.split("/")[0]) for i, n in enumerate(numbers) if i % 2 == 1)
    assert district == list(range(1, half + 1))
    assert city == list(range(1, half + 1))
    decisions = client.get("ops", "/api/v1/decisions", limit=1)
    assert decisions["total"] == N
    client.close()
