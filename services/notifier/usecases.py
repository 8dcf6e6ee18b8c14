"""The notifier's use cases: learn addresses, turn notes into mails or digest items (once per event and recipient),
assemble the digests that are due, lease due mails to a sender and record how sending went, and answer the portal.

Consuming an event only writes rows (it never waits for SMTP): the sender loop (services.notifier.sender) sends them.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.notifier import store
from services.notifier.domain import delivery, digest
from services.notifier.domain.mail import Links, Note, Rendered, render_digest, render_note
from services.notifier.settings import NotifierSettings
from shared.contracts.events import Actor, NotificationIssued, UserContactChanged
from shared.contracts.operations import NoParams
from shared.contracts.operations.notifier import (
    MAIL_BODY_MAX,
    AddressStatus,
    DemoMailbox,
    MailboxQuery,
    MailStatus,
    SinkMail,
)
from shared.platform import mailsink
from shared.platform.clock import Clock
from shared.platform.outbox import first_delivery
from shared.platform.service import ServiceContext

log = logging.getLogger("thidua.notifier")

CONSUMER = "notifier"  # the inbox's name for the notifier's reactions
DIGEST_BATCH = 1000


@dataclass
class NotifierContext:
    engine: AsyncEngine
    clock: Clock
    settings: NotifierSettings
    # Called after a commit that added mails, so that the sender sends at once instead of at its next poll.
    mail_written: Callable[[], None] = field(default=lambda: None)

    @property
    def links(self) -> Links:
        return Links(self.settings.links_base())

    @classmethod
    def of(cls, ctx: ServiceContext) -> NotifierContext:
        """One per service context: the consumers and the sender loop share it (and its `mail_written`)."""
        known = _contexts.get(id(ctx))
        if known is not None and known[0] is ctx:
            return known[1]
        settings = (
            ctx.settings if isinstance(ctx.settings, NotifierSettings) else NotifierSettings.model_validate(vars(ctx.settings))
        )
        made = cls(engine=ctx.engine, clock=ctx.clock, settings=settings)
        _contexts[id(ctx)] = (ctx, made)
        return made


_contexts: dict[int, tuple[ServiceContext, NotifierContext]] = {}


async def on_contact_changed(n: NotifierContext, event: UserContactChanged) -> None:
    """The portal announced a user's address (the latest announcement wins; an older one arriving late is ignored)."""
    contact = store.Contact(event.user_id, event.username, event.full_name, event.email, event.active)
    async with n.engine.begin() as conn:
        await store.put_contact(conn, contact, event.occurred_at)


def note_of(event: NotificationIssued) -> Note:
    return Note(
        kind=event.kind,
        text=event.text,
        nomination_id=event.nomination_id,
        task_id=event.task_id,
        occurred_at=event.occurred_at,
        due_at=event.due_at,
    )


async def on_notification_issued(n: NotifierContext, event: NotificationIssued) -> None:
    """A note on someone's bell: a mail at once (`email_now`), an item of their next digest (`email_daily`), or
    nothing (`bell`). Once per event and recipient: the inbox, and the unique keys of mails and digest items."""
    route = delivery.route(event.delivery, event.digest_hour)
    now = n.clock.now()
    added = False
    async with n.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, now) or route == "none":
            return
        if route == "now":
            who = await store.contact(conn, event.user_id)
            key = delivery.note_mail_key(str(event.event_id), event.user_id)
            rendered = render_note(note_of(event), who.full_name if who else "", n.links)
            mail = _new_mail(n, key, event.user_id, event.kind, rendered, event.occurred_at)
            if event.kind == delivery.QUEUE_KIND and n.settings.queue_mail_minutes > 0:
                added = await _add_to_batch(n, conn, event, mail, now)
            else:
                added = await store.add_mail(conn, mail, now) is not None
        else:
            assert event.digest_hour is not None  # route "digest" has its hour
            await store.add_digest_item(
                conn,
                event_id=str(event.event_id),
                user_id=event.user_id,
                digest_at=digest.next_digest_at(event.occurred_at, event.digest_hour),
                kind=event.kind,
                text=event.text,
                nomination_id=event.nomination_id,
                task_id=event.task_id,
                due_at=event.due_at,
                occurred_at=event.occurred_at,
            )
    if added:
        n.mail_written()


async def _add_to_batch(
    n: NotifierContext, conn: AsyncConnection, event: NotificationIssued, mail: store.NewMail, now: datetime
) -> bool:
    """A batched "new in queue" note: the waiting mail of its batch tells the newer count instead, or a new mail goes
    at once or `queue_mail_minutes` after the batch's last one; a count already told (an older revision arriving
    late) mails nothing. True when a new mail was added."""
    batch_key = delivery.queue_batch_key(event.user_id, event.note_id)
    mail = replace(mail, batch_key=batch_key, revision=event.revision)
    last = await store.last_of_batch(conn, batch_key)
    if last is not None and last.revision >= event.revision:
        return False
    if last is not None and last.status == "pending" and await store.refresh_pending(conn, last.id, mail, now):
        return False
    every = timedelta(minutes=n.settings.queue_mail_minutes)
    held = delivery.held_until(last.due_at if last else None, now, every)
    return await store.add_mail(conn, replace(mail, not_before=held), now) is not None


def _new_mail(n: NotifierContext, key: str, user_id: str, kind: str, rendered: Rendered, event_at: datetime) -> store.NewMail:
    return store.NewMail(
        mail_key=key,
        user_id=user_id,
        kind=kind,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        message_id=delivery.message_id(key, n.settings.sender_domain()),
        event_at=event_at,
    )


