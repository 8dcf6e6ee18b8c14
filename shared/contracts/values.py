"""Values every message carries: the levels of the union hierarchy, what can be nominated, a unit as messages
carry it, duty ratings, and the time zone documents and deadlines are dated in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, PlainSerializer

Level = Literal["grassroots", "district", "city", "national"]
NomineeKind = Literal["individual", "collective"]
LEVELS: tuple[Level, ...] = ("grassroots", "district", "city", "national")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
LEVEL_NAMES_VI: dict[str, str] = {
    "grassroots": "Công đoàn cơ sở",
    "district": "Cấp trên trực tiếp cơ sở",
    "city": "Cấp thành phố",
    "national": "Cấp Trung ương",
}

DutyRating = Literal["hoan_thanh", "hoan_thanh_tot", "hoan_thanh_xuat_sac"]

VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class UnitRef(BaseModel):
    """A unit as other services carry it in messages (event-carried state)."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    short_name: str
    level: Level
    decision_suffix: str | None = None


def _isoformat(moment: datetime) -> str:
    return moment.isoformat()


# An instant as the services have always written it in replies: `datetime.isoformat()` ("+00:00", not pydantic's "Z").
IsoDateTime = Annotated[datetime, PlainSerializer(_isoformat, return_type=str, when_used="json")]
