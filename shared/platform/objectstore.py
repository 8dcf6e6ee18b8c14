"""JetStream Object Store buckets as the services use them: open (or create, for the owner) once, read with a limit."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable

from nats.js import JetStreamContext
from nats.js.api import ObjectInfo, ObjectStoreConfig, StorageType
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore

__all__ = ["Buckets", "ObjectNotFoundError", "ObjectTooLarge", "read_object"]


class ObjectTooLarge(Exception):
    def __init__(self, info: ObjectInfo) -> None:
        super().__init__(f"object {info.name} has {info.size} bytes")
        self.info = info


class Buckets:
    """The buckets one process uses over its NATS connection, opened lazily (the connection exists after start-up).

    `own` buckets are created by their owner when missing; another's bucket is only opened (its owner creates it)."""

    def __init__(self, jetstream: Callable[[], JetStreamContext], *, replicas: int = 1) -> None:
        self._jetstream = jetstream
        self._replicas = replicas
        self._open: dict[str, ObjectStore] = {}
        self._lock = asyncio.Lock()

    async def own(self, bucket: str, *, ttl_seconds: float | None = None, description: str = "") -> ObjectStore:
        async with self._lock:
            if bucket not in self._open:
                js = self._jetstream()
                try:
                    self._open[bucket] = await js.object_store(bucket)
                except BucketNotFoundError:
                    config = ObjectStoreConfig(
                        bucket=bucket,
                        description=description or None,
                        ttl=ttl_seconds,
                        storage=StorageType.FILE,
                        replicas=self._replicas,
                    )
                    self._open[bucket] = await js.create_object_store(bucket, config=config)
            return self._open[bucket]

    async def other(self, bucket: str) -> ObjectStore:
        async with self._lock:
            if bucket not in self._open:
                self._open[bucket] = await self._jetstream().object_store(bucket)
            return self._open[bucket]


async def read_object(store: ObjectStore, name: str, *, max_bytes: int) -> tuple[ObjectInfo, bytes]:
    """The object's description and bytes; refuses to pull more than `max_bytes` (ObjectTooLarge) and raises
    ObjectNotFoundError when there is none. nats-py checks the object's own SHA-256 digest while reading."""
    info = await store.get_info(name)
    if info.size is not None and info.size > max_bytes:
        raise ObjectTooLarge(info)
    buffer = io.BytesIO()  # nats-py would otherwise grow one bytes object chunk by chunk (quadratic for 10 MB)
    await store.get(name, writeinto=buffer)
    return info, buffer.getvalue()
