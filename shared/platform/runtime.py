"""Runs one service: broker, consumers, RPC, outbox relay, and /healthz /readyz /metrics over HTTP.

Start-up: wait until the durables it pulls from exist (the administrator applies the topology, see
shared.platform.topology), start the broker, start the relay.
Shutdown (SIGINT/SIGTERM): stop pulling and wait for in-flight handlers, flush the outbox,
then drain and close the NATS connection.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

import sqlalchemy as sa
import uvicorn
from faststream.asgi import AsgiFastStream, AsgiResponse, get, make_ping_asgi
from faststream.nats import NatsBroker, NatsRouter
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js import JetStreamContext
from prometheus_client import CollectorRegistry, make_asgi_app

from shared.contracts.subjects import ConsumerDef
from shared.platform.assertions import Signer, Verifier, key_paths, load_signer, load_verifier
from shared.platform.db import make_engine
from shared.platform.deadletter_ops import dead_letter_operations
from shared.platform.idempotency import Keeper
from shared.platform.instances import Heartbeat, http_url
from shared.platform.messaging import EventConsumer, consumers_of, make_broker, publish_event, register_rpc
from shared.platform.observability import Sampler, readiness
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.settings import ServiceSettings
from shared.platform.topology import wait_for_topology

log = logging.getLogger("thidua.runtime")


def settle_heap() -> None:
    """Move what start-up built (modules, rules, compiled schemas and statements) out of the garbage collector's way:
    a batch of work allocates objects by the thousand, and every full collection would walk that whole heap again
    (about a sixth of the CPU of 10,000 escalations, issue 20). Garbage left by start-up is collected first."""
    gc.collect()
    gc.freeze()


async def _settle_heap() -> None:
    settle_heap()


class Worker(Protocol):
    """A background loop of a service (e.g. review's timers): started after the broker, stopped before the relay."""

    def start(self) -> None: ...

    async def stop(self) -> None: ...


def _no_workers(ctx: ServiceContext, registry: CollectorRegistry) -> Sequence[Worker]:
    return ()


def _no_metrics(ctx: ServiceContext, sampler: Sampler) -> None:
    return None


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    outbox: sa.Table
    idempotency_keys: sa.Table
    consumers: tuple[ConsumerDef, ...]
    # Registers the service's RPC operations and event consumers on the router.
    wire: Callable[[NatsRouter, NatsBroker, ServiceContext], None]
    head_revision: Callable[[], str]
    workers: Callable[[ServiceContext, CollectorRegistry], Sequence[Worker]] = _no_workers
    # Figures the service reads from its own data when Prometheus scrapes (queue depth, decisions…).
    metrics: Callable[[ServiceContext, Sampler], None] = _no_metrics


class CallerKeys(TypedDict):
    callers: Verifier
    signer: Signer | None


def caller_keys(service: str, settings: ServiceSettings) -> CallerKeys:
    """The public keys its callers are verified with (none: the service does not start, it never trusts every
    caller), and its own signing key when it has one (awards)."""
    keys = settings.keys_dir()
    own, _ = key_paths(keys, service)
    return CallerKeys(callers=load_verifier(keys), signer=load_signer(keys, service) if own.exists() else None)


def build_app(spec: ServiceSpec, settings: ServiceSettings) -> AsgiFastStream:
    url = settings.resolved_database_url()
    engine = make_engine(url)
    clock = settings.clock()
    registry = CollectorRegistry()
    broker = make_broker(
        settings.nats_url,
        spec.name,
        middlewares=(
            NatsPrometheusMiddleware(registry=registry, app_name=f"thidua-{spec.name}"),
            NatsTelemetryMiddleware(),  # spans for RPC and events; traceparent in the headers it publishes
        ),
    )

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(broker, subject, payload, headers)

    relay = OutboxRelay(engine, spec.outbox, publish, clock)
    ctx = ServiceContext(
        engine=engine,
        clock=clock,
        settings=settings,
        rules=settings.rulebook(),
        registry=registry,
        idempotency=Keeper(engine, spec.idempotency_keys, clock),
        **caller_keys(spec.name, settings),
    )

    def jetstream() -> JetStreamContext:  # the broker connects at start-up, after this is built
        return broker.connection.jetstream()

    router = NatsRouter()
    spec.wire(router, broker, ctx)
    if spec.consumers:
        register_rpc(router, spec.name, dead_letter_operations(ctx, jetstream), ctx.callers)
    broker.include_router(router)

    sampler = Sampler(spec.name, registry)
    sampler.watch_outbox(engine, spec.outbox, clock.now)
    sampler.watch_consumers(jetstream, spec.consumers)
    spec.metrics(ctx, sampler)
    metrics_app = make_asgi_app(registry)

    async def metrics(scope: Any, receive: Any, send: Any) -> None:
        await sampler.refresh()
        await metrics_app(scope, receive, send)

    def consumers() -> list[EventConsumer]:
        return list(consumers_of.get(registry, {}).values())

    was_ready = True

    async def probe() -> dict[str, Any]:
        """Readiness; when it comes back after an outage, the consumers pausing for it resume at once."""
        nonlocal was_ready
        waiting = {c.consumer.durable: reason for c in consumers() if (reason := c.waiting_on())}
        checks = await readiness(
            spec.name, settings.instance, broker, engine, spec.outbox, spec.head_revision(), clock.now(), waiting=waiting
        )
        if checks["ready"] and not was_ready:
            for consumer in consumers():
                consumer.resume()
        was_ready = bool(checks["ready"])
        return checks

    @get
    async def readyz(scope: Any) -> AsgiResponse:
        checks = await probe()
        return AsgiResponse(
            json.dumps(checks).encode(), status_code=200 if checks["ready"] else 503, headers={"content-type": "application/json"}
        )

    heartbeat = Heartbeat(
        spec.name,
        settings.instance,
        http_url(settings.http_host, settings.resolved_http_port()),
        jetstream,
        probe,
        replicas=settings.stream_replicas,
    )
    workers = [*spec.workers(ctx, registry), heartbeat]

    async def topology_ready() -> None:
        await wait_for_topology(settings.nats_url, spec.name, spec.consumers)

    async def start_relay() -> None:
        relay.start()
        for worker in workers:
            worker.start()
        log.info("service.started", extra={"service": spec.name, "instance": settings.instance})

    async def stop_gracefully() -> None:
        for consumer in consumers():
            consumer.stop()  # one pausing for an outage returns at once instead of holding up the shutdown
        for subscriber in broker.subscribers:
            await subscriber.stop()  # stops pulling, waits for in-flight handlers
        for worker in workers:
            await worker.stop()  # finishes its current transaction; what it wrote to the outbox is flushed next
        await relay.stop()

    async def close_database() -> None:
        await engine.dispose()

    return AsgiFastStream(
        broker,
        asgi_routes=[
            ("/healthz", make_ping_asgi(broker, timeout=2.0)),
            ("/readyz", readyz),
            ("/metrics", metrics),
        ],
        on_startup=[topology_ready],
        after_startup=[_settle_heap, start_relay],
        on_shutdown=[stop_gracefully],
        after_shutdown=[close_database],
    )


def serve(spec: ServiceSpec, settings: ServiceSettings) -> None:
    app = build_app(spec, settings)
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.resolved_http_port(),
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,  # uvicorn's lines go through the process's handler (JSON by default)
        lifespan="on",
    )
    uvicorn.Server(config).run()
