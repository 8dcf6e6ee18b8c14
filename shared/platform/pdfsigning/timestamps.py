"""The time-stamping authority (RFC 3161) that stamps production signatures: `THIDUA_TSA_URL`, with optional HTTP basic
credentials `THIDUA_TSA_USERNAME` / `THIDUA_TSA_PASSWORD`. With one, every signature carries a timestamp from it
(PAdES B-T, B-LT with the validation info); a TSA that does not answer refuses the signature (`TimestampUnavailable`),
it never signs without. Without one, production signatures are B-B: their time is the one the signer's machine claims.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyhanko.sign.timestamps import HTTPTimeStamper, TimeStamper

TSA_URL_ENV = "THIDUA_TSA_URL"
TSA_USERNAME_ENV = "THIDUA_TSA_USERNAME"
TSA_PASSWORD_ENV = "THIDUA_TSA_PASSWORD"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class TimestampAuthority:
    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = TIMEOUT_SECONDS

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> TimestampAuthority | None:
        url = environ.get(TSA_URL_ENV)
        if not url:
            return None
        return cls(url, environ.get(TSA_USERNAME_ENV) or None, environ.get(TSA_PASSWORD_ENV) or None)

    def timestamper(self) -> TimeStamper:
        """pyHanko's HTTP client; the credentials as an Authorization header (aiohttp deprecates its `auth`)."""
        headers = {}
        if self.username:
            token = base64.b64encode(f"{self.username}:{self.password or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return HTTPTimeStamper(self.url, timeout=self.timeout_seconds, headers=headers)
