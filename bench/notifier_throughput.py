"""The notifier's mails per second to the local SMTP sink, and the delay from a note's event to its mail, beside a
baseline measured in the same run: bare aiosmtplib sends of the same messages to the same sink.

Run: .venv/bin/python bench/notifier_throughput.py [mails] [--database-url URL]

With `--database-url` (an empty database, e.g. `postgresql+asyncpg://postgres@127.0.0.1:5432/notifier_bench`) the
notifier's tables go there; without it, SQLite in the temporary directory.

Set-up: a nats-server on a free port (anonymous, no accounts), the notifier's SQLite database in a temporary directory,
the demo sink (aiosmtpd, storing every mail as a file) in a thread of this process, the notifier's consumers on a
FastStream broker and its sender loop in this process, as `thidua up` runs them (minus HTTP).

- baseline: `aiosmtplib.send` of `mails` rendered messages, 8 at a time (the sender's concurrency), one connection
  per mail as the notifier opens;
- burst: `mails` NotificationIssued events (email_now, each its own recipient's address) published at once on the
  REVIEW stream; time from the first publish to the last mail marked sent, and each mail's delay from its event's
  `occurred_at` to its `sent_at`;
- paced: 200 events at 20 a second (a busy office), the same delays: what one person waits for one mail.
Figures only.
"""

# ruff: noqa: ASYNC110 (the bench polls the notifier's database for what it wrote: there is nothing to wait on)
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiosmtplib
import nats
import sqlalchemy as sa
from faststream.nats import NatsRouter
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifier import routes, store
from services.notifier.domain.mail import Envelope, Links, Note, compose, render_note, wire_bytes
from services.notifier.sender import MailSender
from services.notifier.settings import NotifierSettings
from services.notifier.smtp import SmtpTransport
from services.notifier.usecases import NotifierContext
from shared.contracts.events import NotificationIssued, UserContactChanged
from shared.contracts.subjects import NOTIFIER_FROM_PORTAL, NOTIFIER_FROM_REVIEW
from shared.platform import mailsink
from shared.platform.clock import SystemClock
from shared.platform.db import make_engine
from shared.platform.messaging import make_broker
from shared.platform.migrate import upgrade
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from thidua.natsserver import NatsServer, free_port

USERS = 50  # recipients, each with an address
TEXT = "Hồ sơ Nguyễn Văn An – Giấy khen của LĐLĐ thị xã bị LĐLĐ thị xã Sơn Tây trả lại để bổ sung: thiếu biên bản họp"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def baseline(port: int, count: int) -> float:
    """Bare aiosmtplib: the same kind of message, 8 at a time, one connection each; sends per second."""
    clock = SystemClock()
    rendered = render_note(Note("returned", TEXT, "n-1", "t-1", clock.now()), "Nguyễn Thị Lan", Links("http://127.0.0.1:8010"))
    gate = asyncio.Semaphore(8)

    async def one(i: int) -> None:
        envelope = Envelope(
            "Thi Đua <thong-bao@demo.thidua.example>", "Lan", f"u{i % USERS}@demo.thidua.example", f"<b{i}@x>", clock.now()
        )
        async with gate:
            await aiosmtplib.send(
                wire_bytes(compose(rendered, envelope)),
                sender="thong-bao@demo.thidua.example",
                recipients=[envelope.to_address],
                hostname="127.0.0.1",
                port=port,
                start_tls=False,
            )

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - started)


def issued(user: int) -> NotificationIssued:
    return NotificationIssued.model_validate(
        {
            "occurred_at": SystemClock().now(),
            "note_id": user,
            "user_id": f"u{user % USERS}",
            "kind": "returned",
            "text": TEXT,
            "nomination_id": str(uuid.uuid4()),
            "task_id": "t-1",
            "delivery": "email_now",
        }
    )


async def sent_rows(engine: AsyncEngine) -> list[store.Mail]:
    async with engine.connect() as conn:
        return [m for m in await store.all_mails(conn) if m.status == "sent"]


