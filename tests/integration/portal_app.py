"""The portal as `thidua up` serves it (its FastAPI app under uvicorn, with its lifespan), but inside the test's own
event loop, on a free port: whatever the portal does on its loop, a test's concurrent requests see it.

Its database is migrated and seeded with the demo users (password `PASSWORD`); the services it asks are whatever the
test has running on the same nats-server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.portal.main import create_app
from services.portal.serving import server_config
from services.portal.settings import PortalSettings
from services.portal.users import seed_demo_users
from shared.platform.assertions import generate_keys
from shared.platform.clock import SystemClock
from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from thidua.natsserver import free_port

PASSWORD = "portal-test-password"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class RunningPortal:
    url: str
    app: FastAPI
    engine: AsyncEngine  # the portal's own database, for what a test checks or changes there (users, sessions)

    def client(self) -> httpx.AsyncClient:
        """A client over TCP, through uvicorn (redirects not followed, so a test sees them)."""
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    def in_process(self) -> httpx.AsyncClient:
        """A client handing requests straight to the app: the app pulls the body as it reads it, so a test can tell
        how much of an upload was read."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://portal", timeout=30)

    async def token(self, http: httpx.AsyncClient, username: str) -> str:
        response = await http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def console_sign_in(self, http: httpx.AsyncClient, username: str) -> str:
        """Sign in through the console's form; the session cookie it set."""
        csrf = CSRF_INPUT.search((await http.get("/dang-nhap")).text)
        assert csrf
        form = {"username": username, "password": PASSWORD, "csrf_token": csrf.group(1), "next": "/"}
        response = await http.post("/dang-nhap", data=form)
        assert response.status_code == 303, response.text
        return str(http.cookies["thidua_session"])


@asynccontextmanager
async def running_portal(nats_url: str, database_url: str, var_dir: Path) -> AsyncIterator[RunningPortal]:
    await asyncio.to_thread(upgrade, "portal", database_url)
    engine = make_engine(database_url)
    await seed_demo_users(engine, PASSWORD, SystemClock().now())
    settings = PortalSettings(
        nats_url=nats_url, database_url=database_url, jwt_secret="t" * 48, var_dir=var_dir, http_port=free_port()
    )
    generate_keys(settings.keys_dir())  # the services of these tests run in-process, unverified
    app = create_app(settings)
    server = uvicorn.Server(server_config(settings, app))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # start-up failed: raise why
            await asyncio.sleep(0.05)
        yield RunningPortal(f"http://{settings.http_host}:{settings.resolved_http_port()}", app, engine)
    finally:
        server.should_exit = True
        await serving
        await engine.dispose()
