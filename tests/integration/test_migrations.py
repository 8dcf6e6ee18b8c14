"""Each service's migrations build exactly the schema its tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.platform.db import make_engine
from shared.platform.migrate import service_metadata, upgrade
from shared.platform.settings import SERVICES


@pytest.mark.asyncio
@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_the_tables_the_service_declares(service: str, database_url: str) -> None:
    await asyncio.to_thread(upgrade, service, database_url)
    engine = make_engine(database_url)
    metadata = service_metadata(service)
    try:
        async with engine.connect() as conn:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # expression indexes cannot be reflected and compared; they are skipped
                diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), metadata))
    finally:
        await engine.dispose()
    assert diff == []
