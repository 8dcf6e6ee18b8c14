"""Alembic, once per service database. `thidua migrate` and the test fixtures call `upgrade`."""

from __future__ import annotations

import asyncio
import functools
from importlib import import_module
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from shared.platform.db import make_engine

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def alembic_config(service: str, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


@functools.cache  # the migrations a process was started with do not change under it; readiness asks every few seconds
def head_revision(service: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(service, "sqlite://")).get_current_head()
    if head is None:
        raise LookupError(f"{service} has no migrations")
    return head


def run_env(metadata: sa.MetaData) -> None:
    """Body of every service's migrations/env.py (online, async engine)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    def do_run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = make_engine(url)
        async with engine.connect() as conn:
            await conn.run_sync(do_run)
            await conn.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(run())


def service_metadata(service: str) -> sa.MetaData:
    metadata: sa.MetaData = import_module(f"services.{service}.store").metadata
    return metadata
