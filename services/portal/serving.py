"""How the portal's HTTP server is configured: which forwarded headers it believes."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp

from services.portal.settings import PortalSettings


def server_config(settings: PortalSettings, app: ASGIApp) -> uvicorn.Config:
    """uvicorn's configuration for the portal.

    uvicorn believes `X-Forwarded-For` from 127.0.0.1 by default, so any local process could claim any client
    address and step around the sign-in throttle, which counts failures per user and address. The portal believes
    forwarded headers only from the proxies named in THIDUA_TRUSTED_PROXIES.
    """
    trusted = settings.trusted_proxies.strip()
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.resolved_http_port(),
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,  # uvicorn's lines go through the process's handler (JSON by default)
        lifespan="on",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )
