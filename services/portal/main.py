"""Composition root of the portal: FastAPI app, its database, and the NATS connection for requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from faststream.nats.prometheus import NatsPrometheusMiddleware
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.middleware.sessions import SessionMiddleware

from services.portal import store
from services.portal.api.problems import document_problems
from services.portal.api.router import build_api
from services.portal.errors import install_error_handlers
from services.portal.gateway import Gateway
from services.portal.headers import SWAGGER_DIR, SecurityHeaders, docs_page
from services.portal.params import idempotency_key, refuse_control_characters
from services.portal.serving import server_config
from services.portal.settings import PortalSettings
from services.portal.tracing import RequestTracing
from services.portal.uploads import BodyLimit, refuse_declared_oversize
from services.portal.web.router import build_console
from shared.platform.db import make_engine
from shared.platform.httpfaults import OutageAnswers, install_outage_handlers
from shared.platform.instances import Heartbeat, http_url
from shared.platform.messaging import make_broker, publish_event
from shared.platform.observability import Sampler, readiness
from shared.platform.outbox import OutboxRelay
from shared.platform.schemahead import head_revision

STATIC_DIR = Path(__file__).parent / "web" / "static"
DESCRIPTION = """Cổng Thi Đua: API JSON cho hồ sơ đề nghị khen thưởng, hộp việc xét duyệt và quyết định khen thưởng.

Mọi lỗi trả về `application/problem+json` với `code` ổn định, `title` tiếng Việt và danh sách `fields`."""


def create_app(settings: PortalSettings) -> FastAPI:
    engine = make_engine(settings.resolved_database_url())
    registry = CollectorRegistry()
    broker = make_broker(
        settings.nats_url,
        "portal",
        middlewares=(NatsPrometheusMiddleware(registry=registry, app_name="thidua-portal"), NatsTelemetryMiddleware()),
    )
    clock = settings.clock()
    gateway = Gateway(settings, engine, clock, broker)

    def jetstream() -> JetStreamContext:
        return broker.connection.jetstream()

    sampler = Sampler("portal", registry)
    sampler.watch_outbox(engine, store.outbox, clock.now)

    async def probe() -> dict[str, Any]:
        return await readiness("portal", settings.instance, broker, engine, store.outbox, head_revision("portal"), clock.now())

    heartbeat = Heartbeat(
        "portal",
        settings.instance,
        http_url(settings.http_host, settings.resolved_http_port()),
        jetstream,
        probe,
        replicas=settings.stream_replicas,
    )

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(broker, subject, payload, headers)

    # The portal's own events (who approves for each unit) leave through its outbox like every service's.
    relay = OutboxRelay(engine, store.outbox, publish, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await broker.start()
        await gateway.staging()  # the bucket registration reads uploads from
        relay.start()
        heartbeat.start()
        yield
        await heartbeat.stop()
        await relay.stop()
        await broker.stop()
        await engine.dispose()

    app = FastAPI(
        title="Thi Đua",
        version="1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below, without inline script
        redoc_url=None,
        dependencies=[Depends(refuse_declared_oversize), Depends(refuse_control_characters), Depends(idempotency_key)],
    )
    app.state.gateway = gateway
    install_error_handlers(app)
    install_outage_handlers(app)  # its database or the bus down: 503 problem+json or page, with Retry-After
    app.add_middleware(
        SessionMiddleware,
        secret_key=gateway.secret,
        session_cookie="thidua_session",
        max_age=settings.token_ttl_minutes * 60,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(OutageAnswers)  # a fault raised inside an error handler is a 503 too; Retry-After on every 503
    app.add_middleware(BodyLimit)  # every body bounded: a 413 the handlers answer
    app.add_middleware(SecurityHeaders)  # on every answer, the 503s above included
    app.add_middleware(RequestTracing)  # added last: the outermost, so every other layer runs inside the span
    app.mount("/static/swagger", StaticFiles(directory=SWAGGER_DIR), name="swagger")  # before /static: matched first
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_api(gateway))
    app.include_router(build_console(gateway))

    def openapi() -> dict[str, Any]:
        """FastAPI's document, once, with the API's real error shape (problem+json) on every operation."""
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(FastAPI.openapi(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return docs_page()

    @app.get("/healthz", tags=["ops"], summary="Tiến trình còn sống", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Kết nối NATS và cơ sở dữ liệu, migration hiện hành", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks = await probe()
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    @app.get("/metrics", tags=["ops"], summary="Số liệu Prometheus của cổng", include_in_schema=False)
    async def metrics() -> Response:
        await sampler.refresh()
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


def serve(settings: PortalSettings) -> None:
    uvicorn.Server(server_config(settings, create_app(settings))).run()
