"""The notifier's rules, with nothing running: when a digest goes out (Vietnam time, across its midnight), the words of
a mail with every value escaped in its HTML, who gets what under which key, what an SMTP refusal leads to, and review
leaving one NotificationIssued per note it writes with the person's choice for its kind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifier.domain import delivery, digest
from services.notifier.domain.mail import Envelope, Links, Note, compose, render_digest, render_note, wire_bytes
from services.review.store.records import NewNotification, Preference
from services.review.usecases import notes
from shared.contracts.events import NotificationIssued
from shared.contracts.values import VIETNAM_TZ
from tests.fakes.review import FakeUnitOfWork

LINKS = Links("https://thidua.example.vn/")


def vn(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """A moment given in Hà Nội's time, as UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM_TZ).astimezone(UTC)


# When a digest goes out


def test_a_midnight_digest_takes_a_note_of_2359_that_same_night_and_one_of_0000_the_next() -> None:
    assert digest.next_digest_at(vn(2026, 12, 6, 23, 59, 59), 0) == vn(2026, 12, 7, 0, 0)
    assert digest.next_digest_at(vn(2026, 12, 7, 0, 0), 0) == vn(2026, 12, 8, 0, 0)
    assert vn(2026, 12, 7, 0, 0) == datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # Vietnam's midnight is 17:00 UTC


def test_a_morning_digest_counts_the_day_in_vietnam_not_in_utc() -> None:
    # 23:30 UTC on the 6th is 06:30 on the 7th in Hà Nội: the 07:00 digest that same Vietnamese morning
    late_utc = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    assert digest.next_digest_at(late_utc, 7) == datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    # 17:30 UTC on the 6th is 00:30 on the 7th: its 23:00 digest is 23:00 on the 7th, not the 6th
    assert digest.next_digest_at(datetime(2026, 12, 6, 17, 30, tzinfo=UTC), 23) == vn(2026, 12, 7, 23, 0)
    assert digest.digest_date(datetime(2026, 12, 6, 17, 0, tzinfo=UTC)).isoformat() == "2026-12-07"


def test_a_note_at_the_digest_moment_waits_for_the_next_day_and_one_a_second_before_goes_now() -> None:
    assert digest.next_digest_at(vn(2026, 12, 6, 7, 0), 7) == vn(2026, 12, 7, 7, 0)
    assert digest.next_digest_at(vn(2026, 12, 6, 6, 59, 59), 7) == vn(2026, 12, 6, 7, 0)


def test_the_new_year_and_a_month_end_roll_over_in_vietnam_time() -> None:
    assert digest.next_digest_at(vn(2026, 12, 31, 22, 0), 6) == vn(2027, 1, 1, 6, 0)
    assert digest.next_digest_at(vn(2027, 2, 28, 23, 0), 0) == vn(2027, 3, 1, 0, 0)


def test_an_hour_outside_the_day_or_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="0-23"):
        digest.next_digest_at(vn(2026, 12, 6, 1, 0), 24)
    with pytest.raises(ValueError, match="naive"):
        digest.next_digest_at(datetime(2026, 12, 6, 1, 0), 7)


@given(
    moment=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)),
    hour=st.integers(min_value=0, max_value=23),
)
def test_the_digest_is_the_first_chosen_hour_in_vietnam_strictly_after_the_note(moment: datetime, hour: int) -> None:
    at = digest.next_digest_at(moment, hour)
    local = at.astimezone(VIETNAM_TZ)
    assert (local.hour, local.minute, local.second, local.microsecond) == (hour, 0, 0, 0)
    assert moment < at <= moment + timedelta(days=1)


# Who gets what, under which key


def test_the_choice_for_a_kind_decides_between_no_mail_one_mail_now_and_the_digest() -> None:
    assert delivery.route("bell", None) == "none"
    assert delivery.route("email_now", None) == "now"
    assert delivery.route("email_daily", 7) == "digest"
    assert delivery.route("email_daily", None) == "none"  # no hour: review refuses it; never a mail at a guessed hour


