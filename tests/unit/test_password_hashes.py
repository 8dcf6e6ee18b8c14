"""The hash an unknown username's password is checked against (services.portal.users._DUMMY_HASH) is written out in
the code. It keeps a sign-in under a wrong username as slow as one under a right username only while it has the
hasher's own parameters (argon2's cost is its parameters: memory, passes, lanes), so a change of them must change it
too."""

from __future__ import annotations

import pytest
from argon2.exceptions import VerificationError

from services.portal import users


def test_the_dummy_hash_has_the_hashers_parameters_and_matches_no_password_given() -> None:
    assert not users._hasher.check_needs_rehash(users._DUMMY_HASH)
    with pytest.raises(VerificationError):  # it matches no password anyone is given
        users._hasher.verify(users._DUMMY_HASH, "thidua2025")
