from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.portal.settings import PortalSettings
from shared.platform.settings import ServiceSettings


def test_portal_refuses_a_placeholder_secret_outside_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THIDUA_DEMO", raising=False)
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        PortalSettings(demo=False, jwt_secret="change-me")
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        PortalSettings(demo=False)


def test_portal_accepts_a_long_random_secret() -> None:
    settings = PortalSettings(demo=False, jwt_secret="x" * 40)
    assert settings.token_secret() == "x" * 40


def test_demo_portal_generates_its_secret_once_and_keeps_it(tmp_path: Path) -> None:
    first = PortalSettings(demo=True, var_dir=tmp_path).token_secret()
    assert len(first) >= 32
    assert PortalSettings(demo=True, var_dir=tmp_path).token_secret() == first


def test_each_service_defaults_to_its_own_sqlite_database_under_var(tmp_path: Path) -> None:
    urls = {s: ServiceSettings(service=s, var_dir=tmp_path).resolved_database_url() for s in ("registration", "review", "awards")}
    assert len(set(urls.values())) == 3
    assert all(u.startswith("sqlite+aiosqlite:///") and str(tmp_path) in u for u in urls.values())


def test_database_url_from_the_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_DATABASE_URL", "postgresql+asyncpg://db/review")
    assert ServiceSettings(service="review").resolved_database_url() == "postgresql+asyncpg://db/review"
