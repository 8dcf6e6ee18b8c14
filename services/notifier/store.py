"""The notifier's own tables and every query on them.

- `contacts`: each user's address as the portal last announced it (UserContactChanged), never read from the portal;
- `mails`: one row per mail to send, `mail_key` unique (one per event and recipient, one digest per person and
  moment), with its rendered bodies, its deterministic Message-ID, and where it stands (pending, sent, failed,
  no_address), its tries and its lease (the sender that holds it until `leased_until`);
- `digest_items`: the notes waiting for a person's daily digest, one per event and recipient, and the digest mail
  that took them;
- the outbox, inbox and idempotency records every service keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.platform.db import UtcDateTime, messaging_tables
from shared.platform.idempotency import idempotency_table
from shared.platform.outbox import is_unique_violation

metadata = sa.MetaData()
outbox, inbox = messaging_tables(metadata)
idempotency_keys = idempotency_table(metadata)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),  # the announcing event's moment: an older one is ignored
    # A server refused the address for good (5xx for the recipient; migration 0003): not tried again until it changes.
    sa.Column("refused_address", sa.String(254), nullable=True),
    sa.Column("refused_at", UtcDateTime(), nullable=True),
    sa.Column("refused_reason", sa.String(500), nullable=True),
)

mails = sa.Table(
    "mails",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mail_key", sa.String(200), nullable=False, unique=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),  # the note's kind, or "digest"
    sa.Column("subject", sa.String(500), nullable=False),
    sa.Column("text_body", sa.Text, nullable=False),
    sa.Column("html_body", sa.Text, nullable=False),
    sa.Column("message_id", sa.String(300), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # pending | sent | failed | no_address
    sa.Column("to_address", sa.String(254), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
    sa.Column("leased_until", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(200), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("event_at", UtcDateTime(), nullable=False),  # the (oldest) note it tells of: event-to-mail delay
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=True),
    # A batched "new in queue" note's mails (migration 0002): the batch (person and note), and the count it tells.
    sa.Column("batch_key", sa.String(200), nullable=True, index=True),
    sa.Column("revision", sa.Integer, nullable=True),
    sa.Index("ix_mails_due", "status", "next_attempt_at"),
)

digest_items = sa.Table(
    "digest_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("digest_at", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("nomination_id", sa.String(36), nullable=False),
    sa.Column("task_id", sa.String(36), nullable=False),
    sa.Column("due_at", UtcDateTime(), nullable=True),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("mail_id", sa.Integer, sa.ForeignKey("mails.id"), nullable=True),
    sa.UniqueConstraint("event_id", "user_id", name="uq_digest_items_event_user"),
    sa.Index("ix_digest_items_waiting", "mail_id", "digest_at"),
)


@dataclass(frozen=True)
class Contact:
    user_id: str
    username: str
    full_name: str
    email: str | None
    active: bool
    refused_at: datetime | None = None  # the server refused `email` for good then (None: not refused)
    refused_reason: str = ""


@dataclass(frozen=True)
class NewMail:
    mail_key: str
    user_id: str
    kind: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    event_at: datetime
    batch_key: str | None = None  # a batched note's mail: at most one per interval, the newest count
    revision: int | None = None
    not_before: datetime | None = None  # held back until then (None: due at once)


@dataclass(frozen=True)
class BatchMail:
    """The newest mail of a batch, as far as holding the next one back needs it."""

    id: int
    status: str
    revision: int
    due_at: datetime  # when it went (sent) or is to go (pending)
    leased_until: datetime | None


@dataclass(frozen=True)
class Mail:
    id: int
    mail_key: str
    user_id: str
    kind: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    status: str
    to_address: str | None
    attempts: int
    event_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class DigestItem:
    id: int
    user_id: str
    digest_at: datetime
    kind: str
    text: str
    nomination_id: str
    task_id: str
    due_at: datetime | None
    occurred_at: datetime


async def contact(conn: AsyncConnection, user_id: str) -> Contact | None:
    c = contacts
    row = (await conn.execute(sa.select(c).where(c.c.user_id == user_id))).mappings().first()
    if row is None:
        return None
    refused = row["refused_address"] is not None and row["refused_address"] == row["email"]
    return Contact(
        row["user_id"],
        row["username"],
        row["full_name"],
        row["email"],
        bool(row["active"]),
        refused_at=row["refused_at"] if refused else None,
        refused_reason=(row["refused_reason"] or "") if refused else "",
    )


async def mark_refused(conn: AsyncConnection, user_id: str, address: str, reason: str, now: datetime) -> None:
    """A server refused `address` for good: remembered while it is still the person's address (a new one clears it)."""
    c = contacts
    await conn.execute(
        c.update()
        .where(c.c.user_id == user_id, c.c.email == address)
        .values(refused_address=address, refused_at=now, refused_reason=reason[:500])
    )


