"""Notifier settings: the shared base plus the SMTP server, the sender address and where the console is.

With no THIDUA_SMTP_HOST the notifier sends to the embedded demo's local SMTP sink (127.0.0.1:THIDUA_MAILSINK_PORT,
run by `thidua up`), whose mails /hop-thu-demo shows; THIDUA_PRODUCTION=1 refuses to start without a real server.
"""

from __future__ import annotations

from email.utils import parseaddr
from pathlib import Path

from pydantic import Field, SecretStr, model_validator

from shared.platform.defaults import DEFAULT_HTTP_PORTS, DEFAULT_MAILSINK_PORT
from shared.platform.settings import ServiceSettings

DEMO_MAIL_FROM = "Thi Đua <thong-bao@demo.thidua.example>"


class NotifierSettings(ServiceSettings):
    service: str = "notifier"
    smtp_host: str | None = None  # THIDUA_SMTP_HOST; unset: the demo's local sink
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False  # THIDUA_SMTP_STARTTLS=1: upgrade the connection with STARTTLS before sending
    smtp_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    mail_from: str = DEMO_MAIL_FROM
    # Where the console is, for the links in a mail: THIDUA_PUBLIC_URL, else the portal on this machine.
    public_url: str | None = None
    portal_port: int = DEFAULT_HTTP_PORTS["portal"]
    mailsink_port: int = DEFAULT_MAILSINK_PORT
    mailbox_dir: Path | None = None  # the sink's store; default <var>/mailbox
    sender_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    sender_batch: int = Field(default=50, ge=1, le=1000)
    # How long a sender holds a mail it is sending: another sender (or this one restarted) sends it again after that.
    # Well above the SMTP timeout; the crash test shortens it.
    mail_lease_seconds: float = Field(default=120.0, ge=1, le=3600)
    # "Hồ sơ mới chờ xét" mails: at most one every this many minutes per person and unit (0: one per new dossier).
    queue_mail_minutes: float = Field(default=15.0, ge=0, le=1440)

    @model_validator(mode="after")
    def _real_server_in_production(self) -> NotifierSettings:
        if self.production and not self.smtp_host:
            raise ValueError("THIDUA_SMTP_HOST must name the SMTP server with THIDUA_PRODUCTION=1 (the demo sink is local)")
        if "@" not in parseaddr(self.mail_from)[1]:
            raise ValueError(f"THIDUA_MAIL_FROM is not an address: {self.mail_from!r}")
        return self

    def demo_sink(self) -> bool:
        """It sends to the embedded demo's local SMTP sink (no THIDUA_SMTP_HOST): /hop-thu-demo shows the mails."""
        return not self.smtp_host

    def smtp_target(self) -> tuple[str, int]:
        return (self.smtp_host, self.smtp_port) if self.smtp_host else ("127.0.0.1", self.mailsink_port)

    def links_base(self) -> str:
        return self.public_url or f"http://127.0.0.1:{self.portal_port}"

    def sender_domain(self) -> str:
        return parseaddr(self.mail_from)[1].rsplit("@", 1)[1]

    def mailbox(self) -> Path:
        return self.mailbox_dir or (self.var_dir / "mailbox")
