"""Settings: one pydantic-settings class per service on this base, all read from THIDUA_* variables."""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.clock import SystemClock

DEFAULT_NATS_PORT = 14222  # not 4222: a developer machine often runs its own NATS there
DEFAULT_NATS_URL = f"nats://127.0.0.1:{DEFAULT_NATS_PORT}"
DEFAULT_HTTP_PORTS = {"portal": 8010, "registration": 8011, "review": 8012, "awards": 8013}
SERVICES = ("registration", "review", "awards", "portal")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

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
    demo: bool = False
    base_salary_vnd: int | None = None
    log_level: str = "INFO"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{self.service}.db').resolve()}"

    def resolved_http_port(self) -> int:
        return self.http_port if self.http_port is not None else DEFAULT_HTTP_PORTS.get(self.service, 8019)

    def clock(self) -> SystemClock:
        return SystemClock(timedelta(seconds=self.clock_offset_seconds))