async def put_contact(conn: AsyncConnection, new: Contact, changed_at: datetime) -> bool:
    """Keep the announced contact unless an announcement at least as recent is already kept; True if stored."""
    c = contacts
    values = {"username": new.username, "full_name": new.full_name, "email": new.email, "active": new.active}
    held = (await conn.execute(sa.select(c.c.changed_at, c.c.email).where(c.c.user_id == new.user_id))).first()
    if held is None:
        await conn.execute(c.insert().values(user_id=new.user_id, changed_at=changed_at, **values))
        return True
    if held.changed_at > changed_at:
        return False
    if held.email != new.email:  # another address (even the refused one typed again): worth trying
        values |= {"refused_address": None, "refused_at": None, "refused_reason": None}
    await conn.execute(c.update().where(c.c.user_id == new.user_id).values(changed_at=changed_at, **values))
    return True


async def add_mail(conn: AsyncConnection, mail: NewMail, now: datetime) -> int | None:
    """Insert a pending mail; None if a mail with its key already exists (nothing added)."""
    values = {
        "mail_key": mail.mail_key,
        "user_id": mail.user_id,
        "kind": mail.kind,
        "subject": mail.subject,
        "text_body": mail.text_body,
        "html_body": mail.html_body,
        "message_id": mail.message_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": mail.not_before or now,
        "event_at": mail.event_at,
        "created_at": now,
        "batch_key": mail.batch_key,
        "revision": mail.revision,
    }
    if await conn.scalar(sa.select(mails.c.id).where(mails.c.mail_key == mail.mail_key)) is not None:
        return None
    try:
        async with conn.begin_nested():
            return int(await conn.scalar(mails.insert().values(**values).returning(mails.c.id)))
    except IntegrityError as exc:  # another replica inserted it between the look and the insert
        if is_unique_violation(exc):
            return None
        raise


async def last_of_batch(conn: AsyncConnection, batch_key: str) -> BatchMail | None:
    m = mails
    query = sa.select(m).where(m.c.batch_key == batch_key).order_by(m.c.id.desc()).limit(1)
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    due_at = row["sent_at"] if row["status"] == "sent" and row["sent_at"] else row["next_attempt_at"]
    return BatchMail(row["id"], row["status"], row["revision"] or 0, due_at, row["leased_until"])


async def refresh_pending(conn: AsyncConnection, mail_id: int, mail: NewMail, now: datetime) -> bool:
    """The waiting mail of a batch tells the newer count instead; False if a sender took it meanwhile (or has tried
    it once already: a mail is never changed after a server may have seen it)."""
    m = mails
    changed = await conn.execute(
        m.update()
        .where(
            m.c.id == mail_id,
            m.c.status == "pending",
            m.c.attempts == 0,
            sa.or_(m.c.leased_until.is_(None), m.c.leased_until < now),
            m.c.revision < mail.revision,
        )
        .values(subject=mail.subject, text_body=mail.text_body, html_body=mail.html_body, revision=mail.revision)
    )
    return changed.rowcount == 1


async def add_digest_item(
    conn: AsyncConnection,
    *,
    event_id: str,
    user_id: str,
    digest_at: datetime,
    kind: str,
    text: str,
    nomination_id: str,
    task_id: str,
    due_at: datetime | None,
    occurred_at: datetime,
) -> bool:
    d = digest_items
    taken = await conn.scalar(sa.select(d.c.id).where(d.c.event_id == event_id, d.c.user_id == user_id))
    if taken is not None:
        return False
    await conn.execute(
        d.insert().values(
            event_id=event_id,
            user_id=user_id,
            digest_at=digest_at,
            kind=kind,
            text=text,
            nomination_id=nomination_id,
            task_id=task_id,
            due_at=due_at,
            occurred_at=occurred_at,
        )
    )
    return True