async def assemble_digests(n: NotifierContext, now: datetime) -> int:
    """Every digest whose moment has come becomes one mail listing its notes; returns how many mails were made.

    The mail and its items' link to it are written in one transaction, so each item is in exactly one digest; the
    key names the person, the moment and the first item, so a late note for a moment already sent makes a second
    digest rather than being lost."""
    made = 0
    async with n.engine.begin() as conn:
        items = await store.due_digest_items(conn, now, DIGEST_BATCH)
        groups: dict[tuple[str, datetime], list[store.DigestItem]] = defaultdict(list)
        for item in items:
            groups[(item.user_id, item.digest_at)].append(item)
        for (user_id, digest_at), group in groups.items():
            who = await store.contact(conn, user_id)
            notes = [Note(i.kind, i.text, i.nomination_id, i.task_id, i.occurred_at, i.due_at) for i in group]
            rendered = render_digest(notes, who.full_name if who else "", digest_at, n.links)
            key = f"{delivery.digest_mail_key(user_id, digest_at)}:{min(i.id for i in group)}"
            event_at = min(i.occurred_at for i in group)
            mail_id = await store.add_mail(conn, _new_mail(n, key, user_id, "digest", rendered, event_at), now)
            if mail_id is None:
                mail_id = await store.mail_id_of(conn, key)
                assert mail_id is not None
            else:
                made += 1
            await store.attach_digest_items(conn, [i.id for i in group], mail_id)
    if made:
        n.mail_written()
    return made


@dataclass(frozen=True)
class Outgoing:
    mail: store.Mail
    to_name: str
    to_address: str


async def lease_due(n: NotifierContext, owner: str, now: datetime, limit: int) -> list[Outgoing]:
    """Due mails this sender now holds (for `mail_lease_seconds`), with the address each goes to; a mail whose person has no
    address, or is no longer active, is recorded as `no_address` and not sent; one for a person the notifier has not
    heard of yet waits for the portal's announcement (retried with back-off, like an SMTP outage)."""
    taken: list[Outgoing] = []
    async with n.engine.begin() as conn:
        for mail_id in await store.due_mail_ids(conn, now, limit):
            mail = await store.lease(conn, mail_id, owner, now, now + timedelta(seconds=n.settings.mail_lease_seconds))
            if mail is None:
                continue  # another sender holds it
            who = await store.contact(conn, mail.user_id)
            if who is None:  # the portal's announcement may still be on its way (another stream): wait for it
                unknown = delivery.SendFailure("address not known yet", permanent=False)
                again = delivery.after_failure(unknown, mail.attempts + 1, mail.created_at, now)
                if again is not None:
                    await store.retry_later(conn, mail.id, None, str(unknown), again)
                    continue
            if who is None or not who.email or not who.active:
                reason = "unknown user" if who is None else ("no email address" if not who.email else "user inactive")
                await store.mark_no_address(conn, mail.id, reason)
                log.info("mail.no_address", extra={"mail_id": mail.id, "reason": reason})
                continue
            if who.refused_at is not None:  # refused for good before: not tried again until the address changes
                reason = f"address refused on {who.refused_at:%Y-%m-%d}: {who.refused_reason}"
                await store.mark_failed(conn, mail.id, who.email, reason, now)
                log.info("mail.address_refused", extra={"mail_id": mail.id})
                continue
            taken.append(Outgoing(mail, who.full_name, who.email))
    return taken


async def record_sent(n: NotifierContext, out: Outgoing) -> None:
    async with n.engine.begin() as conn:
        await store.mark_sent(conn, out.mail.id, out.to_address, n.clock.now())


async def record_failure(n: NotifierContext, out: Outgoing, failure: delivery.SendFailure) -> str:
    """A permanent refusal is recorded as failed; anything else is tried again later. Returns what happened."""
    now = n.clock.now()
    again = delivery.after_failure(failure, out.mail.attempts + 1, out.mail.created_at, now)
    async with n.engine.begin() as conn:
        if again is None:
            await store.mark_failed(conn, out.mail.id, out.to_address, str(failure), now)
            if failure.address_refused:
                await store.mark_refused(conn, out.mail.user_id, out.to_address, failure.reason, now)
            return "failed"
        await store.retry_later(conn, out.mail.id, out.to_address, str(failure), again)
    return "retry"


async def mail_status(n: NotifierContext, actor: Actor, query: NoParams) -> MailStatus:
    return MailStatus(email_sent=True, demo_mailbox=n.settings.demo_sink())


async def address_status(n: NotifierContext, actor: Actor, query: NoParams) -> AddressStatus:
    """The asking person's address as the notifier knows it, and whether a server refused it for good."""
    async with n.engine.connect() as conn:
        who = await store.contact(conn, actor.user_id)
    if who is None:
        return AddressStatus()
    refused = who.refused_at is not None
    return AddressStatus(address=who.email, refused=refused, refused_at=who.refused_at, reason=who.refused_reason)


async def demo_mailbox(n: NotifierContext, actor: Actor, query: MailboxQuery) -> DemoMailbox:
    """The embedded demo's mailbox, newest first: only when the notifier sends to the local sink (else disabled)."""
    if not n.settings.demo_sink():
        return DemoMailbox(enabled=False)
    total, mails = await asyncio.to_thread(mailsink.read, n.settings.mailbox(), recipient=query.recipient, limit=query.limit)
    return DemoMailbox(
        enabled=True,
        total=total,
        items=[
            SinkMail(
                received_at=m.received_at,
                sender=m.sender[:300],
                recipients=m.recipients[:20],
                subject=m.subject[:500],
                message_id=m.message_id[:300],
                text=m.text[:MAIL_BODY_MAX],
            )
            for m in mails
        ],
    )
