"""Where the embedded system listens and what it runs: constants only, so that the command line can build its parser
without importing the settings machinery (pydantic-settings, the rules). `shared.platform.settings` re-exports them."""

from __future__ import annotations

DEFAULT_NATS_PORT = 14222  # not 4222: a developer machine often runs its own NATS there
DEFAULT_NATS_URL = f"nats://127.0.0.1:{DEFAULT_NATS_PORT}"
DEFAULT_HTTP_PORTS = {"portal": 8010, "registration": 8011, "review": 8012, "awards": 8013, "notifier": 8014}
SERVICES = ("registration", "review", "awards", "notifier", "portal")
# The embedded demo's local SMTP sink (aiosmtpd), used when no THIDUA_SMTP_HOST is set (THIDUA_MAILSINK_PORT).
DEFAULT_MAILSINK_PORT = 8025
# Every demo login's password unless THIDUA_DEMO_PASSWORD says otherwise (the portal's settings, the commands).
DEFAULT_DEMO_PASSWORD = "thidua2025"
