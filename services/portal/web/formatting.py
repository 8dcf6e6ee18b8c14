"""How values look on screen: dates dd/mm/yyyy in Asia/Ho_Chi_Minh, money '2.340.000 đ', Vietnamese labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.contracts.values import LEVEL_NAMES_VI, VIETNAM_TZ
from shared.platform.opsstatus import age
from shared.rules.attachments import format_size
from shared.rules.documents import vnd

ROLE_LABELS = {
    "submitter": "Cán bộ nộp hồ sơ",
    "approver": "Người duyệt",
    "unit_admin": "Quản trị đơn vị",
    "signer": "Người ký văn bản",
    "ops": "Vận hành",
    "admin": "Quản trị hệ thống",
}
NOMINEE_KINDS = {"individual": "Cá nhân", "collective": "Tập thể"}
STATUS_TONES = {
    "submitted": "info",
    "in_review": "info",
    "returned": "warn",
    "approved": "ok",
    "granted": "ok",
    "proposed": "ok",
    "not_granted": "bad",
    "revoked": "bad",
    "issued": "ok",
    "rejected": "bad",
    "withdrawn": "muted",
    "open": "info",
    "claimed": "warn",
    "forwarded": "ok",
    "cancelled": "muted",
}

NOTIFICATION_KINDS = {
    "new_in_queue": ("Hồ sơ mới chờ xét", "info"),
    "assigned": ("Được giao xử lý", "info"),
    "returned": ("Hồ sơ bị trả lại", "warn"),
    "rejected": ("Hồ sơ không được chấp thuận", "bad"),
    "forwarded": ("Hồ sơ được chuyển lên", "info"),
    "approved": ("Hồ sơ được duyệt", "ok"),
    "decided": ("Đã có quyết định", "ok"),
    "council_blocked": ("Hội đồng không thông qua", "bad"),
    "before_due": ("Sắp đến hạn", "warn"),
    "due_day": ("Đến hạn hôm nay", "bad"),
    "escalated_in": ("Quá hạn – chuyển lên", "bad"),
    "sent_back": ("Cấp trên trả về", "info"),
    "reorganised_in": ("Chuyển đến do sắp xếp tổ chức", "info"),
}
# Notes about a person's own dossier open the dossier; an approver's open the task.
DOSSIER_NOTE_KINDS = frozenset({"returned", "rejected", "forwarded", "approved", "decided", "council_blocked"})


def note_href(note: dict[str, Any]) -> str:
    if note["kind"] in DOSSIER_NOTE_KINDS or not note.get("task_id"):
        return f"/ho-so/{note['nomination_id']}"
    return f"/nhiem-vu/{note['task_id']}"


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(VIETNAM_TZ)


def date_vn(value: Any) -> str:
    moment = _when(value)
    return moment.strftime("%d/%m/%Y") if moment else ""


def datetime_vn(value: Any) -> str:
    moment = _when(value)
    return moment.strftime("%d/%m/%Y %H:%M") if moment else ""


def money(value: Any) -> str:
    if value is None or value == "":
        return ""
    return f"{int(value):,}".replace(",", ".") + " đ"


def level_name(level: str) -> str:
    return LEVEL_NAMES_VI.get(level, level)


FILTERS: dict[str, Any] = {
    "date_vn": date_vn,
    "datetime_vn": datetime_vn,
    "money": money,
    "age": age,
    "level_name": level_name,
    "role_label": lambda r: ROLE_LABELS.get(r, r),
    "kind_label": lambda k: NOMINEE_KINDS.get(k, k),
    "tone": lambda s: STATUS_TONES.get(s, "info"),
    "note_label": lambda k: NOTIFICATION_KINDS.get(k, (k, ""))[0],
    "note_tone": lambda k: NOTIFICATION_KINDS.get(k, ("", "info"))[1],
    "note_href": note_href,
    "filesize": format_size,
    "vn_number": lambda n: vnd(int(n or 0)),
}
