"""The public check of a signed document on the real portal app with nothing running behind it: the page
`/xac-thuc` (no sign-in) and `POST /api/v1/documents/verify`, bounded like every upload, answering problem+json for a
bad request and never a 500 for a bad file."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from services.portal.main import create_app
from services.portal.settings import PortalSettings
from services.portal.signatures import MAX_DOCUMENT_BYTES
from shared.platform.assertions import generate_keys
from tests.signing_world import make_pki, signed_decision, with_one_byte_changed
from thidua.natsserver import free_port

PROBLEM = "application/problem+json"


# The demo keys, the signed decision and the app are made once for the file: verifying only reads them, and the app
# runs without its lifespan, so nothing a request does outlives it.


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var_dir = tmp_path_factory.mktemp("portal-verify")
    make_pki(var_dir)
    return var_dir


@pytest.fixture(scope="module")
def signed(var_dir: Path) -> bytes:
    """A decision signed by HN-SONTAY's demo key (before the test's event loop runs: pyHanko runs its own)."""
    return signed_decision(var_dir).data


@pytest.fixture(scope="module")
def app(var_dir: Path) -> FastAPI:
    settings = PortalSettings(
        database_url=f"sqlite+aiosqlite:///{var_dir / 'portal.db'}",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        jwt_secret="s" * 48,
        var_dir=var_dir,
        trust_roots="",
    )
    generate_keys(settings.keys_dir())
    return create_app(settings)  # no lifespan: nothing connects, and verifying needs nothing


@pytest_asyncio.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
        yield client


async def upload_on_page(http: httpx.AsyncClient, data: bytes, filename: str = "quyet-dinh.pdf") -> httpx.Response:
    form = await http.get("/xac-thuc")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return await http.post("/xac-thuc", data={"csrf_token": token[1]}, files={"file": (filename, data, "application/pdf")})


@pytest.mark.asyncio
async def test_the_page_is_public_and_linked_from_the_sign_in_page(http: httpx.AsyncClient) -> None:
    page = await http.get("/xac-thuc")
    assert page.status_code == 200
    assert "Xác thực văn bản" in page.text
    assert 'id="verify-form"' in page.text
    login = await http.get("/dang-nhap")
    assert 'href="/xac-thuc"' in login.text


@pytest.mark.asyncio
async def test_a_valid_decision_shows_green_with_its_unit_and_the_demo_ca(http: httpx.AsyncClient, signed: bytes) -> None:
    page = await upload_on_page(http, signed)
    assert page.status_code == 200
    assert 'class="verdict ok"' in page.text
    assert "Văn bản hợp lệ" in page.text
    assert "Liên đoàn Lao động thị xã Sơn Tây" in page.text
    assert "Nguyễn Văn Hùng" in page.text
    assert "CA demo" in page.text


@pytest.mark.asyncio
async def test_an_altered_decision_shows_red_saying_it_changed_after_signing(http: httpx.AsyncClient, signed: bytes) -> None:
    page = await upload_on_page(http, with_one_byte_changed(signed))
    assert page.status_code == 200
    assert 'class="verdict bad"' in page.text
    assert "Văn bản đã bị thay đổi sau khi ký" in page.text
    assert 'data-code="altered"' in page.text


@pytest.mark.asyncio
async def test_the_page_without_a_file_says_so_next_to_the_form(http: httpx.AsyncClient) -> None:
    form = await http.get("/xac-thuc")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    page = await http.post("/xac-thuc", data={"csrf_token": token[1]}, files={"other": ("x.txt", b"x", "text/plain")})
    assert page.status_code == 422
    assert 'id="verify-error"' in page.text


def problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"].startswith(PROBLEM), (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.asyncio
async def test_the_api_answers_the_verification_without_a_token(http: httpx.AsyncClient, signed: bytes) -> None:
    response = await http.post("/api/v1/documents/verify", files={"file": ("qd.pdf", signed)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"]
    assert body["signatures"][0]["signer_unit_code"] == "HN-SONTAY"
    assert body["signatures"][0]["demo_ca"]


@pytest.mark.asyncio
async def test_the_api_answers_a_file_that_is_not_a_pdf_with_its_problem(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/v1/documents/verify", files={"file": ("anh.png", b"\x89PNG\r\n\x1a\n")})
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["problems"]] == ["not_a_pdf"]


@pytest.mark.asyncio
async def test_the_api_refuses_a_request_without_a_file_as_problem_json(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/v1/documents/verify", files={"other": ("x.txt", b"x")})
    assert response.status_code == 422
    assert problem(response)["code"] == "upload_missing_file"


@pytest.mark.asyncio
async def test_an_oversized_upload_is_413_problem_json_never_a_500(http: httpx.AsyncClient) -> None:
    too_large = b"%PDF-1.7\n" + b"0" * MAX_DOCUMENT_BYTES
    response = await http.post("/api/v1/documents/verify", files={"file": ("lon.pdf", too_large)})
    assert response.status_code == 413
    assert problem(response)["code"] == "upload_too_large"
    page = await upload_on_page(http, too_large)
    assert page.status_code == 413
    assert 'id="verify-error"' in page.text
