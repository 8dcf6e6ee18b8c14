"""Each service's migrations build exactly the schema its tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.review.store.sql_councils import SqlProposals
from shared.platform.db import make_engine
from shared.platform.migrate import service_metadata, upgrade
from shared.platform.settings import SERVICES
from shared.rules.reference import load_units


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


@pytest.mark.asyncio
async def test_letters_review_numbered_itself_stay_readable_and_the_next_one_waits_for_the_register(
    database_url: str,
) -> None:
    """Review's 0009: the unit's register (awards) numbers a tờ trình when signed; a letter review numbered before keeps
    its number and prints as it did, and the highest of those numbers is what the register must go on above."""
    await asyncio.to_thread(upgrade, "review", database_url, "0008_escalation_by_authority")
    engine = make_engine(database_url)
    units = {u.code: u.ref() for u in load_units()}
    unit, to_unit = units["HN-SONTAY"].model_dump_json(), units["HN"].model_dump_json()
    row = {
        "id": "p-old",
        "unit_code": "HN-SONTAY",
        "unit": unit,
        "to_unit_code": "HN",
        "to_unit": to_unit,
        "year": 2026,
        "number": 3,
        "number_text": "3/TTr-LĐLĐ",
        "issued_on": date(2026, 3, 2),
        "signer_id": "u-sontay",
        "signer_name": "Phạm Quang Huy",
        "items": "[]",
        "created_at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
    }
    try:
        async with engine.begin() as conn:
            columns = ", ".join(row)
            values = ", ".join(f":{k}" for k in row)
            await conn.execute(sa.text(f"INSERT INTO proposals ({columns}) VALUES ({values})"), row)
            await conn.execute(sa.text("INSERT INTO proposal_counters VALUES ('HN-SONTAY', 2026, 3)"))
        await asyncio.to_thread(upgrade, "review", database_url)
        async with engine.connect() as conn:
            proposals = SqlProposals(conn)
            old = await proposals.get("p-old")
            before = await proposals.numbered_before("HN-SONTAY", 2026)
    finally:
        await engine.dispose()
    assert old is not None
    assert (old.number_text, old.signer_name, old.document_id, old.title) == (
        "3/TTr-LĐLĐ",
        "Phạm Quang Huy",
        None,
        "Tờ trình số 3/TTr-LĐLĐ ngày 02/03/2026",
    )
    assert before == 3
