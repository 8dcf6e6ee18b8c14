"""The notifier on a real nats-server and a real SMTP server (aiosmtpd), on SQLite and PostgreSQL: a note chosen
`email_now` becomes exactly one mail, a redelivered event adds nothing, a daily note waits for its digest, an SMTP
server that is down delays mails without holding up the consumer, and a refused (550) address fails alone.

The whole chain runs once too: review writes a note, its outbox publishes NotificationIssued, the notifier mails it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from nats.js import JetStreamContext

from services.notifier import routes as notifier_routes
from services.notifier import store, usecases
from services.notifier.domain.digest import next_digest_at
from services.notifier.sender import MailSender
from services.notifier.settings import NotifierSettings
from services.notifier.smtp import SmtpTransport
from services.notifier.usecases import NotifierContext
from services.review import routes as review_routes
from services.review import store as review_store
from services.review.store.records import Preference
from services.review.store.sql import SqlUnitOfWork
from shared.contracts.events import (
    Event,
    NominationSubmitted,
    NotificationIssued,
    Recipient,
    UnitApproversChanged,
    UserContactChanged,
)
from shared.contracts.operations import NoParams
from shared.contracts.subjects import (
    NOTIFIER_FROM_PORTAL,
    NOTIFIER_FROM_REVIEW,
    REVIEW_BELL_FROM_REVIEW,
    REVIEW_FROM_AWARDS,
    REVIEW_FROM_PORTAL,
    REVIEW_FROM_REGISTRATION,
)
from shared.platform import mailsink
from shared.platform.clock import FixedClock
from shared.platform.messaging import make_broker, publish_event
from shared.platform.outbox import OutboxRelay
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from tests.conftest import fresh_database
from tests.integration.conftest import NOW, SUBMITTER, approver, count_rows, eventually, running_broker, snapshot
from thidua.natsserver import free_port

LAN = ("u-lan", "cdcs.dst", "Nguyễn Thị Lan", "cdcs.dst@demo.thidua.example")
HUY = ("u-huy", "ld.sontay", "Phạm Quang Huy", "ld.sontay@demo.thidua.example")
BOUNCING = ("u-bad", "nguoi.cu", "Người đã nghỉ", "nguoi.cu@demo.thidua.example")


@dataclass
class Mailroom:
    """The notifier wired on the bus, its sender (driven by the test), and the SMTP sink it sends to."""

    ctx: ServiceContext
    notifier: NotifierContext
    clock: FixedClock
    js: JetStreamContext
    sender: MailSender
    sink_dir: Path
    smtp_port: int
    sink: Any = None
    sent_ids: set[str] = field(default_factory=set)

    def start_sink(self, *, refused: tuple[str, ...] = ()) -> None:
        self.sink = mailsink.start(self.sink_dir, self.smtp_port, refused=refused)

    def stop_sink(self) -> None:
        if self.sink is not None:
            self.sink.stop()
            self.sink = None

    async def send(self, event: Event, msg_id: str | None = None, *, track: bool = True) -> None:
        """An event on its stream (another `msg_id`: a replay the stream keeps); `track`: one the notifier handles."""
        if track:
            self.sent_ids.add(str(event.event_id))
        await self.js.publish(
            event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": msg_id or str(event.event_id)}
        )

    async def settled(self) -> None:
        """Every event sent has been handled (its id in the notifier's inbox) and both durables are idle."""
        handled = store.inbox.c.event_id.in_(self.sent_ids)
        await eventually(lambda: count_rows(self.notifier.engine, store.inbox, handled), lambda n: n == len(self.sent_ids))
        for durable in (NOTIFIER_FROM_REVIEW, NOTIFIER_FROM_PORTAL):
            await eventually(
                lambda d=durable: self.js.consumer_info(d.stream.name, d.durable),  # type: ignore[misc]
                lambda i: i.num_pending == 0 and i.num_ack_pending == 0,
            )

    async def mails(self) -> list[store.Mail]:
        async with self.notifier.engine.connect() as conn:
            return await store.all_mails(conn)

    def received(self) -> list[Any]:
        """What the SMTP server got, oldest first, as parsed messages."""
        return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(self.sink_dir.glob("*.eml"))]

    async def contact(self, who: tuple[str, str, str, str]) -> None:
        user_id, username, full_name, email = who
        contact = UserContactChanged(occurred_at=NOW, user_id=user_id, username=username, full_name=full_name, email=email)
        await self.send(contact, track=False)  # kept by its moment (the latest wins), not through the inbox
        # the address is known before any note for that person (as when the portal announced it long before)
        await eventually(
            lambda: count_rows(self.notifier.engine, store.contacts, store.contacts.c.user_id == user_id), lambda n: n == 1
        )