async def due_digest_items(conn: AsyncConnection, now: datetime, limit: int) -> list[DigestItem]:
    """Items waiting for a digest whose moment has come, by person and moment."""
    d = digest_items
    query = (
        sa.select(d)
        .where(d.c.mail_id.is_(None), d.c.digest_at <= now)
        .order_by(d.c.user_id, d.c.digest_at, d.c.occurred_at, d.c.id)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = (await conn.execute(query)).mappings()
    fields = ("id", "user_id", "digest_at", "kind", "text", "nomination_id", "task_id", "due_at", "occurred_at")
    return [DigestItem(*(r[f] for f in fields)) for r in rows]


async def attach_digest_items(conn: AsyncConnection, item_ids: Sequence[int], mail_id: int) -> None:
    d = digest_items
    await conn.execute(d.update().where(d.c.id.in_(item_ids), d.c.mail_id.is_(None)).values(mail_id=mail_id))


async def mail_id_of(conn: AsyncConnection, mail_key: str) -> int | None:
    return await conn.scalar(sa.select(mails.c.id).where(mails.c.mail_key == mail_key))


def _mail(row: sa.RowMapping) -> Mail:
    return Mail(
        id=row["id"],
        mail_key=row["mail_key"],
        user_id=row["user_id"],
        kind=row["kind"],
        subject=row["subject"],
        text_body=row["text_body"],
        html_body=row["html_body"],
        message_id=row["message_id"],
        status=row["status"],
        to_address=row["to_address"],
        attempts=row["attempts"],
        event_at=row["event_at"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
    )


async def due_mail_ids(conn: AsyncConnection, now: datetime, limit: int) -> list[int]:
    m = mails
    query = (
        sa.select(m.c.id)
        .where(m.c.status == "pending", m.c.next_attempt_at <= now, sa.or_(m.c.leased_until.is_(None), m.c.leased_until < now))
        .order_by(m.c.next_attempt_at, m.c.id)
        .limit(limit)
    )
    return list((await conn.scalars(query)).all())


async def lease(conn: AsyncConnection, mail_id: int, owner: str, now: datetime, until: datetime) -> Mail | None:
    """Take the mail for `owner` until `until`, if it is still pending, due and not held by another sender."""
    m = mails
    taken = await conn.execute(
        m.update()
        .where(
            m.c.id == mail_id,
            m.c.status == "pending",
            m.c.next_attempt_at <= now,
            sa.or_(m.c.leased_until.is_(None), m.c.leased_until < now),
        )
        .values(leased_until=until, lease_owner=owner)
    )
    if taken.rowcount != 1:
        return None
    row = (await conn.execute(sa.select(m).where(m.c.id == mail_id))).mappings().one()
    return _mail(row)


async def mark_sent(conn: AsyncConnection, mail_id: int, to_address: str, now: datetime) -> None:
    m = mails
    await conn.execute(
        m.update()
        .where(m.c.id == mail_id, m.c.status == "pending")
        .values(status="sent", to_address=to_address, sent_at=now, attempts=m.c.attempts + 1, leased_until=None, last_error=None)
    )


async def mark_no_address(conn: AsyncConnection, mail_id: int, reason: str) -> None:
    m = mails
    await conn.execute(m.update().where(m.c.id == mail_id).values(status="no_address", leased_until=None, last_error=reason))


async def mark_failed(conn: AsyncConnection, mail_id: int, to_address: str, error: str, now: datetime) -> None:
    m = mails
    await conn.execute(
        m.update()
        .where(m.c.id == mail_id, m.c.status == "pending")  # another sender, after this one's lease, may have sent it
        .values(status="failed", to_address=to_address, attempts=m.c.attempts + 1, leased_until=None, last_error=error[:2000])
    )


async def retry_later(conn: AsyncConnection, mail_id: int, to_address: str | None, error: str, at: datetime) -> None:
    m = mails
    await conn.execute(
        m.update()
        .where(m.c.id == mail_id, m.c.status == "pending")
        .values(to_address=to_address, attempts=m.c.attempts + 1, next_attempt_at=at, leased_until=None, last_error=error[:2000])
    )


async def mail_figures(conn: AsyncConnection) -> dict[str, int]:
    m = mails
    rows = await conn.execute(sa.select(m.c.status, sa.func.count()).group_by(m.c.status))
    return {status: int(count) for status, count in rows}


async def all_mails(conn: AsyncConnection) -> list[Mail]:
    """Every mail, oldest first (tests and the bench)."""
    return [_mail(r) for r in (await conn.execute(sa.select(mails).order_by(mails.c.id))).mappings()]
