"""Hand-written in-memory fakes of the services' ports, for use-case tests that need no database or broker."""

from __future__ import annotations

from shared.platform.settings import ServiceSettings
from shared.rules.rulebook import Rulebook


def default_rulebook() -> Rulebook:
    """The rules the use-case tests run by: what a service started in the test environment would use (tests/conftest.py
    points `THIDUA_ATTACHMENT_RULES` at a file with documents optional; the catalogue is the shipped one)."""
    return ServiceSettings().rulebook()