def issued(
    who: tuple[str, str, str, str], delivery: str = "email_now", *, hour: int | None = None, at: datetime = NOW
) -> NotificationIssued:
    return NotificationIssued.model_validate(
        {
            "occurred_at": at,
            "note_id": 7,
            "user_id": who[0],
            "kind": "returned",
            "text": "Hồ sơ Nguyễn Văn An – Giấy khen bị LĐLĐ thị xã Sơn Tây trả lại để bổ sung: thiếu biên bản <họp>",
            "nomination_id": "n-1",
            "task_id": "t-1",
            "unit_code": "HN-SONTAY",
            "delivery": delivery,
            "digest_hour": hour,
        }
    )


@pytest_asyncio.fixture
async def mailroom(
    service_context: Callable[..., Any], clean_nats: str, js: JetStreamContext, tmp_path: Path
) -> AsyncIterator[Mailroom]:
    base: ServiceContext = await service_context("notifier")
    port = free_port()
    settings = NotifierSettings(
        database_url=base.settings.database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_timeout_seconds=3,
        public_url="https://thidua.example.vn",
    )
    clock = FixedClock(NOW)
    ctx = ServiceContext(engine=base.engine, clock=clock, settings=settings, rules=base.rules)
    await ensure_topology(clean_nats, (NOTIFIER_FROM_REVIEW, NOTIFIER_FROM_PORTAL))
    notifier = NotifierContext.of(ctx)
    sender = MailSender(notifier, SmtpTransport(settings), owner="test-sender")
    room = Mailroom(ctx, notifier, clock, js, sender, tmp_path / "mailbox", port)
    try:
        async with running_broker(clean_nats, "notifier", lambda router, broker: notifier_routes.wire(router, broker, ctx)):
            yield room
    finally:
        room.stop_sink()


