"""The portal's users get email addresses and announce them to the notifier (UserContactChanged through the portal's
outbox), on SQLite and PostgreSQL: every demo user once at first, then only what changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from services.portal import store
from services.portal.users import seed_demo_users, set_active, set_email, valid_email
from shared.contracts.events import UserContactChanged
from shared.platform.service import ServiceContext
from tests.integration.conftest import NOW
from thidua import cli


async def announced(ctx: ServiceContext) -> list[dict[str, Any]]:
    o = store.outbox
    async with ctx.engine.connect() as conn:
        rows = await conn.execute(sa.select(o.c.payload).where(o.c.subject == UserContactChanged.SUBJECT).order_by(o.c.id))
        return [json.loads(payload) for (payload,) in rows]


@pytest.mark.asyncio
async def test_demo_users_get_demo_addresses_announced_once_and_a_change_is_announced_alone(
    service_context: Callable[..., Any],
) -> None:
    portal: ServiceContext = await service_context("portal")
    created = await seed_demo_users(portal.engine, "mat-khau-thu", NOW)
    first = await announced(portal)
    assert len(first) == created >= 10
    by_name = {e["username"]: e for e in first}
    assert by_name["cdcs.dst"]["email"] == "cdcs.dst@demo.thidua.example"
    assert all(e["email"].endswith("@demo.thidua.example") and e["active"] for e in first)

    await seed_demo_users(portal.engine, "mat-khau-thu", NOW)  # `thidua migrate --demo` again: nothing new
    assert len(await announced(portal)) == created

    await set_email(portal.engine, "cdcs.dst", "lan.nguyen@congdoan.example", NOW)
    await set_active(portal.engine, "ld.sontay2", False, NOW)
    await seed_demo_users(portal.engine, "mat-khau-thu", NOW)  # keeps the address set since
    changes = (await announced(portal))[created:]
    assert [(e["username"], e["email"], e["active"]) for e in changes] == [
        ("cdcs.dst", "lan.nguyen@congdoan.example", True),
        ("ld.sontay2", "ld.sontay2@demo.thidua.example", False),
    ]
    async with portal.engine.connect() as conn:
        kept = await conn.scalar(sa.select(store.users.c.email).where(store.users.c.username == "cdcs.dst"))
    assert kept == "lan.nguyen@congdoan.example"

    await set_email(portal.engine, "cdcs.dst", None, NOW)
    assert (await announced(portal))[-1]["email"] is None
    with pytest.raises(ValueError, match="not an email address"):
        await set_email(portal.engine, "cdcs.dst", "Lan <lan@x.vn>", NOW)
    with pytest.raises(LookupError):
        await set_email(portal.engine, "khong.co", "a@b.vn", NOW)


def test_an_address_is_one_plain_mailbox() -> None:
    assert valid_email("cdcs.dst@demo.thidua.example")
    for wrong in ("", "cdcs.dst", "a@b", "a b@c.vn", "a@b@c.vn", "Lan <lan@x.vn>", "a@.vn", "@x.vn"):
        assert not valid_email(wrong), wrong


def test_the_users_command_sets_and_removes_an_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("THIDUA_DATABASE_URL", raising=False)
    assert cli.main(["migrate", "--service", "portal", "--demo", "--var-dir", str(tmp_path)]) == 0
    assert cli.main(["users", "set-email", "cdcs.dst", "lan.nguyen@congdoan.example", "--var-dir", str(tmp_path)]) == 0
    assert "cdcs.dst: email lan.nguyen@congdoan.example" in capsys.readouterr().out
    assert cli.main(["users", "set-email", "cdcs.dst", "--var-dir", str(tmp_path)]) == 0
    assert "cdcs.dst: đã xoá địa chỉ email" in capsys.readouterr().out
    assert cli.main(["users", "set-email", "cdcs.dst", "khong-phai-email", "--var-dir", str(tmp_path)]) == 2
    assert "không phải một địa chỉ email" in capsys.readouterr().err
    assert cli.main(["users", "set-email", "khong.co", "a@b.vn", "--var-dir", str(tmp_path)]) == 2
