"""Each service's migrations build exactly the schema its tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import warnings

import pytest
import sqlalchemy as sa
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


@pytest.mark.asyncio
async def test_the_one_register_goes_on_from_the_highest_number_either_old_series_had_reached(database_url: str) -> None:
    """Awards' 0008: decisions and tờ trình had a series each; the register of the year starts after the higher, so no
    number given before is given again."""
    await asyncio.to_thread(upgrade, "awards", database_url, "0007_drafts")
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO decision_counters VALUES ('HN', 2026, 5), ('HN', 2025, 9)"))
            await conn.execute(sa.text("INSERT INTO proposal_counters VALUES ('HN', 2026, 7), ('HN-SONTAY', 2026, 2)"))
        await asyncio.to_thread(upgrade, "awards", database_url)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.text("SELECT issuer_code, year, last_number FROM register_counters"))).all()
    finally:
        await engine.dispose()
    assert sorted(tuple(r) for r in rows) == [("HN", 2025, 9), ("HN", 2026, 7), ("HN-SONTAY", 2026, 2)]
