"""The notifier's sending loop: assembles due digests, leases due mails, sends each with the SMTP adapter and records
the outcome; its metrics. Several replicas share the work through leases (store.lease).

Nothing here holds up the event consumers: they only write rows, and a down SMTP server only delays mails (retried
with back-off, domain.delivery). Exactly-once as far as SMTP allows: a mail's row is marked sent after the server
accepted it; a crash in between sends it again after its lease, with the same Message-ID (docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.notifier.domain.delivery import SendFailure
from services.notifier.domain.mail import Envelope, Rendered, compose
from services.notifier.smtp import Transport
from services.notifier.usecases import NotifierContext, Outgoing, assemble_digests, lease_due, record_failure, record_sent

log = logging.getLogger("thidua.notifier.sender")

CONCURRENCY = 8  # mails handed to the SMTP server at once


class SenderMetrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.mails = Counter("thidua_notifier_mails", "Mails handled by the sender, by outcome", ["outcome"], registry=registry)
        self.delay = Histogram(
            "thidua_notifier_event_to_mail_seconds",
            "From the note's event to the SMTP server accepting its mail (a digest: from its oldest note)",
            ["kind"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400, float("inf")),
            registry=registry,
        )


class MailSender:
    def __init__(
        self,
        notifier: NotifierContext,
        transport: Transport,
        *,
        owner: str,
        metrics: SenderMetrics | None = None,
        poll_interval: float = 1.0,
        batch_size: int = 50,
    ) -> None:
        self.notifier = notifier
        self.transport = transport
        self.owner = owner
        self.metrics = metrics or SenderMetrics(None)
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self.notifier.mail_written = self.wake
        self._task = asyncio.create_task(self._run(), name="notifier-sender")

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("sender.loop_failed")  # the database away: the next poll tries again
                handled = 0
            if handled >= self.batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def run_once(self) -> int:
        """Assemble due digests, then send up to `batch_size` due mails; returns how many mails were tried."""
        now = self.notifier.clock.now()
        await assemble_digests(self.notifier, now)
        due = await lease_due(self.notifier, self.owner, now, self.batch_size)
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(out: Outgoing) -> None:
            async with gate:
                await self.send(out)

        outcomes = await asyncio.gather(*(one(out) for out in due), return_exceptions=True)
        for out, outcome in zip(due, outcomes, strict=True):
            if isinstance(outcome, BaseException):  # a bug, or the database away: the mail's lease runs out, it is tried again
                log.error("mail.send_crashed", extra={"mail_id": out.mail.id, "error": repr(outcome)[:300]})
        return len(due)

    async def send(self, out: Outgoing) -> None:
        settings = self.notifier.settings
        mail = out.mail
        message = compose(
            Rendered(mail.subject, mail.text_body, mail.html_body),
            Envelope(
                sender=settings.mail_from,
                to_name=out.to_name,
                to_address=out.to_address,
                message_id=mail.message_id,
                date=self.notifier.clock.now(),
            ),
        )
        try:
            await self.transport.send(message, out.to_address)
        except SendFailure as failure:
            outcome = await record_failure(self.notifier, out, failure)
            self.metrics.mails.labels(outcome).inc()
            log.warning(
                "mail.not_sent",
                extra={"mail_id": mail.id, "outcome": outcome, "attempt": mail.attempts + 1, "error": str(failure)[:300]},
            )
            return
        await record_sent(self.notifier, out)
        self.metrics.mails.labels("sent").inc()
        kind = "digest" if mail.mail_key.startswith("digest:") else "now"
        self.metrics.delay.labels(kind).observe(max(0.0, (self.notifier.clock.now() - mail.event_at).total_seconds()))
        log.info("mail.sent", extra={"mail_id": mail.id, "attempt": mail.attempts + 1})
