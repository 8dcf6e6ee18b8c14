"""`thidua clock`: move the embedded system's time for a demo or a test, never in production.

Every process of the system reads `<var>/clock.json` (see `shared.platform.clock.SystemClock`), so moving it
moves time for all of them within a second: review's timers fire as if the days had passed.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import CLOCK_FILE_NAME, read_offset_file, write_offset_file

DURATION = re.compile(r"^(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?$")


class ClockError(Exception):
    pass


def parse_duration(text: str) -> timedelta:
    match = DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ClockError(f"không hiểu khoảng thời gian {text!r} (ví dụ: 3d, 12h, 1d6h, 2w, 90m)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(weeks=parts.get("w", 0), days=parts.get("d", 0), hours=parts.get("h", 0), minutes=parts.get("m", 0))


def change_clock(action: str, value: str | None, var_dir: Path, *, real_now: datetime | None = None) -> str:
    if os.environ.get("THIDUA_PRODUCTION", "").lower() in ("1", "true", "yes"):
        raise ClockError("không dời đồng hồ khi THIDUA_PRODUCTION=1")
    path = var_dir / CLOCK_FILE_NAME
    now = real_now or datetime.now(UTC)
    offset = read_offset_file(path)
    if action == "advance":
        if not value:
            raise ClockError("cần khoảng thời gian, ví dụ: thidua clock advance 3d")
        offset += parse_duration(value)
    elif action == "set":
        if not value:
            raise ClockError("cần thời điểm, ví dụ: thidua clock set 2026-12-01T09:00")
        try:
            target = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ClockError(f"không hiểu thời điểm {value!r}") from exc
        if target.tzinfo is None:
            target = target.replace(tzinfo=VIETNAM_TZ)
        offset = target - now
    elif action == "reset":
        offset = timedelta(0)
    if action != "show":
        write_offset_file(path, offset, by=f"thidua clock {action} {value or ''}".strip())
    shown = (now + offset).astimezone(VIETNAM_TZ)
    return f"Giờ hệ thống: {shown:%d/%m/%Y %H:%M} (giờ Việt Nam), lệch {describe(offset)} so với thực tế"


def describe(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    total = abs(offset)
    days, rest = total.days, total.seconds
    return f"{sign}{days} ngày {rest // 3600} giờ {rest % 3600 // 60} phút"
