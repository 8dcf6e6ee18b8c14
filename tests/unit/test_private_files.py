"""Database files and the portal's key are their owner's alone (0600), from the moment they exist."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.portal.settings import PortalSettings
from shared.platform.db import make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes(directory: Path) -> dict[str, int]:
    return {p.name: mode(p) for p in directory.iterdir()}


def open_to_all(directory: Path) -> None:
    for path in directory.iterdir():
        path.chmod(0o644)


@pytest.mark.asyncio
async def test_a_sqlite_database_and_its_journals_are_created_0600_in_a_0700_directory(tmp_path: Path) -> None:
    database = tmp_path / "var" / "registration.db"
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    assert mode(database) == 0o600  # before SQLite ever opened it
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    files = modes(database.parent)
    await engine.dispose()
    assert files == {"registration.db": 0o600, "registration.db-wal": 0o600, "registration.db-shm": 0o600}
    assert mode(database.parent) == 0o700


@pytest.mark.asyncio
async def test_a_database_left_readable_by_others_is_narrowed_and_keeps_its_data(tmp_path: Path) -> None:
    database = tmp_path / "awards.db"
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        await conn.execute(sa.text("INSERT INTO t VALUES (7)"))
    await engine.dispose()
    open_to_all(tmp_path)

    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    async with engine.connect() as conn:
        assert await conn.scalar(sa.text("SELECT x FROM t")) == 7
    await engine.dispose()
    assert {m for name, m in modes(tmp_path).items() if name.startswith("awards.db")} == {0o600}


def test_the_portal_key_is_written_0600_and_an_old_readable_one_is_narrowed(tmp_path: Path) -> None:
    settings = PortalSettings(demo=True, var_dir=tmp_path / "var")
    secret = settings.token_secret()
    key = tmp_path / "var" / "portal-secret.key"
    assert mode(key) == 0o600
    key.chmod(0o644)
    assert settings.token_secret() == secret
    assert mode(key) == 0o600
