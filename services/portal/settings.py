"""Portal settings: the shared base plus the token secret and the demo password."""

from __future__ import annotations

import secrets

from pydantic import Field, SecretStr, model_validator

from shared.platform.defaults import DEFAULT_DEMO_PASSWORD
from shared.platform.files import write_private
from shared.platform.settings import ServiceSettings

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "thidua"}


class PortalSettings(ServiceSettings):
    service: str = "portal"
    jwt_secret: SecretStr | None = None
    token_ttl_minutes: int = 480
    demo_password: str = DEFAULT_DEMO_PASSWORD
    rpc_timeout_seconds: float = 10.0
    secure_cookies: bool = False  # set THIDUA_SECURE_COOKIES=1 behind HTTPS
    # Addresses of the reverse proxies whose X-Forwarded-For/-Proto the portal believes (comma-separated, or "*").
    # Empty (the default): none, so a client cannot pick the address the sign-in throttle counts by.
    trusted_proxies: str = ""
    # How long an uploaded file waits in the staging bucket for the submission that uses it.
    attachment_staging_ttl_seconds: float = Field(default=6 * 3600, ge=60, le=7 * 24 * 3600)

    @model_validator(mode="after")
    def _secret_required_outside_demo(self) -> PortalSettings:
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if self.demo:
            return self
        if secret.lower() in PLACEHOLDER_SECRETS or len(secret) < 32:
            raise ValueError("THIDUA_JWT_SECRET must be set to a random value of at least 32 characters outside the demo")
        return self

    def token_secret(self) -> str:
        """The configured secret; in the embedded demo one is generated once and kept under var/."""
        if self.jwt_secret is not None and self.jwt_secret.get_secret_value():
            return self.jwt_secret.get_secret_value()
        path = self.var_dir / "portal-secret.key"
        if not path.exists() or not path.read_text().strip():
            write_private(path, secrets.token_urlsafe(48))  # 0600 from the start
        path.chmod(0o600)  # a key kept by an older version, made readable by others, is narrowed
        return path.read_text().strip()
