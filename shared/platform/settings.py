"""Settings: one pydantic-settings class per service on this base, all read from THIDUA_* variables."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.platform import defaults
from shared.platform.clock import CLOCK_FILE_NAME, SystemClock
from shared.rules.attachments import RULES_FILE as SHIPPED_ATTACHMENT_RULES
from shared.rules.catalog import DEFAULT_CATALOG_DIR
from shared.rules.council import RULES_FILE as SHIPPED_COUNCIL_RULES
from shared.rules.rulebook import Rulebook

# Ports and services, kept where the command line reads them without importing this module.
DEFAULT_NATS_PORT = defaults.DEFAULT_NATS_PORT
DEFAULT_NATS_URL = defaults.DEFAULT_NATS_URL
DEFAULT_HTTP_PORTS = defaults.DEFAULT_HTTP_PORTS
SERVICES = defaults.SERVICES
# The rule sources a deployment (or a test) may point elsewhere; `ServiceSettings.rulebook()` reads them once.
CATALOG_DIR_ENV = "THIDUA_CATALOG_DIR"
ATTACHMENT_RULES_ENV = "THIDUA_ATTACHMENT_RULES"
COUNCIL_RULES_ENV = "THIDUA_COUNCIL_RULES"


class RuleSources(BaseSettings):
    """Where the rules are read from: every service's settings, and alone for the tools that read the rules only."""

    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

    # The award catalogue's version files (THIDUA_CATALOG_DIR) and the dated attachment limits (THIDUA_ATTACHMENT_RULES).
    catalog_dir: Path = DEFAULT_CATALOG_DIR
    attachment_rules: Path = SHIPPED_ATTACHMENT_RULES
    # The dated council rules per kind of council (THIDUA_COUNCIL_RULES), shared/data/councils.toml by default.
    council_rules: Path = SHIPPED_COUNCIL_RULES

    @field_validator("catalog_dir", "attachment_rules", "council_rules", mode="before")
    @classmethod
    def _empty_is_shipped(cls, value: object, info: ValidationInfo) -> object:
        """An empty variable means "not set": the files shipped with the code."""
        if value != "":
            return value
        return cls.model_fields[info.field_name or ""].default

    def rulebook(self) -> Rulebook:
        """The rules this process applies, built once by its composition root and passed through its context."""
        return Rulebook(catalog_dir=self.catalog_dir, attachment_rules=self.attachment_rules, council_rules=self.council_rules)


class ServiceSettings(RuleSources):
    service: str = "registration"
    nats_url: str = DEFAULT_NATS_URL
    database_url: str | None = None
    var_dir: Path = Path("var")
    http_host: str = "127.0.0.1"
    http_port: int | None = None
    instance: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    stream_replicas: int = 1
    max_attempts: int = Field(default=5, ge=1, le=100)
    clock_offset_seconds: float = 0.0
    # Production refuses a shifted clock; elsewhere `thidua clock` moves time for the whole system.
    production: bool = False
    timer_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    demo: bool = False
    signing_keys_dir: Path | None = None
    # Documents' signatures (shared.platform.pdfsigning), not the RPC callers' keys above: the TOML file mapping units
    # to their signing keys (THIDUA_SIGNING_KEYS); None: the demo CA under var_dir/pki.
    signing_keys: Path | None = None
    # The RFC 3161 time-stamping authority that stamps every document signature (THIDUA_TSA_URL, optional HTTP basic
    # credentials THIDUA_TSA_USERNAME / THIDUA_TSA_PASSWORD); None: production signatures are PAdES B-B.
    tsa_url: str | None = None
    tsa_username: str | None = None
    tsa_password: SecretStr | None = None
    # PEM files of the CAs whose signatures are trusted, separated by os.pathsep (THIDUA_TRUST_ROOTS).
    trust_roots: str = ""
    base_salary_vnd: int | None = None
    log_level: str = "INFO"
    # One JSON object per line for log collectors; "text" for a person reading a terminal.
    log_format: Literal["json", "text"] = "json"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service}.db').resolve()}"

    def resolved_http_port(self) -> int:
        return self.http_port if self.http_port is not None else DEFAULT_HTTP_PORTS.get(self.service, 8019)

    @model_validator(mode="after")
    def _real_time_in_production(self) -> ServiceSettings:
        if self.production and self.clock_offset_seconds:
            raise ValueError("THIDUA_CLOCK_OFFSET_SECONDS is for tests and demos; it is refused with THIDUA_PRODUCTION=1")
        return self

    def keys_dir(self) -> Path:
        """Where the callers' keys are: `<issuer>.pub` to verify, this process's own `<issuer>.key` to sign."""
        return self.signing_keys_dir or (self.var_dir / "secrets" / "keys")

    def clock_file(self) -> Path | None:
        return None if self.production else (self.var_dir / CLOCK_FILE_NAME).resolve()

    def clock(self) -> SystemClock:
        return SystemClock(timedelta(seconds=self.clock_offset_seconds), self.clock_file())
