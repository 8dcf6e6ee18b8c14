"""`thidua ops status`: the ops page in a terminal, for a person or a cron job (exit 1 when unhealthy).

It speaks to NATS directly (instances, consumers, dead letters) and asks the services for their
figures as an operations actor, so it works while the portal is down. In production it connects with
the admin NATS credentials (THIDUA_NATS_URL=nats://admin:…@…).
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nats

from shared.contracts.actors import Actor, RoleGrant
from shared.contracts.operations import RemoteError, RpcReply, RpcRequest
from shared.contracts.subjects import rpc_subject
from shared.contracts.values import VIETNAM_TZ
from shared.platform.assertions import Signer, key_paths, load_signer
from shared.platform.buspermissions import inbox_prefix
from shared.platform.opsstatus import OpsStatus, Thresholds, age, collect
from shared.platform.topology import nats_servers, redacted

CLI_ACTOR = Actor(user_id="cli-ops", username="thidua-ops", full_name="thidua ops (dòng lệnh)", roles=(RoleGrant(role="ops"),))
EXIT_HEALTHY, EXIT_UNHEALTHY, EXIT_UNREACHABLE = 0, 1, 2


def operator_signer() -> Signer | None:
    """The operator tools' key (THIDUA_SIGNING_KEYS_DIR, else the embedded system's var/secrets/keys): without it
    the services refuse the figures they would give, and `ops status` says so."""
    directory = Path(
        os.environ.get("THIDUA_SIGNING_KEYS_DIR") or Path(os.environ.get("THIDUA_VAR_DIR", "var")) / "secrets" / "keys"
    )
    private, _ = key_paths(directory, "operator")
    return load_signer(directory, "operator") if private.exists() else None


async def gather(nats_url: str, thresholds: Thresholds, wait: float = 5.0) -> OpsStatus:
    signer = operator_signer()

    async def quiet(exc: Exception) -> None:  # nats-py reports each failed attempt; the caller reports the outcome
        return None

    connect = nats.connect(
        nats_servers(nats_url),
        name="thidua-ops-cli",
        inbox_prefix=inbox_prefix("operator"),
        connect_timeout=wait,
        max_reconnect_attempts=1,
        reconnect_time_wait=0.1,
        error_cb=quiet,
    )
    nc = await asyncio.wait_for(connect, wait * 2)
    try:

        async def call(service: str, operation: str, params: dict[str, Any]) -> Any:
            subject = rpc_subject(service, operation)
            assertion = signer.sign(CLI_ACTOR, subject, params) if signer is not None else None
            request = RpcRequest(actor=CLI_ACTOR, params=params, assertion=assertion)
            message = await nc.request(subject, request.model_dump_json().encode(), timeout=wait)
            reply = RpcReply.model_validate_json(message.data)
            if not reply.ok:
                assert reply.error is not None
                raise RemoteError(reply.error)
            return reply.data

        return await collect(nc.jetstream(), call, thresholds)
    finally:
        await nc.close()


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    cells = [[str(c) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return [lines[0], "  ".join("-" * w for w in widths), *lines[1:]]


def render(status: OpsStatus) -> str:
    at = status.at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S")
    verdict = "ỔN ĐỊNH" if status.healthy else f"CÓ {len(status.problems)} VẤN ĐỀ"
    out = [f"Thi Đua — vận hành lúc {at} (giờ Việt Nam): {verdict}", ""]
    out += _table(
        ["Dịch vụ", "Phiên bản", "Sẵn sàng", "Outbox chờ", "Outbox cũ nhất"],
        [[s.service, s.instances, s.ready, s.outbox_pending, age(s.outbox_oldest_age_seconds)] for s in status.services],
    )
    if status.pipeline:
        out += ["", "Các giai đoạn (hiện có · vào trong 24 giờ):"]
        out += _table(
            ["Giai đoạn", "Hiện có", "Vào 24h"], [[s["label"], s["count"], s["entered_24h"]] for s in status.pipeline["stages"]]
        )
    out += ["", "Consumer JetStream:"]
    out += _table(
        ["Durable", "Stream", "Chờ giao", "Chờ ack", "Giao lại"],
        [
            [c.durable, c.stream, c.pending if c.error is None else c.error, c.ack_pending or 0, c.redelivered or 0]
            for c in status.consumers
        ],
    )
    dead = ", ".join(f"{service} {n}" for service, n in status.dead_letters.items()) or "không có"
    out += ["", f"Thư lỗi (DEADLETTER): {dead}"]
    if status.queues and status.queues["slowest"]:
        out += [
            "",
            f"Đơn vị chậm nhất (hồ sơ đang chờ: {status.queues['total_tasks']}, quá hạn: {status.queues['total_overdue']}):",
        ]
        out += _table(
            ["Đơn vị", "Cấp", "Đang chờ", "Quá hạn", "Chờ lâu nhất", "TB xử lý 30 ngày"],
            [
                [
                    u["unit_name"],
                    u["level_name"],
                    u["depth"],
                    u["overdue"],
                    age(u["oldest_age_seconds"]),
                    age(u["avg_decision_seconds"]),
                ]
                for u in status.queues["slowest"]
            ],
        )
    if status.problems:
        out += ["", "Vấn đề:"] + [f"  - {p}" for p in status.problems]
    return "\n".join(out)


def as_json(status: OpsStatus) -> str:
    return json.dumps(status.model_dump(mode="json"), ensure_ascii=False, indent=2)


def unreachable(nats_url: str, exc: BaseException) -> str:
    when = datetime.now(UTC).astimezone(VIETNAM_TZ).strftime("%d/%m/%Y %H:%M:%S")
    return f"Thi Đua — {when}: không kết nối được NATS tại {redacted(nats_url)} ({type(exc).__name__}: {exc})"
