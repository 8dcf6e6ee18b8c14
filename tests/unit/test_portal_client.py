"""The portal client's waits (`thidua demo`, the end-to-end tests): quick at first, then a few looks a second."""

from __future__ import annotations

import itertools

from thidua.client import PortalClient, tls_context


def test_a_wait_looks_again_soon_at_first_then_backs_off_to_a_quarter_second() -> None:
    client = PortalClient("http://127.0.0.1:9")
    try:
        assert list(itertools.islice(client.pauses(), 7)) == [0.025, 0.05, 0.1, 0.2, 0.25, 0.25, 0.25]
    finally:
        client.close()


def test_every_client_of_a_process_shares_one_verifying_tls_context() -> None:
    assert tls_context() is tls_context()
    assert tls_context().check_hostname