@pytest.mark.asyncio
async def test_a_note_chosen_email_now_is_one_mail_however_often_its_event_is_delivered(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.contact(LAN)
    note = issued(LAN)
    await mailroom.send(note)
    await mailroom.send(note, msg_id="replayed")  # the stream delivers the same event again
    await mailroom.settled()

    assert await mailroom.sender.run_once() == 1
    assert await mailroom.sender.run_once() == 0  # nothing left to send

    [mail] = await mailroom.mails()
    assert (mail.status, mail.to_address, mail.attempts) == ("sent", LAN[3], 1)
    [received] = mailroom.received()
    assert received["Message-ID"] == mail.message_id
    assert received["Subject"] == "[Thi Đua] Hồ sơ bị trả lại để bổ sung"
    assert received[mailsink.RCPT] == LAN[3]
    text = received.get_body(("plain",)).get_content()
    assert text.startswith("Kính gửi Nguyễn Thị Lan,")
    assert "https://thidua.example.vn/ho-so/n-1" in text
    assert "&lt;họp&gt;" in received.get_body(("html",)).get_content()


def in_queue(who: tuple[str, str, str, str], revision: int, *, note_id: int = 11, unit: str = "Sơn Tây") -> NotificationIssued:
    """Review's batched note for one unit, rewritten for its `revision`-th new dossier."""
    return NotificationIssued.model_validate(
        {
            "occurred_at": NOW,
            "note_id": note_id,
            "revision": revision,
            "user_id": who[0],
            "kind": "new_in_queue",
            "text": f"{revision} hồ sơ mới chờ xét tại LĐLĐ {unit}",
            "nomination_id": f"n-{revision}",
            "task_id": f"t-{revision}",
            "delivery": "email_now",
        }
    )


@pytest.mark.asyncio
async def test_new_dossiers_in_a_queue_mail_at_most_once_per_interval_with_the_newest_count(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.contact(HUY)
    await mailroom.send(in_queue(HUY, 1))
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 1  # the first new dossier: at once

    await mailroom.send(in_queue(HUY, 2))
    await mailroom.send(in_queue(HUY, 3))
    await mailroom.send(in_queue(HUY, 2).model_copy(update={"event_id": uuid.uuid4()}))  # an older count, late
    await mailroom.send(in_queue(HUY, 1, note_id=12, unit="Mỹ Đức"))  # another unit's note: its own batch
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 1  # Mỹ Đức's; Sơn Tây's next waits for the interval
    mailroom.clock.advance(timedelta(minutes=14, seconds=59))
    assert await mailroom.sender.run_once() == 0
    mailroom.clock.advance(timedelta(seconds=1))
    assert await mailroom.sender.run_once() == 1

    texts = [m.get_body(("plain",)).get_content() for m in mailroom.received()]
    told = [line for text in texts for line in text.splitlines() if "hồ sơ mới chờ xét tại" in line]
    assert told == [
        "1 hồ sơ mới chờ xét tại LĐLĐ Sơn Tây",
        "1 hồ sơ mới chờ xét tại LĐLĐ Mỹ Đức",
        "3 hồ sơ mới chờ xét tại LĐLĐ Sơn Tây",
    ]
    mails = await mailroom.mails()
    assert sorted((m.status, m.kind) for m in mails) == [("sent", "new_in_queue")] * 3
    assert len({m.message_id for m in mails}) == 3


@pytest.mark.asyncio
async def test_a_bell_only_note_sends_nothing_and_daily_notes_go_out_together_at_the_chosen_hour(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.contact(LAN)
    await mailroom.send(issued(LAN, "bell"))
    await mailroom.send(issued(LAN, "email_daily", hour=7))
    second = issued(LAN, "email_daily", hour=7, at=NOW + timedelta(hours=1))
    await mailroom.send(second)
    await mailroom.send(second, msg_id="again")
    await mailroom.settled()
    assert await count_rows(mailroom.notifier.engine, store.digest_items) == 2

    assert await mailroom.sender.run_once() == 0  # not yet 07:00 in Hà Nội
    mailroom.clock.at = next_digest_at(NOW, 7)
    assert await mailroom.sender.run_once() == 1
    assert await mailroom.sender.run_once() == 0

    [digest] = await mailroom.mails()
    assert (digest.status, digest.mail_key.startswith("digest:u-lan:")) == ("sent", True)
    [received] = mailroom.received()
    assert "(2 thông báo)" in received["Subject"]
    assert received.get_body(("plain",)).get_content().count("Hồ sơ bị trả lại để bổ sung") == 2


@pytest.mark.asyncio
async def test_a_down_smtp_server_delays_mails_without_holding_up_the_consumer_and_each_goes_once_it_is_back(
    mailroom: Mailroom,
) -> None:
    await mailroom.contact(LAN)
    await mailroom.contact(HUY)
    await mailroom.send(issued(LAN))
    await mailroom.settled()

    assert await mailroom.sender.run_once() == 1  # tried: nobody listens on the SMTP port
    [waiting] = await mailroom.mails()
    assert (waiting.status, waiting.attempts, waiting.sent_at) == ("pending", 1, None)
    assert "smtp unavailable" in (waiting.last_error or "")

    await mailroom.send(issued(HUY))  # the consumer goes on meanwhile
    await mailroom.settled()
    assert len(await mailroom.mails()) == 2

    mailroom.start_sink()
    mailroom.clock.advance(timedelta(seconds=6))  # past the first back-off (5 s)
    assert await mailroom.sender.run_once() == 2
    assert [m.status for m in await mailroom.mails()] == ["sent", "sent"]
    assert sorted(m[mailsink.RCPT] for m in mailroom.received()) == sorted([LAN[3], HUY[3]])  # each once
    mailroom.clock.advance(timedelta(minutes=30))
    assert await mailroom.sender.run_once() == 0


@pytest.mark.asyncio
async def test_an_address_refused_with_550_is_recorded_failed_and_never_retried_while_the_others_are_sent(
    mailroom: Mailroom,
) -> None:
    mailroom.start_sink(refused=(BOUNCING[3],))
    for who in (LAN, BOUNCING, HUY):
        await mailroom.contact(who)
        await mailroom.send(issued(who))
    await mailroom.settled()

    assert await mailroom.sender.run_once() == 3
    by_user = {m.user_id: m for m in await mailroom.mails()}
    assert by_user["u-bad"].status == "failed"
    assert "550" in (by_user["u-bad"].last_error or "")
    assert (by_user["u-lan"].status, by_user["u-huy"].status) == ("sent", "sent")
    mailroom.clock.advance(timedelta(hours=1))
    assert await mailroom.sender.run_once() == 0  # the failed one is not tried again
    assert sorted(m[mailsink.RCPT] for m in mailroom.received()) == sorted([LAN[3], HUY[3]])

    # The refused address is remembered: the person's next mail fails without the server being asked (it is down
    # now: asking would only have delayed the mail), and the person is told on their page (address_status)
    bad = approver(BOUNCING[1], BOUNCING[2], "HN-SONTAY").model_copy(update={"user_id": BOUNCING[0]})
    status = await usecases.address_status(mailroom.notifier, bad, NoParams())
    assert (status.address, status.refused) == (BOUNCING[3], True)
    assert "550" in status.reason
    mailroom.stop_sink()
    await mailroom.send(issued(BOUNCING, at=NOW + timedelta(hours=1)).model_copy(update={"event_id": uuid.uuid4()}))
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 0
    latest = max((m for m in await mailroom.mails() if m.user_id == "u-bad"), key=lambda m: m.id)
    assert latest.status == "failed"
    assert (latest.last_error or "").startswith("address refused on ")

    # A new address is tried again
    fixed = "nguoi.moi@demo.thidua.example"
    moved = UserContactChanged(
        occurred_at=NOW + timedelta(hours=2), user_id=BOUNCING[0], username=BOUNCING[1], full_name=BOUNCING[2], email=fixed
    )
    await mailroom.send(moved, track=False)
    await eventually(lambda: usecases.address_status(mailroom.notifier, bad, NoParams()), lambda s: s.address == fixed)
    assert not (await usecases.address_status(mailroom.notifier, bad, NoParams())).refused
    mailroom.start_sink()
    await mailroom.send(issued(BOUNCING, at=NOW + timedelta(hours=2)).model_copy(update={"event_id": uuid.uuid4()}))
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 1
    assert fixed in [m[mailsink.RCPT] for m in mailroom.received()]


@pytest.mark.asyncio
async def test_a_user_without_an_address_gets_no_mail_and_nothing_waits_for_one(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.send(UserContactChanged(occurred_at=NOW, user_id="u-none", username="khong.email", email=None), track=False)
    await eventually(lambda: count_rows(mailroom.notifier.engine, store.contacts), lambda n: n == 1)
    await mailroom.send(issued(("u-none", "khong.email", "", "")))
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 0
    [mail] = await mailroom.mails()
    assert (mail.status, mail.last_error) == ("no_address", "no email address")
    assert mailroom.received() == []


@pytest.mark.asyncio
async def test_a_note_for_someone_whose_address_is_still_on_its_way_waits_for_it(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.send(issued(LAN))  # the portal's announcement comes on another stream, later
    await mailroom.settled()
    assert await mailroom.sender.run_once() == 0
    [waiting] = await mailroom.mails()
    assert (waiting.status, waiting.last_error) == ("pending", "address not known yet")

    await mailroom.contact(LAN)
    mailroom.clock.advance(timedelta(seconds=6))
    assert await mailroom.sender.run_once() == 1
    assert [m[mailsink.RCPT] for m in mailroom.received()] == [LAN[3]]


# The whole chain: review's note → its outbox → REVIEW stream → the notifier → SMTP


@pytest.fixture
def review_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Review's own database beside the notifier's, on the same backend."""
    yield from fresh_database("postgresql" if database_url.startswith("postgresql") else "sqlite", tmp_path)


@pytest.mark.asyncio
async def test_a_new_dossier_in_the_queue_reaches_an_approver_who_chose_email_as_one_mail(
    mailroom: Mailroom, service_context: Callable[..., Any], review_database: str, clean_nats: str
) -> None:
    mailroom.start_sink()
    review: ServiceContext = await service_context("review", url=review_database)
    await ensure_topology(clean_nats, (REVIEW_FROM_REGISTRATION, REVIEW_FROM_PORTAL, REVIEW_BELL_FROM_REVIEW, REVIEW_FROM_AWARDS))
    sontay = approver("ld.sontay", HUY[2], "HN-SONTAY")
    await mailroom.contact((sontay.user_id, *HUY[1:]))
    async with SqlUnitOfWork(review.engine) as uow:
        await uow.preferences.put(sontay.user_id, [Preference("new_in_queue", "email_now")], NOW)
        await uow.commit()
    publisher = make_broker(clean_nats, "tests")
    await publisher.start()

    async def relay() -> int:
        async def publish(subject: str, payload: bytes, headers: dict[str, str]) -> None:
            await publish_event(publisher, subject, payload, headers)

        return await OutboxRelay(review.engine, review_store.outbox, publish, review.clock).publish_batch()

    try:
        async with running_broker(clean_nats, "review", lambda router, broker: review_routes.wire(router, broker, review)):
            roster = [Recipient(user_id=sontay.user_id, full_name=sontay.full_name)]
            await mailroom.send(UnitApproversChanged(occurred_at=NOW, unit_code="HN-SONTAY", approvers=roster), track=False)
            await eventually(lambda: count_rows(review.engine, review_store.unit_rosters), lambda n: n == 1)
            nomination = snapshot(str(uuid.uuid4()))
            await mailroom.send(NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nomination), track=False)
            await eventually(lambda: count_rows(review.engine, review_store.outbox), lambda n: n == 1)
            assert await relay() == 1  # TaskOpened
            await eventually(lambda: count_rows(review.engine, review_store.notifications), lambda n: n == 1)
            issued_rows = review_store.outbox.c.subject == NotificationIssued.SUBJECT
            await eventually(lambda: count_rows(review.engine, review_store.outbox, issued_rows), lambda n: n == 1)
            assert await relay() == 1  # NotificationIssued, the same transaction as the note
            await eventually(lambda: count_rows(mailroom.notifier.engine, store.mails), lambda n: n == 1)
    finally:
        await publisher.stop()

    assert await mailroom.sender.run_once() == 1
    [mail] = await mailroom.mails()
    async with review.engine.connect() as conn:
        note_id = await conn.scalar(sa.select(review_store.notifications.c.id))
    assert (mail.status, mail.kind, mail.to_address) == ("sent", "new_in_queue", HUY[3])
    [received] = mailroom.received()
    assert received["Subject"] == "[Thi Đua] Hồ sơ mới chờ xét"
    text = received.get_body(("plain",)).get_content()
    assert "Hồ sơ mới chờ xét tại Liên đoàn Lao động thị xã Sơn Tây: Nguyễn Văn An" in text
    assert "https://thidua.example.vn/nhiem-vu/" in text
    assert f"https://thidua.example.vn/ho-so/{nomination.id}" in text
    assert note_id is not None


@pytest.mark.asyncio
async def test_the_portal_reads_the_demo_mailbox_through_the_notifier_only_when_it_sends_to_the_demo_sink(
    mailroom: Mailroom, tmp_path: Path
) -> None:
    from services.notifier import usecases
    from shared.contracts.operations import NoParams
    from shared.contracts.operations.notifier import MailboxQuery

    demo = NotifierContext(
        engine=mailroom.notifier.engine,
        clock=mailroom.clock,
        settings=NotifierSettings(mailsink_port=mailroom.smtp_port, mailbox_dir=mailroom.sink_dir),
    )
    assert (await usecases.mail_status(demo, SUBMITTER, NoParams())).demo_mailbox
    assert not (await usecases.mail_status(mailroom.notifier, SUBMITTER, NoParams())).demo_mailbox
    assert not (await usecases.demo_mailbox(mailroom.notifier, SUBMITTER, MailboxQuery())).enabled

    mailroom.start_sink()
    for who in (LAN, HUY):
        await mailroom.contact(who)
        await mailroom.send(issued(who))
    await mailroom.settled()
    await mailroom.sender.run_once()

    everyone = await usecases.demo_mailbox(demo, SUBMITTER, MailboxQuery())
    assert (everyone.enabled, everyone.total) == (True, 2)
    only_lan = await usecases.demo_mailbox(demo, SUBMITTER, MailboxQuery(recipient=LAN[3].upper()))
    assert [m.recipients for m in only_lan.items] == [[LAN[3]]]
    assert only_lan.items[0].subject == "[Thi Đua] Hồ sơ bị trả lại để bổ sung"
    assert "Kính gửi Nguyễn Thị Lan" in only_lan.items[0].text


@pytest.mark.asyncio
async def test_two_senders_on_one_database_send_each_mail_once(mailroom: Mailroom) -> None:
    mailroom.start_sink()
    await mailroom.contact(LAN)
    for _ in range(20):
        await mailroom.send(issued(LAN))  # twenty events, twenty mails
    await mailroom.settled()
    other = MailSender(mailroom.notifier, SmtpTransport(mailroom.notifier.settings), owner="replica-2", batch_size=7)

    while sum(await asyncio.gather(mailroom.sender.run_once(), other.run_once())):  # at the same time
        pass

    mails = await mailroom.mails()
    assert [m.status for m in mails] == ["sent"] * 20
    received = [m["Message-ID"] for m in mailroom.received()]
    assert sorted(received) == sorted(m.message_id for m in mails)  # each once, none twice
