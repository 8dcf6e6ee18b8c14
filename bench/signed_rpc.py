"""What proving the caller costs an RPC: the same request/reply with and without the signed actor assertion.

Run: .venv/bin/python bench/signed_rpc.py [requests]

Starts a nats-server (the wheel's), one FastStream broker answering `thidua.rpc.bench.echo` through the
project's `register_rpc` (verifying assertions, or not), and an `RpcClient` (signing, or not). Both variants run in
the same process, interleaved in rounds so that machine noise falls on both alike. Also prints the cost of
signing and of verifying alone. Figures only: no pass or fail.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from faststream.nats import NatsRouter
from pydantic import BaseModel

from shared.contracts.events import Actor, RoleGrant
from shared.contracts.operations import Operation
from shared.platform.assertions import generate_keys, load_signer, load_verifier
from shared.platform.messaging import make_broker, register_rpc
from shared.platform.rpcclient import RpcClient
from thidua.natsserver import NatsServer, free_port

ACTOR = Actor(
    user_id="u-1", username="ld.sontay", full_name="Nguyễn Văn A", roles=(RoleGrant(role="approver", unit_code="HN-SONTAY"),)
)


class Echo(BaseModel):
    task_id: str
    comment: str


ECHO = Operation(service="bench", name="echo", request=Echo, reply=Echo)
PLAIN = Operation(service="bench", name="plain", request=Echo, reply=Echo)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def main(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        generate_keys(keys)
        signer, verifier = load_signer(keys, "portal"), load_verifier(keys)
        server = NatsServer(free_port(), Path(tmp) / "nats").start()
        try:
            broker = make_broker(server.url, "bench")

            async def echo(actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
                return params

            router = NatsRouter()
            register_rpc(router, "bench", {"echo": echo}, verifier)  # proves the caller
            register_rpc(router, "bench", {"plain": echo}, None)  # believes the claimed actor
            broker.include_router(router)
            await broker.start()
            signed, unsigned = RpcClient(broker, signer=signer), RpcClient(broker)
            request = Echo(task_id="t-1", comment="Đồng ý đề nghị khen thưởng")
            times: dict[str, list[float]] = {"signed": [], "unsigned": []}
            for _ in range(50):  # warm-up
                await signed.call(ECHO, ACTOR, request)
                await unsigned.call(PLAIN, ACTOR, request)
            for _ in range(requests):
                for name, client, op in (("signed", signed, ECHO), ("unsigned", unsigned, PLAIN)):
                    started = time.perf_counter()
                    await client.call(op, ACTOR, request)
                    times[name].append((time.perf_counter() - started) * 1000)
            await broker.stop()
        finally:
            server.stop()
        params = request.model_dump(mode="json")
        started = time.perf_counter()
        tokens = [signer.sign(ACTOR, ECHO.subject, params) for _ in range(requests)]
        sign_ms = (time.perf_counter() - started) * 1000 / requests
        started = time.perf_counter()
        for token in tokens:
            verifier.verify(token, ECHO.subject, params)
        verify_ms = (time.perf_counter() - started) * 1000 / requests

    print(f"RPC round trip on a local nats-server, {requests} requests each, interleaved (ms)")
    print(f"{'':<28}{'p50':>8}{'p90':>8}{'p99':>8}{'mean':>8}")
    for name in ("unsigned", "signed"):
        t = times[name]
        print(f"{name:<28}{percentile(t, 50):>8.3f}{percentile(t, 90):>8.3f}{percentile(t, 99):>8.3f}{statistics.mean(t):>8.3f}")
    added = {p: percentile(times["signed"], p) - percentile(times["unsigned"], p) for p in (50, 99)}
    print(f"{'added by the assertion':<28}{added[50]:>8.3f}{'':>8}{added[99]:>8.3f}")
    print(f"sign alone {sign_ms:.3f} ms, verify alone {verify_ms:.3f} ms per request")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
