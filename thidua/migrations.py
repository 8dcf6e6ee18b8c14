"""`thidua migrate`: schema upgrades per service, then the reference data the service owns."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from shared.platform.db import make_engine
from shared.platform.migrate import upgrade
from shared.platform.settings import ServiceSettings


def migrate_service(service: str, database_url: str, *, var_dir: Path, demo: bool, demo_password: str) -> str:
    upgrade(service, database_url)
    if service == "registration":
        return asyncio.run(_load_units(database_url))
    if service == "portal" and demo:
        return asyncio.run(_seed_users(database_url, demo_password))
    if service == "awards":
        signers = asyncio.run(_seed_signers(database_url)) if demo else "schema current"
        return f"{signers}; {_demo_pki(var_dir)}"
    return "schema current"


def _demo_pki(var_dir: Path) -> str:
    """The demo CA and the units' document-signing keys under var/pki, unless production keys are configured."""
    from shared.platform.pdfsigning import SIGNING_KEYS_ENV, ensure_demo_pki, issuing_units

    if os.environ.get(SIGNING_KEYS_ENV):
        return f"document-signing keys from {SIGNING_KEYS_ENV} (no demo CA)"
    return ensure_demo_pki(var_dir, issuing_units()).summary()


async def _load_units(url: str) -> str:
    from services.registration.usecases.context import RegistrationContext
    from services.registration.usecases.emulation import load_campaigns
    from services.registration.usecases.units import load_units
    from shared.platform.service import ServiceContext
    from shared.rules.reference import load_seed_campaigns
    from shared.rules.reference import load_units as read_units

    engine = make_engine(url)
    try:
        settings = ServiceSettings(service="registration", database_url=url)
        ctx = RegistrationContext.of(
            ServiceContext(engine=engine, clock=settings.clock(), settings=settings, rules=settings.rulebook())
        )
        count = await load_units(ctx, read_units())
        campaigns = await load_campaigns(ctx, load_seed_campaigns())
    finally:
        await engine.dispose()
    return f"{count} units loaded, {campaigns} campaigns added"


async def _seed_users(url: str, password: str) -> str:
    from services.portal.users import seed_demo_users
    from shared.platform.clock import SystemClock

    engine = make_engine(url)
    try:
        created = await seed_demo_users(engine, password, SystemClock().now())
    finally:
        await engine.dispose()
    return f"{created} demo users created"


async def _seed_signers(url: str) -> str:
    from services.awards.usecases.context import AwardsContext
    from services.awards.usecases.signers import load_demo_roster, seed_roster
    from shared.platform.service import ServiceContext

    engine = make_engine(url)
    try:
        settings = ServiceSettings(service="awards", database_url=url)
        ctx = AwardsContext.of(
            ServiceContext(engine=engine, clock=settings.clock(), settings=settings, rules=settings.rulebook())
        )
        added = await seed_roster(ctx, load_demo_roster())
    finally:
        await engine.dispose()
    return f"{added} demo signing officers added"