def test_one_event_and_recipient_make_one_key_and_one_message_id_every_time() -> None:
    key = delivery.note_mail_key("e-1", "u-1")
    assert key == delivery.note_mail_key("e-1", "u-1") != delivery.note_mail_key("e-1", "u-2")
    assert delivery.message_id(key, "demo.thidua.example") == delivery.message_id(key, "demo.thidua.example")
    assert delivery.message_id(key, "demo.thidua.example") != delivery.message_id(delivery.note_mail_key("e-2", "u-1"), "d")
    assert delivery.message_id(key, "demo.thidua.example").endswith(".thidua@demo.thidua.example>")


# What a refusal leads to


def test_a_5xx_refusal_fails_the_mail_for_good_and_a_4xx_or_an_outage_is_tried_again_with_back_off() -> None:
    created = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
    now = created + timedelta(minutes=1)
    refused = delivery.SendFailure("550 no such mailbox", permanent=delivery.is_permanent_reply(550), code=550)
    assert delivery.after_failure(refused, 1, created, now) is None
    later = delivery.SendFailure("451 try again", permanent=delivery.is_permanent_reply(451), code=451)
    assert delivery.after_failure(later, 1, created, now) == now + timedelta(seconds=5)
    down = delivery.SendFailure("connection refused", permanent=False)
    assert delivery.after_failure(down, 3, created, now) == now + timedelta(seconds=20)
    assert delivery.retry_delay(40) == timedelta(minutes=10)
    assert delivery.after_failure(down, 500, created, created + delivery.GIVE_UP_AFTER) is None  # not forever


# The words of a mail


def hostile_note(kind: str = "returned") -> Note:
    return Note(
        kind=kind,
        text='Hồ sơ <script>alert("x")</script> & "Nguyễn Văn An" bị trả lại',
        nomination_id="n-1",
        task_id="t-1",
        occurred_at=vn(2026, 12, 6, 9, 15),
        due_at=vn(2026, 12, 10, 17, 0),
    )


def test_a_mail_names_its_kind_links_the_dossier_and_the_preferences_and_escapes_everything_in_html() -> None:
    mail = render_note(hostile_note(), "Nguyễn <b>Thị</b> Lan", LINKS)
    assert mail.subject == "[Thi Đua] Hồ sơ bị trả lại để bổ sung"
    assert 'Hồ sơ <script>alert("x")</script> & "Nguyễn Văn An" bị trả lại' in mail.text  # plain text as written
    assert "https://thidua.example.vn/ho-so/n-1" in mail.text
    assert "https://thidua.example.vn/tai-khoan/thong-bao" in mail.text
    assert "09:15 06/12/2026" in mail.text  # Vietnam time
    assert "<script>" not in mail.html
    assert "<b>Thị</b>" not in mail.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;Nguyễn Văn An&quot;" in mail.html
    assert "Nguyễn &lt;b&gt;Thị&lt;/b&gt; Lan" in mail.html
    assert 'href="https://thidua.example.vn/ho-so/n-1"' in mail.html
    assert "/nhiem-vu/" not in mail.text  # a note about one's own dossier opens the dossier only


def test_an_approvers_mail_opens_the_task_and_gives_its_due_date() -> None:
    mail = render_note(hostile_note("due_day"), "", LINKS)
    assert mail.subject == "[Thi Đua] Hôm nay đến hạn xử lý"
    assert "https://thidua.example.vn/nhiem-vu/t-1" in mail.text
    assert "Hạn xử lý: 17:00 10/12/2026" in mail.text
    assert mail.text.startswith("Kính gửi anh/chị,")


def test_a_digest_lists_the_days_notes_oldest_first_in_one_mail() -> None:
    first = hostile_note("approved")
    second = Note("decided", "Đã có quyết định số 15/QĐ-LĐLĐ", "n-2", "", vn(2026, 12, 6, 14, 0))
    mail = render_digest([second, first], "Nguyễn Thị Lan", vn(2026, 12, 7, 7, 0), LINKS)
    assert mail.subject == "[Thi Đua] Tổng hợp thông báo ngày 07/12/2026 (2 thông báo)"
    assert mail.text.index("1. Hồ sơ được duyệt") < mail.text.index("2. Đã có quyết định khen thưởng")
    assert "https://thidua.example.vn/ho-so/n-2" in mail.text
    assert "<script>" not in mail.html
    assert mail.html.count("<li>") == 2


