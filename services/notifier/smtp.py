"""The SMTP adapter: one mail, one connection, with aiosmtplib; what the server answered, as a `SendFailure` that says
whether trying again can help (services.notifier.domain.delivery)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

import aiosmtplib

from services.notifier.domain.delivery import SendFailure, is_permanent_reply
from services.notifier.domain.mail import wire_bytes
from services.notifier.settings import NotifierSettings


class Transport(Protocol):
    async def send(self, message: EmailMessage, to_address: str) -> None:
        """Hand the message to the SMTP server for `to_address`; raises SendFailure."""


class SmtpTransport:
    def __init__(self, settings: NotifierSettings) -> None:
        self.host, self.port = settings.smtp_target()
        self.username = settings.smtp_username or None  # empty: the server takes mail without signing in
        self.password = (settings.smtp_password.get_secret_value() if settings.smtp_password else "") or None
        self.starttls = settings.smtp_starttls
        self.timeout = settings.smtp_timeout_seconds
        self.sender = parseaddr(settings.mail_from)[1]

    async def send(self, message: EmailMessage, to_address: str) -> None:
        try:
            await aiosmtplib.send(
                wire_bytes(message),  # flattened here: aiosmtplib's own folding loses spaces in Vietnamese subjects
                sender=self.sender,
                recipients=[to_address],
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self.password,
                start_tls=self.starttls,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            code = codes[0] if codes else None
            reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
            permanent = all(is_permanent_reply(c) for c in codes)
            raise SendFailure(f"recipient refused: {reason}", permanent=permanent, code=code, recipient=True) from exc
        except aiosmtplib.SMTPDataError as exc:  # the content itself refused (5xx) or deferred (4xx)
            raise SendFailure(
                f"data refused: {exc.code} {exc.message}", permanent=is_permanent_reply(exc.code), code=exc.code
            ) from exc
        except aiosmtplib.SMTPResponseException as exc:  # sender refused, login refused, …: our configuration; retried
            raise SendFailure(f"smtp {exc.code} {exc.message}", permanent=False, code=exc.code) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:  # unreachable, disconnected, timed out
            raise SendFailure(f"smtp unavailable: {type(exc).__name__}: {exc}", permanent=False) from exc
        except ValueError as exc:  # an address the client cannot put on the wire (e.g. non-ASCII without SMTPUTF8)
            raise SendFailure(f"cannot send: {exc}", permanent=True) from exc
