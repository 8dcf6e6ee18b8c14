"""Security headers on every answer of the portal: console pages, the JSON API, downloads, static files, errors.

The console runs no inline script and no inline style (its behaviour is `static/app.js`, htmx without eval; its
look is `static/app.css`), so the Content-Security-Policy allows only the portal's own files. No page may be framed
(`frame-ancestors 'none'`, and X-Frame-Options for older browsers), no response is sniffed into another type, and
no address leaves the site in a Referer.

The API's documentation page (`/docs`, Swagger UI) is under the same policy: its script and style are served by the
portal (`/static/swagger`, from the fastapi-offline package), its start-up is `static/docs.js`; it works offline.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from fastapi.responses import HTMLResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def policy(**sources: str) -> str:
    """A Content-Security-Policy: the portal's own files only, plus the extra `sources` by directive."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    for directive, extra in sources.items():
        name = directive.replace("_", "-")
        directives[name] = f"{directives[name]} {extra}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


CONTENT_SECURITY_POLICY = policy()
# Swagger UI's files as the fastapi-offline package ships them, served from the portal (`/static/swagger`): /docs
# needs no network beyond the portal and keeps the portal's own policy.
SWAGGER_DIR = Path(str(resources.files("fastapi_offline") / "static"))

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response start, whoever produced it (a route, an error
    handler, the static files, a 503 of the outage middleware when it is added inside this one)."""

    def __init__(self, app: ASGIApp, policies: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.policies = dict(policies or {})  # path -> a Content-Security-Policy other than the default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = {**SECURITY_HEADERS}
        if scope["path"] in self.policies:
            chosen["Content-Security-Policy"] = self.policies[scope["path"]]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in chosen.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


DOCS_PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thi Đua · API</title>
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


def docs_page() -> HTMLResponse:
    """Swagger UI over /openapi.json, its start-up in a static file rather than inline."""
    return HTMLResponse(DOCS_PAGE)