async def notifier_run(nats_url: str, url: str, smtp_port: int, count: int) -> tuple[float, float, list[float], list[float]]:
    await asyncio.to_thread(upgrade, "notifier", url)
    settings = NotifierSettings(database_url=url, smtp_host="127.0.0.1", smtp_port=smtp_port, public_url="http://127.0.0.1:8010")
    engine = make_engine(url)
    ctx = ServiceContext(engine=engine, clock=SystemClock(), settings=settings, rules=settings.rulebook())
    await ensure_topology(nats_url, (NOTIFIER_FROM_REVIEW, NOTIFIER_FROM_PORTAL))
    broker = make_broker(nats_url, "notifier")
    router = NatsRouter()
    routes.wire(router, broker, ctx)
    broker.include_router(router)
    await broker.start()
    notifier = NotifierContext.of(ctx)
    sender = MailSender(notifier, SmtpTransport(settings), owner="bench", poll_interval=1.0)
    sender.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        for u in range(USERS):
            contact = UserContactChanged(
                occurred_at=SystemClock().now(),
                user_id=f"u{u}",
                username=f"u{u}",
                full_name=f"Người {u}",
                email=f"u{u}@demo.thidua.example",
            )
            await js.publish(contact.SUBJECT, contact.model_dump_json().encode(), headers={"Nats-Msg-Id": str(contact.event_id)})
        while len(await _contacts(engine)) < USERS:
            await asyncio.sleep(0.05)

        started = time.perf_counter()
        acks = [
            js.publish(e.SUBJECT, e.model_dump_json().encode(), headers={"Nats-Msg-Id": str(e.event_id)})
            for e in map(issued, range(count))
        ]
        await asyncio.gather(*acks)
        while await _rows(engine) < count:
            await asyncio.sleep(0.02)
        consumed = count / (time.perf_counter() - started)
        while len(await sent_rows(engine)) < count:
            await asyncio.sleep(0.05)
        rate = count / (time.perf_counter() - started)
        burst = delays(await sent_rows(engine))

        before = {m.id for m in await sent_rows(engine)}
        for i in range(200):
            event = issued(count + i)
            await js.publish(event.SUBJECT, event.model_dump_json().encode(), headers={"Nats-Msg-Id": str(event.event_id)})
            await asyncio.sleep(0.05)
        while len(await sent_rows(engine)) < count + 200:
            await asyncio.sleep(0.05)
        paced = delays([m for m in await sent_rows(engine) if m.id not in before])
    finally:
        await nc.close()
        await sender.stop()
        await broker.stop()
        await engine.dispose()
    return rate, consumed, burst, paced


def delays(mails: list[store.Mail]) -> list[float]:
    return [(m.sent_at - m.event_at).total_seconds() for m in mails if m.sent_at is not None]


async def _rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(store.mails)) or 0)


async def _contacts(engine: AsyncEngine) -> list[object]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(store.contacts.c.user_id))).all())


def main(count: int, database_url: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="thidua-notifier-bench-") as root:
        tmp = Path(root)
        url = database_url or f"sqlite+aiosqlite:///{tmp / 'notifier.db'}"
        server = NatsServer(free_port(), tmp / "nats").start()
        smtp_port = free_port()
        sink = mailsink.start(tmp / "mailbox", smtp_port)
        try:
            raw = asyncio.run(baseline(smtp_port, count))
            rate, consumed, burst, paced = asyncio.run(notifier_run(server.url, url, smtp_port, count))
        finally:
            sink.stop()
            server.stop()
    backend = url.split(":", 1)[0]
    print(f"{count} mails to the local aiosmtpd sink (files), the notifier on {backend}, this machine")
    print(f"  baseline, bare aiosmtplib (8 at a time):     {raw:8.0f} mails/s")
    print(f"  notifier, events consumed to mail rows:      {consumed:8.0f} events/s")
    print(f"  notifier, event to mail marked sent (burst): {rate:8.0f} mails/s")
    for label, delays in ((f"burst of {count}", burst), ("20 events/s", paced)):
        p50, p99 = statistics.median(delays) * 1000, pct(delays, 0.99) * 1000
        print(f"  event-to-mail delay, {label:<16} p50 {p50:7.0f} ms   p99 {p99:7.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mails", type=int, nargs="?", default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    main(args.mails, args.database_url)
