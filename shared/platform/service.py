"""What every use case gets from its composition root."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.platform.assertions import Signer, Verifier
from shared.platform.clock import Clock
from shared.platform.idempotency import Keeper
from shared.platform.settings import ServiceSettings
from shared.rules.rulebook import Rulebook


@dataclass
class ServiceContext:
    engine: AsyncEngine
    clock: Clock
    settings: ServiceSettings
    # The rule sources chosen at start-up (`settings.rulebook()`), one for the process: the use cases take it from here.
    rules: Rulebook
    # The service's Prometheus registry (handlers count what they do on it; /metrics serves it).
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Verifies the signed caller of every RPC request the service answers (the runtime always sets it; a test
    # that wires a service in-process without it answers unsigned requests).
    callers: Verifier | None = None
    # Signs the requests this service itself sends (awards: registration's unit paths), when it sends any.
    signer: Signer | None = None
    # The service's idempotency records (a repeated request with the same key gets the first outcome).
    idempotency: Keeper | None = None
