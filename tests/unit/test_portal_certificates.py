"""The portal's certificate download (`GET /api/v1/decisions/{id}/certificates.pdf`) on the real app with no broker:
the gateway's call to awards is replaced by one that answers as awards' `certificates` does, so what is checked is
the edge — the parameters passed on, the attachment's name, awards' refusals as problem+json, a bad paper refused
before anything is asked."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.portal.api.deps import current_actor
from services.portal.main import create_app
from services.portal.settings import PortalSettings
from shared.contracts.errors import Conflict
from shared.contracts.events import Actor, RoleGrant
from shared.platform.assertions import generate_keys
from thidua.natsserver import free_port

ACTOR = Actor(user_id="u-1", username="cdcs.dst", full_name="Cán bộ", roles=(RoleGrant(role="submitter", unit_code="X"),))
PDF = b"%PDF-1.7 certificates"


class Awards:
    """Awards' answers as the gateway would return them; `asked` records each call."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, dict[str, Any] | None]] = []
        self.revoked = False

    async def call(self, service: str, operation: str, actor: Actor, params: dict[str, Any] | None = None) -> Any:
        self.asked.append((service, operation, params))
        if self.revoked:
            raise Conflict("Quyết định đã bị thu hồi: không in văn bằng", code="decision_revoked")
        return {
            "filename": "van-bang-15-2026-HN-SONTAY-A3.pdf",
            "media_type": "application/pdf",
            "content_base64": base64.b64encode(PDF).decode(),
        }


@pytest.fixture
def awards() -> Awards:
    return Awards()


@pytest.fixture
def app(tmp_path: Path, awards: Awards) -> FastAPI:
    settings = PortalSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        jwt_secret="s" * 48,
        var_dir=tmp_path,
    )
    generate_keys(settings.keys_dir())
    app = create_app(settings)  # no lifespan: nothing connects

    async def actor() -> Actor:
        return ACTOR

    app.dependency_overrides[current_actor] = actor
    app.state.gateway.call = awards.call  # the one call the route makes, answered here instead of over NATS
    return app


@pytest_asyncio.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        yield client


@pytest.mark.asyncio
async def test_the_certificates_of_one_nominee_on_a3_download_as_a_named_pdf(http: httpx.AsyncClient, awards: Awards) -> None:
    response = await http.get("/api/v1/decisions/d-15/certificates.pdf", params={"paper": "A3", "nomination_id": "n-3"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"van-bang-15-2026-HN-SONTAY-A3.pdf\"; filename*=UTF-8''van-bang-15-2026-HN-SONTAY-A3.pdf"
    )
    assert response.content == PDF
    assert awards.asked == [("awards", "certificates", {"id": "d-15", "paper": "A3", "nomination_id": "n-3"})]


@pytest.mark.asyncio
async def test_the_whole_decision_on_a4_is_the_default(http: httpx.AsyncClient, awards: Awards) -> None:
    response = await http.get("/api/v1/decisions/d-15/certificates.pdf")
    assert response.status_code == 200, response.text
    assert awards.asked == [("awards", "certificates", {"id": "d-15", "paper": "A4"})]


@pytest.mark.asyncio
async def test_a_revoked_decision_is_a_409_problem_with_awards_code(http: httpx.AsyncClient, awards: Awards) -> None:
    awards.revoked = True
    response = await http.get("/api/v1/decisions/d-15/certificates.pdf")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "decision_revoked"


@pytest.mark.asyncio
async def test_a_paper_other_than_a4_or_a3_is_refused_before_awards_is_asked(http: httpx.AsyncClient, awards: Awards) -> None:
    response = await http.get("/api/v1/decisions/d-15/certificates.pdf", params={"paper": "A5"})
    assert response.status_code == 422
    assert awards.asked == []
