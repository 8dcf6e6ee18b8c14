"""The embedded system's NATS credentials (thidua/credentials.py): generated once, private, never created by a reader."""

from __future__ import annotations

from pathlib import Path

from shared.platform.buspermissions import USERS
from thidua.credentials import nats_passwords, server_environment, user_url, with_credentials


def test_each_bus_user_gets_its_own_password_kept_private_and_across_restarts(tmp_path: Path) -> None:
    first = nats_passwords(tmp_path)
    assert sorted(first) == sorted(USERS)
    assert len(set(first.values())) == len(USERS)  # never shared
    assert all(pw.startswith("pw") and len(pw) > 40 for pw in first.values())  # a letter first: nats-server reads tokens
    secrets = tmp_path / "secrets"
    assert (secrets / "nats.json").stat().st_mode & 0o777 == 0o600
    assert secrets.stat().st_mode & 0o777 == 0o700
    assert nats_passwords(tmp_path) == first
    assert server_environment(first)["NATS_REVIEW_PASSWORD"] == first["review"]


def test_a_url_per_user_and_no_credentials_made_by_a_command_that_only_reads(tmp_path: Path) -> None:
    base = "nats://127.0.0.1:14222"
    assert user_url(tmp_path, base, "operator") == base  # no system here yet: nothing invented, nothing written
    assert not (tmp_path / "secrets").exists()
    passwords = nats_passwords(tmp_path)
    assert user_url(tmp_path, base, "operator") == f"nats://operator:{passwords['operator']}@127.0.0.1:14222"
    cluster = with_credentials("nats://n1:4222, nats://n2:4222", "review", "p@ss")
    assert cluster == "nats://review:p%40ss@n1:4222,nats://review:p%40ss@n2:4222"
