"""When a daily digest goes out: at the person's chosen hour, Vietnam time (Asia/Ho_Chi_Minh, UTC+7 all year).

A note joins the first digest whose moment comes strictly after the note: with 07:00 chosen, a note at 06:59 goes
out at 07:00 that day, a note at 07:00 or later the next day at 07:00. Vietnam's day starts at 17:00 UTC of the day
before, so the digest's date is always read in Vietnam time, never in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.contracts.values import VIETNAM_TZ


def next_digest_at(after: datetime, hour: int) -> datetime:
    """The first `hour`:00 Vietnam time strictly after `after` (an aware instant), in UTC."""
    if not 0 <= hour <= 23:
        raise ValueError(f"digest hour {hour} is not 0-23")
    if after.tzinfo is None:
        raise ValueError("naive datetime given to next_digest_at")
    local = after.astimezone(VIETNAM_TZ)
    moment = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if moment <= local:
        moment = (moment + timedelta(days=1)).replace(hour=hour)
    return moment.astimezone(UTC)


def digest_date(digest_at: datetime) -> date:
    """The Vietnam date a digest is sent on (its subject names it)."""
    return digest_at.astimezone(VIETNAM_TZ).date()


def is_due(digest_at: datetime, now: datetime) -> bool:
    return digest_at <= now
