"""The notifier's RPC operations (`thidua.rpc.notifier.<name>`): whether email is sent, and the embedded demo's mailbox.

The demo mailbox is the local SMTP sink's store (aiosmtpd, run by `thidua up` when no THIDUA_SMTP_HOST is set). The
notifier is the one service that knows which SMTP server it sends to, so the portal asks it, over NATS like for every
other service, instead of reading the sink's files itself.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.operations import NoParams, Operation
from shared.contracts.values import IsoDateTime

DEMO_MAILBOX_PAGE_MAX = 20  # mails per page of /hop-thu-demo; each body cut to MAIL_BODY_MAX: a page fits one message
MAIL_BODY_MAX = 4000


class MailStatus(BaseModel):
    email_sent: bool = True  # the notifier answers: email choices take effect
    demo_mailbox: bool  # it sends to the embedded demo's SMTP sink, which /hop-thu-demo shows


class AddressStatus(BaseModel):
    """The asking person's address as the notifier last heard it, and whether a mail server refused it for good (550
    no such mailbox…): mails to a refused address are not tried again until the address changes."""

    address: str | None = Field(default=None, max_length=254)
    refused: bool = False
    refused_at: IsoDateTime | None = None
    reason: str = Field(default="", max_length=500)


class MailboxQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    recipient: str | None = Field(default=None, max_length=254)
    limit: int = Field(default=DEMO_MAILBOX_PAGE_MAX, ge=1, le=DEMO_MAILBOX_PAGE_MAX)


class SinkMail(BaseModel):
    """One mail as the demo SMTP sink received it."""

    received_at: IsoDateTime
    sender: str = Field(max_length=300)
    recipients: list[Annotated[str, Field(max_length=254)]] = Field(max_length=20)
    subject: str = Field(max_length=500)
    message_id: str = Field(max_length=300)
    text: str = Field(max_length=MAIL_BODY_MAX)


class DemoMailbox(BaseModel):
    enabled: bool  # False: the notifier sends to a real SMTP server; there is no demo mailbox to show
    total: int = 0
    items: list[SinkMail] = Field(default=[], max_length=DEMO_MAILBOX_PAGE_MAX)


MAIL_STATUS = Operation(service="notifier", name="mail_status", request=NoParams, reply=MailStatus)
ADDRESS_STATUS = Operation(service="notifier", name="address_status", request=NoParams, reply=AddressStatus)
DEMO_MAILBOX = Operation(service="notifier", name="demo_mailbox", request=MailboxQuery, reply=DemoMailbox)
