"""Composition root of the portal: FastAPI app, its database, and the NATS connection for requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from services.portal import store
from services.portal.api import build_router, install_error_handlers
from services.portal.gateway import Gateway
from services.portal.ops_api import build_ops_router
from services.portal.settings import PortalSettings
from services.portal.web.pages import build_pages
from shared.db import make_engine
from shared.messaging import ensure_topology, make_broker, publish_event
from shared.migrate import head_revision
from shared.outbox import OutboxRelay

STATIC_DIR = Path(__file__).parent / "web" / "static"
DESCRIPTION = """Cổng Thi Đua: API JSON cho hồ sơ đề nghị khen thưởng, hộp việc xét duyệt và quyết định khen thưởng.

Mọi lỗi trả về `application/problem+json` với `code` ổn định, `title` tiếng Việt và danh sách `fields`."""


def create_app(settings: PortalSettings) -> FastAPI:
    engine = make_engine(settings.resolved_database_url())
    broker = make_broker(settings.nats_url, "portal")
    clock = settings.clock()
    gateway = Gateway(settings, engine, clock, broker)

    async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
        await publish_event(broker, subject, payload, headers)

    # The portal's own events (who approves for each unit) leave through its outbox like every service's.
    relay = OutboxRelay(engine, store.outbox, publish, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_topology(settings.nats_url, (), replicas=settings.stream_replicas, max_attempts=settings.max_attempts)
        await broker.start()
        relay.start()
        yield
        await relay.stop()
        await broker.stop()
        await engine.dispose()

    app = FastAPI(title="Thi Đua", version="1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.gateway = gateway
    install_error_handlers(app)
    app.add_middleware(
        SessionMiddleware,
        secret_key=gateway.secret,
        session_cookie="thidua_session",
        max_age=settings.token_ttl_minutes * 60,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_router(gateway))
    app.include_router(build_ops_router(gateway))
    app.include_router(build_pages(gateway))

    @app.get("/healthz", tags=["ops"], summary="Tiến trình còn sống")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], summary="Kết nối NATS và cơ sở dữ liệu, migration hiện hành")
    async def readyz() -> JSONResponse:
        checks: dict[str, Any] = {"nats": await broker.ping(timeout=2.0)}
        try:
            async with engine.connect() as conn:
                current = await conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
            checks.update(database=True, migrations_current=current == head_revision("portal"))
        except Exception as exc:
            checks.update(database=False, error=repr(exc))
        ok = bool(checks["nats"] and checks["database"] and checks.get("migrations_current"))
        return JSONResponse({"service": "portal", "ready": ok, **checks}, status_code=200 if ok else 503)

    return app


def serve(settings: PortalSettings) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=settings.http_host,
        port=settings.resolved_http_port(),
        log_level=settings.log_level.lower(),
        access_log=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()
