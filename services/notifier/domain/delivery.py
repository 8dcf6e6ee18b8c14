"""Who gets which mail, under which key, and what to do when the SMTP server says no.

- A note chosen `email_now` becomes one mail, keyed by the event and the recipient: a redelivered or replayed event
  finds the key taken and adds nothing. `email_daily` joins the person's next digest, one mail per person and digest
  moment. `bell` is the bell's alone.
- "Hồ sơ mới chờ xét" (`new_in_queue`) is one note per unit that review rewrites for each new dossier: chosen
  `email_now`, it mails at most once every few minutes per note (THIDUA_QUEUE_MAIL_MINUTES): the first at once, what
  arrives meanwhile in one later mail that carries the newest count, never a count already told.
- An address refused for good (5xx for the recipient) is remembered with the person: their next mails are recorded
  failed without contacting the server (a known-bad address is not hammered, which also keeps the sender's
  reputation), until the portal announces another address; the person sees the refusal on "Cách nhận thông báo".
- A refusal with a 5xx reply for the recipient (e.g. 550 no such mailbox) or for the content is permanent: the mail
  is recorded as failed and never tried again. Anything else (the server down or unreachable, a 4xx "try later", a
  refused login or sender, which is our configuration) is tried again with a capped back-off, for up to
  GIVE_UP_AFTER; the consumer never waits for any of it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Literal

Route = Literal["now", "digest", "none"]
MailStatus = Literal["pending", "sent", "failed", "no_address"]

FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(minutes=10)
GIVE_UP_AFTER = timedelta(days=3)


def route(delivery: str, digest_hour: int | None) -> Route:
    """What the person's choice for this note's kind asks of the notifier."""
    if delivery == "email_now":
        return "now"
    if delivery == "email_daily" and digest_hour is not None:
        return "digest"
    return "none"


def note_mail_key(event_id: str, user_id: str) -> str:
    """One mail per event and recipient (`mails.mail_key` is unique)."""
    return f"note:{event_id}:{user_id}"


def digest_mail_key(user_id: str, digest_at: datetime) -> str:
    """One digest per person and digest moment."""
    return f"digest:{user_id}:{digest_at.isoformat()}"


QUEUE_KIND = "new_in_queue"


def queue_batch_key(user_id: str, note_id: int) -> str:
    """The mails that tell one person of one unit's batched "new in queue" note, at most one per interval."""
    return f"queue:{user_id}:{note_id}"


def held_until(last_at: datetime | None, now: datetime, every: timedelta) -> datetime:
    """When the next mail of a batch may go: at once, or `every` after the batch's last mail went (or is due)."""
    return now if last_at is None else max(now, last_at + every)


def message_id(mail_key: str, domain: str) -> str:
    """The Message-ID header of the mail with this key: the same every time the mail is (re)sent, so that a resend
    after a crash between the server's acceptance and our commit is recognisably the same mail."""
    digest = hashlib.sha256(mail_key.encode()).hexdigest()[:32]
    return f"<{digest}.thidua@{domain}>"


class SendFailure(Exception):
    """The SMTP server did not take the mail: `permanent` (5xx for the recipient or content) or to be tried again."""

    def __init__(self, reason: str, *, permanent: bool, code: int | None = None, recipient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.recipient = recipient  # the refusal was for the address itself (not the content or our configuration)

    @property
    def address_refused(self) -> bool:
        """The server refused the address for good: mails to it stop until the person's address changes."""
        return self.permanent and self.recipient


def is_permanent_reply(code: int | None) -> bool:
    return code is not None and 500 <= code <= 599


def retry_delay(attempts: int) -> timedelta:
    """After the `attempts`-th failed try: 5 s, 10 s, 20 s … up to 10 minutes."""
    doubled: timedelta = FIRST_RETRY * (2 ** min(max(0, attempts - 1), 20))
    return min(doubled, LONGEST_RETRY)


def after_failure(failure: SendFailure, attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to try again, or None to record the mail as failed (a permanent refusal, or retried for too long)."""
    if failure.permanent or now - created_at >= GIVE_UP_AFTER:
        return None
    return now + retry_delay(attempts)
