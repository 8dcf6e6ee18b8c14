"""The words of each mail: Vietnamese plain text and the same as HTML (every value escaped), a subject naming the kind,
a link back to the dossier (and to the task for an approver's note), and a link to the person's delivery choices.

`compose` turns a rendered mail into the message sent, with its deterministic Message-ID (delivery.message_id).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from services.notifier.domain.digest import digest_date
from shared.contracts.values import VIETNAM_TZ

KIND_SUBJECTS = {
    "new_in_queue": "Hồ sơ mới chờ xét",
    "assigned": "Được giao xử lý hồ sơ",
    "returned": "Hồ sơ bị trả lại để bổ sung",
    "rejected": "Hồ sơ không được chấp thuận",
    "forwarded": "Hồ sơ được chuyển lên cấp trên",
    "approved": "Hồ sơ được duyệt",
    "decided": "Đã có quyết định khen thưởng",
    "council_blocked": "Hội đồng không thông qua hồ sơ",
    "before_due": "Sắp đến hạn xử lý",
    "due_day": "Hôm nay đến hạn xử lý",
    "overdue": "Hồ sơ quá hạn, đã báo cấp trên",
    "escalated_in": "Hồ sơ quá hạn ở cấp dưới",
    "urged": "Cấp trên đôn đốc xử lý hồ sơ",
    "sent_back": "Cấp trên đặt hạn mới",
    "reorganised_in": "Hồ sơ chuyển đến do sắp xếp tổ chức",
}
# The approver's notes open the task; the others (about a person's own dossier) the dossier only.
TASK_KINDS = frozenset(
    {"new_in_queue", "assigned", "before_due", "due_day", "overdue", "escalated_in", "urged", "sent_back", "reorganised_in"}
)
PREFERENCES_PATH = "/tai-khoan/thong-bao"
SUBJECT_PREFIX = "[Thi Đua]"


def kind_subject(kind: str) -> str:
    return KIND_SUBJECTS.get(kind, "Thông báo")


@dataclass(frozen=True)
class Note:
    """One note as the notifier received it (NotificationIssued)."""

    kind: str
    text: str
    nomination_id: str
    task_id: str
    occurred_at: datetime
    due_at: datetime | None = None


@dataclass(frozen=True)
class Links:
    """Where the console is (THIDUA_PUBLIC_URL, else the portal's own address)."""

    base_url: str

    def _at(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def dossier(self, nomination_id: str) -> str:
        return self._at(f"/ho-so/{nomination_id}")

    def task(self, task_id: str) -> str:
        return self._at(f"/nhiem-vu/{task_id}")

    def preferences(self) -> str:
        return self._at(PREFERENCES_PATH)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def vn_time(moment: datetime) -> str:
    return moment.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y")


def _note_links(note: Note, links: Links) -> list[tuple[str, str]]:
    found = []
    if note.task_id and note.kind in TASK_KINDS:
        found.append(("Mở nhiệm vụ", links.task(note.task_id)))
    if note.nomination_id:
        found.append(("Mở hồ sơ", links.dossier(note.nomination_id)))
    return found


def _greeting(name: str) -> str:
    return f"Kính gửi {name}," if name else "Kính gửi anh/chị,"


def _footer_text(links: Links) -> list[str]:
    return [
        "",
        "--",
        "Thư tự động của hệ thống Thi Đua; vui lòng không trả lời thư này.",
        f"Chọn cách nhận thông báo (chỉ chuông, email ngay, email tổng hợp hằng ngày): {links.preferences()}",
    ]


def _footer_html(links: Links) -> str:
    href = html.escape(links.preferences(), quote=True)
    return (
        '<hr><p style="color:#555;font-size:90%">Thư tự động của hệ thống Thi Đua; vui lòng không trả lời thư này.<br>'
        f'<a href="{href}">Chọn cách nhận thông báo</a> (chỉ chuông, email ngay, email tổng hợp hằng ngày).</p>'
    )


def _html_page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>{body}</body></html>\n"
    )


def _links_html(found: Sequence[tuple[str, str]]) -> str:
    return " · ".join(f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>' for label, url in found)


def render_note(note: Note, recipient_name: str, links: Links) -> Rendered:
    """The mail of one note sent at once."""
    subject = f"{SUBJECT_PREFIX} {kind_subject(note.kind)}"
    found = _note_links(note, links)
    due = f"Hạn xử lý: {vn_time(note.due_at)}" if note.due_at and note.kind in TASK_KINDS else ""
    text_lines = [_greeting(recipient_name), "", note.text, ""]
    if due:
        text_lines += [due, ""]
    text_lines += [f"{label}: {url}" for label, url in found]
    text_lines += [f"Thời điểm: {vn_time(note.occurred_at)}", *_footer_text(links)]
    body = (
        f"<p>{html.escape(_greeting(recipient_name))}</p>"
        f"<p><strong>{html.escape(kind_subject(note.kind))}</strong></p>"
        f"<p>{html.escape(note.text)}</p>"
        + (f"<p>{html.escape(due)}</p>" if due else "")
        + (f"<p>{_links_html(found)}</p>" if found else "")
        + f'<p style="color:#555">Thời điểm: {html.escape(vn_time(note.occurred_at))}</p>'
        + _footer_html(links)
    )
    return Rendered(subject=subject, text="\n".join(text_lines) + "\n", html=_html_page(subject, body))


def render_digest(notes: Sequence[Note], recipient_name: str, digest_at: datetime, links: Links) -> Rendered:
    """The day's digest: one mail listing the notes, oldest first, each with its kind, time, words and links."""
    ordered = sorted(notes, key=lambda n: n.occurred_at)
    day = digest_date(digest_at).strftime("%d/%m/%Y")
    subject = f"{SUBJECT_PREFIX} Tổng hợp thông báo ngày {day} ({len(ordered)} thông báo)"
    text_lines = [_greeting(recipient_name), "", f"Các thông báo của anh/chị tính đến {vn_time(digest_at)}:", ""]
    items_html = []
    for i, note in enumerate(ordered, start=1):
        found = _note_links(note, links)
        text_lines.append(f"{i}. {kind_subject(note.kind)} ({vn_time(note.occurred_at)})")
        text_lines.append(f"   {note.text}")
        text_lines += [f"   {label}: {url}" for label, url in found]
        text_lines.append("")
        items_html.append(
            f"<li><p><strong>{html.escape(kind_subject(note.kind))}</strong> "
            f'<span style="color:#555">({html.escape(vn_time(note.occurred_at))})</span><br>{html.escape(note.text)}'
            + (f"<br>{_links_html(found)}" if found else "")
            + "</p></li>"
        )
    text_lines += _footer_text(links)
    body = (
        f"<p>{html.escape(_greeting(recipient_name))}</p>"
        f"<p>Các thông báo của anh/chị tính đến {html.escape(vn_time(digest_at))}:</p>"
        f"<ol>{''.join(items_html)}</ol>" + _footer_html(links)
    )
    return Rendered(subject=subject, text="\n".join(text_lines) + "\n", html=_html_page(subject, body))


@dataclass(frozen=True)
class Envelope:
    sender: str  # THIDUA_MAIL_FROM, e.g. "Thi Đua <thong-bao@demo.thidua.example>"
    to_name: str
    to_address: str
    message_id: str
    date: datetime


def compose(mail: Rendered, envelope: Envelope) -> EmailMessage:
    """The message as sent: text and HTML alternatives, UTF-8 headers, the mail row's Message-ID."""
    message = EmailMessage()
    message["From"] = envelope.sender
    message["To"] = formataddr((envelope.to_name, envelope.to_address)) if envelope.to_name else envelope.to_address
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


# SMTP's CRLF, with headers folded only past RFC 5322's 998 characters: Python's folding at 78 splits a Vietnamese
# subject into encoded words and drops the space at the split ("để bổ" read back as "đểbổ").
WIRE_POLICY = policy.SMTP.clone(max_line_length=998)


def wire_bytes(message: EmailMessage) -> bytes:
    """The message as the SMTP server receives it."""
    return message.as_bytes(policy=WIRE_POLICY)
