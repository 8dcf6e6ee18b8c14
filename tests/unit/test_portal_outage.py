"""The portal while its database is down: 503 problem+json for the API, a 503 page for the console, Retry-After
on both; never a plain-text 500. The real portal app, its database URL pointing at a port nobody listens on.
The HTTP edge (`shared.platform.httpfaults`) is also checked on a small app for what the portal cannot show
without more machinery: a fault raised inside an error handler, and a 503 someone else produced."""

from __future__ import annotations

import json
from base64 import b64encode
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from itsdangerous import TimestampSigner

from services.portal.main import create_app
from services.portal.settings import PortalSettings
from services.portal.users import issue_token
from shared.contracts.errors import DomainError, ServiceUnavailable
from shared.contracts.events import Actor, RoleGrant
from shared.platform.assertions import generate_keys
from shared.platform.httpfaults import PAGE_HEADING, RETRY_AFTER_SECONDS, TITLE, OutageAnswers, install_outage_handlers
from thidua.natsserver import free_port

SECRET = "a-test-secret-that-is-long-enough-for-the-portal-0123456789"
ACTOR = Actor(user_id="u-1", username="cdcs.dst", full_name="Cán bộ CĐCS", roles=(RoleGrant(role="submitter", unit_code="X"),))


def client(app: FastAPI) -> httpx.AsyncClient:
    """The app over ASGI, as uvicorn would call it; an exception no handler took becomes the 500 uvicorn sends."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://portal.test")


@pytest_asyncio.fixture
async def portal(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = PortalSettings(
        database_url=f"postgresql+asyncpg://thidua@127.0.0.1:{free_port()}/thidua_portal",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        jwt_secret=SECRET,
        var_dir=tmp_path,
    )
    generate_keys(settings.keys_dir())
    app = create_app(settings)  # no lifespan: nothing connects until a request needs it
    async with client(app) as http:
        yield http


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(ACTOR, SECRET, datetime.now(UTC), timedelta(hours=1), 's-outage')}"}


def assert_problem_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    problem = {"type": "urn:thidua:error:service_unavailable", "code": "service_unavailable", "title": TITLE, "status": 503}
    assert response.json() == {**problem, "fields": []}


@pytest.mark.asyncio
async def test_an_api_call_whose_caller_cannot_be_looked_up_answers_503_problem_json(portal: httpx.AsyncClient) -> None:
    assert_problem_503(await portal.get("/api/v1/me", headers=bearer()))
    assert_problem_503(await portal.get("/api/v1/nominations", headers=bearer()))


@pytest.mark.asyncio
async def test_signing_in_while_the_database_is_down_answers_503_problem_json(portal: httpx.AsyncClient) -> None:
    assert_problem_503(await portal.post("/api/v1/auth/login", json={"username": "cdcs.dst", "password": "whatever"}))


@pytest.mark.asyncio
async def test_a_signed_in_console_page_answers_a_503_page_in_vietnamese(portal: httpx.AsyncClient) -> None:
    session = TimestampSigner(SECRET).sign(b64encode(json.dumps({"user_id": "u-1", "sid": "s-1", "csrf": "x"}).encode())).decode()
    portal.cookies.set("thidua_session", session)

    page = await portal.get("/ho-so")

    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert PAGE_HEADING in page.text
    assert '<html lang="vi">' in page.text


@pytest.mark.asyncio
async def test_readiness_says_not_ready_and_why(portal: httpx.AsyncClient) -> None:
    response = await portal.get("/readyz")
    checks = response.json()
    assert response.status_code == 503
    assert checks["ready"] is False
    assert checks["database"] is False
    assert "database: ConnectionRefusedError" in checks["reason"]
    assert "nats:" in checks["reason"]


# The edge on a small app


def small_app() -> FastAPI:
    app = FastAPI()

    @app.exception_handler(DomainError)
    async def domain(request: Request, exc: DomainError) -> Response:
        if request.url.path.startswith("/trang"):  # like the console's error page: looks the user up again
            raise ConnectionResetError(104, "Connection reset by peer")
        return JSONResponse({"code": exc.code}, status_code=exc.status, media_type="application/problem+json")

    install_outage_handlers(app)
    app.add_middleware(OutageAnswers)

    @app.get("/api/remote")
    async def remote() -> None:
        raise ServiceUnavailable()  # what a service that answered 503 becomes in the portal

    @app.get("/trang")
    async def page() -> None:
        raise ServiceUnavailable()

    @app.get("/api/bug")
    async def bug() -> None:
        raise KeyError("task")

    @app.get("/api/missing-file")
    async def missing() -> None:
        raise FileNotFoundError(2, "No such file or directory")

    return app


@pytest.mark.asyncio
async def test_a_503_from_elsewhere_gets_retry_after_too() -> None:
    response = await client(small_app()).get("/api/remote")
    assert (response.status_code, response.headers["retry-after"]) == (503, str(RETRY_AFTER_SECONDS))
    assert response.json() == {"code": "service_unavailable"}


@pytest.mark.asyncio
async def test_a_fault_raised_inside_an_error_handler_is_a_503_page_not_a_500() -> None:
    response = await client(small_app()).get("/trang")
    assert response.status_code == 503
    assert PAGE_HEADING in response.text


@pytest.mark.asyncio
async def test_a_bug_is_still_a_500() -> None:
    app = client(small_app())
    assert (await app.get("/api/bug")).status_code == 500
    assert (await app.get("/api/missing-file")).status_code == 500  # an OSError that is not the network stays a 500