def test_the_message_sent_carries_text_and_html_and_the_rows_message_id() -> None:
    mail = render_note(hostile_note(), "Nguyễn Thị Lan", LINKS)
    envelope = Envelope(
        sender="Thi Đua <thong-bao@demo.thidua.example>",
        to_name="Nguyễn Thị Lan",
        to_address="cdcs.dst@demo.thidua.example",
        message_id="<abc.thidua@demo.thidua.example>",
        date=vn(2026, 12, 6, 9, 15),
    )
    parsed = message_from_bytes(wire_bytes(compose(mail, envelope)), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Message-ID"] == "<abc.thidua@demo.thidua.example>"
    assert parsed["Subject"] == "[Thi Đua] Hồ sơ bị trả lại để bổ sung"  # every space kept (no fold inside the words)
    assert "cdcs.dst@demo.thidua.example" in str(parsed["To"])
    assert "Nguyễn Thị Lan" in str(parsed["To"])
    plain, rich = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None
    assert rich is not None
    assert "bị trả lại" in plain.get_content()
    assert "&lt;script&gt;" in rich.get_content()


# Review: one event per note written, with the person's choice at that moment


def note(user_id: str, kind: str = "returned") -> NewNotification:
    return NewNotification(
        user_id=user_id,
        kind=kind,
        task_id="t-1",
        nomination_id="n-1",
        unit_code="HN-SONTAY",
        text="Hồ sơ bị trả lại",
        due_at=None,
        created_at=vn(2026, 12, 6, 9, 0),
        event_id="e-1",
    )


@pytest.mark.asyncio
async def test_each_note_to_be_emailed_leaves_one_event_with_its_id_and_the_recipients_choice_for_the_kind() -> None:
    uow = FakeUnitOfWork()
    await uow.preferences.put("u-lan", [Preference("returned", "email_daily", 7)], vn(2026, 12, 1, 8, 0))
    await uow.preferences.put("u-huy", [Preference("returned", "email_now")], vn(2026, 12, 1, 8, 0))

    await notes.issue(uow, note("u-lan"), note("u-huy"), note("u-minh"))

    issued = uow.published(NotificationIssued)
    stored = sorted(uow.data.notifications)
    assert len(stored) == 3  # every note on its bell
    by_user = {e.user_id: e for e in issued}
    assert sorted(e.note_id for e in issued) == sorted(n for n in stored if uow.data.notifications[n].user_id != "u-minh")
    assert (by_user["u-lan"].delivery, by_user["u-lan"].digest_hour) == ("email_daily", 7)
    assert (by_user["u-huy"].delivery, by_user["u-huy"].digest_hour) == ("email_now", None)
    assert "u-minh" not in by_user  # no choice: the bell only, nothing for the notifier
    assert by_user["u-lan"].text == "Hồ sơ bị trả lại"
    assert by_user["u-lan"].nomination_id == "n-1"


@pytest.mark.asyncio
async def test_a_choice_for_another_kind_does_not_mail_this_one() -> None:
    uow = FakeUnitOfWork()
    await uow.preferences.put("u-lan", [Preference("decided", "email_now")], vn(2026, 12, 1, 8, 0))
    await notes.issue(uow, note("u-lan", "returned"))
    assert uow.published(NotificationIssued) == []
    assert len(uow.data.notifications) == 1


def test_a_queue_batch_mails_at_once_then_an_interval_after_its_last_mail() -> None:
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    every = timedelta(minutes=15)
    assert delivery.held_until(None, now, every) == now  # the batch's first mail
    assert delivery.held_until(now - timedelta(minutes=5), now, every) == now + timedelta(minutes=10)
    assert delivery.held_until(now - timedelta(hours=1), now, every) == now  # long enough ago: at once
    assert delivery.queue_batch_key("u-1", 7) != delivery.queue_batch_key("u-1", 8) != delivery.queue_batch_key("u-2", 8)
