"""The portal believes forwarded client addresses only from the proxies it is told to trust."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from starlette.types import Receive, Scope, Send

from services.portal.serving import server_config
from services.portal.settings import PortalSettings


async def _client_address_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the client address the portal's own code would see (what the sign-in throttle counts by)."""
    host = scope["client"][0] if scope.get("client") else ""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": host.encode()})


def seen_address(settings: PortalSettings, peer: str, forwarded_for: str) -> str:
    config = server_config(settings, _client_address_app)
    config.load()  # wraps the app in uvicorn's middleware exactly as the server does
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/dang-nhap",
        "raw_path": b"/dang-nhap",
        "query_string": b"",
        "headers": [(b"host", b"portal"), (b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 50000),
        "server": ("127.0.0.1", 8080),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(config.loaded_app(scope, receive, send))
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()


@pytest.mark.parametrize("forged", ["203.0.113.7", "198.51.100.1, 127.0.0.1"])
def test_a_local_client_cannot_choose_its_address_with_x_forwarded_for(forged: str) -> None:
    assert seen_address(PortalSettings(demo=True), "127.0.0.1", forged) == "127.0.0.1"


def test_the_address_a_trusted_proxy_forwards_is_believed() -> None:
    settings = PortalSettings(demo=True, trusted_proxies="10.0.0.5")
    assert seen_address(settings, "10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert seen_address(settings, "10.0.0.9", "203.0.113.7") == "10.0.0.9"  # not the proxy: its header is ignored
