"""Which instances run, and whether each is ready: the heartbeat every instance writes and the ops tools read.

Every instance writes its readiness every few seconds to the JetStream key-value bucket `thidua_instances`
(key `<service>.<instance>`, entries expire after 30 s), which is how the ops page and `thidua ops status` know
which instances exist and whether each is healthy. Kept apart from the Prometheus side (`observability`) so that a
command line reading the bucket imports NATS and pydantic only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from nats.js.kv import KeyValue
from pydantic import BaseModel, ValidationError

from shared.contracts.subjects import INSTANCES_BUCKET

log = logging.getLogger("thidua.observability")

HEARTBEAT_SECONDS = 5.0
INSTANCE_TTL_SECONDS = 30.0


class InstanceStatus(BaseModel):
    service: str
    instance: str
    host: str
    pid: int
    http_url: str
    started_at: datetime
    seen_at: datetime
    ready: bool
    checks: dict[str, Any]


def instance_key(service: str, instance: str) -> str:
    """A KV key: only the characters JetStream allows in keys."""
    return f"{service}.{re.sub(r'[^A-Za-z0-9_=-]', '_', instance)}"


async def instances_bucket(js: JetStreamContext, replicas: int = 1) -> KeyValue:
    try:
        return await js.key_value(INSTANCES_BUCKET)
    except BucketNotFoundError:
        config = KeyValueConfig(bucket=INSTANCES_BUCKET, history=1, ttl=INSTANCE_TTL_SECONDS, replicas=replicas)
        return await js.create_key_value(config)


async def read_instances(js: JetStreamContext) -> list[InstanceStatus]:
    """The instances that wrote a heartbeat in the last 30 s.

    The keys come from the bucket's stream itself (the subjects it holds, one request), not from `KeyValue.keys()`:
    that walks an ordered consumer and stops when the server says nothing is pending, and with every instance
    writing meanwhile it could stop early and leave out running instances (an ops report that said two ready
    services had no instance). A key expired or withdrawn between listing and reading is skipped, and so is a
    heartbeat this version cannot read (logged); any other failure to read is raised, so that the report says it
    could not read the heartbeats rather than that nothing runs."""
    try:
        kv = await js.key_value(INSTANCES_BUCKET)
    except BucketNotFoundError:
        return []
    prefix = f"$KV.{INSTANCES_BUCKET}."
    info = await js.stream_info(f"KV_{INSTANCES_BUCKET}", subjects_filter=f"{prefix}>")
    found = []
    for subject in sorted(info.state.subjects or {}):
        try:
            entry = await kv.get(subject.removeprefix(prefix))
        except KeyNotFoundError:  # expired, or withdrawn by an instance that stopped (kv.get says both so)
            continue
        if not entry.value:
            continue
        try:
            found.append(InstanceStatus.model_validate_json(entry.value))
        except ValidationError:  # an instance of another version mid-upgrade: the others are still reported
            log.warning("instances.unreadable_heartbeat", extra={"key": entry.key})
    return sorted(found, key=lambda i: (i.service, i.instance))


def http_url(host: str, port: int) -> str:
    """Where operations reach an instance's /readyz and /metrics ("0.0.0.0" means: by the host's name)."""
    return f"http://{socket.gethostname() if host in ('0.0.0.0', '::', '') else host}:{port}"


class Heartbeat:
    """Writes this instance's readiness to the instances bucket every few seconds (a runtime worker)."""

    def __init__(
        self,
        service: str,
        instance: str,
        http_url: str,
        js: Callable[[], JetStreamContext],
        probe: Callable[[], Awaitable[dict[str, Any]]],
        *,
        replicas: int = 1,
        interval: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.key = instance_key(service, instance)
        self.status = InstanceStatus(
            service=service,
            instance=instance,
            host=socket.gethostname(),
            pid=os.getpid(),
            http_url=http_url,
            started_at=datetime.now(UTC),
            seen_at=datetime.now(UTC),
            ready=False,
            checks={},
        )
        self.js = js
        self.probe = probe
        self.replicas = replicas
        self.interval = interval
        self._task: asyncio.Task[None] | None = None
        self._kv: KeyValue | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def beat(self) -> None:
        checks = await self.probe()
        self.status = self.status.model_copy(
            update={"seen_at": datetime.now(UTC), "ready": bool(checks.get("ready")), "checks": checks}
        )
        if self._kv is None:
            self._kv = await instances_bucket(self.js(), self.replicas)
        await self._kv.put(self.key, self.status.model_dump_json().encode())

    async def _run(self) -> None:
        while True:
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._kv = None
                log.warning("heartbeat.failed", extra={"key": self.key}, exc_info=True)
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._kv is not None:
            with contextlib.suppress(Exception):  # gone at once on a clean stop; after a crash it expires
                await self._kv.delete(self.key)
