"""The portal client's waits (`thidua demo`, the end-to-end tests): quick at first, then a few looks a second."""

from __future__ import annotations

import itertools

import pytest

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


def test_a_poll_looks_until_the_condition_holds_and_a_timeout_names_what_it_waited_for() -> None:
    client = PortalClient("http://127.0.0.1:9", poll_seconds=0.001, max_poll_seconds=0.002)
    looks = itertools.count(1)
    try:
        assert client.poll(lambda: next(looks), lambda n: n == 3) == 3
        with pytest.raises(TimeoutError, match="the bell not seen within 0 s"):
            client.poll(lambda: 0, bool, timeout=0.01, what="the bell")
    finally:
        client.close()
