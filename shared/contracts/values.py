"""Values every message carries: the levels of the union hierarchy, what can be nominated, a unit as messages
carry it, duty ratings, the time zone documents and deadlines are dated in, the text a person may type and the
bounds of the numbers a request may carry."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

Level = Literal["grassroots", "district", "city", "national"]
NomineeKind = Literal["individual", "collective"]
# A unit's standing council (review): its Hội đồng TĐKT, a CĐCS's Ban Chấp hành, or a joint council with the employer.
CouncilKind = Literal["tdkt", "bch_cdcs", "joint"]
COUNCIL_KIND_NAMES_VI: dict[str, str] = {
    "tdkt": "Hội đồng Thi đua – Khen thưởng",
    "bch_cdcs": "Ban Chấp hành công đoàn cơ sở",
    "joint": "Hội đồng Thi đua – Khen thưởng liên tịch với người sử dụng lao động",
}
CouncilRole = Literal["chair", "vice_chair", "standing", "member", "secretary"]
COUNCIL_ROLE_NAMES_VI: dict[str, str] = {
    "chair": "Chủ tịch Hội đồng",
    "vice_chair": "Phó Chủ tịch Hội đồng",
    "standing": "Ủy viên thường trực",
    "member": "Ủy viên",
    "secretary": "Thư ký",
}
LEVELS: tuple[Level, ...] = ("grassroots", "district", "city", "national")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}
LEVEL_NAMES_VI: dict[str, str] = {
    "grassroots": "Công đoàn cơ sở",
    "district": "Cấp trên trực tiếp cơ sở",
    "city": "Cấp thành phố",
    "national": "Cấp Trung ương",
}

DutyRating = Literal["hoan_thanh", "hoan_thanh_tot", "hoan_thanh_xuat_sac"]
# How a person wants one kind of notification: the bell only; also an email at once; also in a daily digest at their
# hour (Vietnam time). Review keeps the choice; the notifier sends the email.
Delivery = Literal["bell", "email_now", "email_daily"]

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


# Text a person types. Control characters (C0, DEL, C1) and lone surrogates are refused where the text is taken in
# (commands and requests; never in the models that read stored events back), so no document, spreadsheet or page
# built later has to cope with them. Free text over several lines keeps its line breaks and tabs (a browser sends
# a textarea's line breaks as CR LF).
_MULTI_LINE_ALLOWED = frozenset("\t\n\r")


def _refuse_controls(value: str, allowed: frozenset[str]) -> str:
    for at, char in enumerate(value, start=1):
        if unicodedata.category(char) in ("Cc", "Cs") and char not in allowed:
            raise ValueError(f"Không được chứa ký tự điều khiển (U+{ord(char):04X} ở vị trí {at})")
    return value


def one_line(value: str) -> str:
    """`value` when it holds no control character, else ValueError saying which and where (Vietnamese)."""
    return _refuse_controls(value, frozenset())


def _multi_line(value: str) -> str:
    return _refuse_controls(value, _MULTI_LINE_ALLOWED)


# A name, a title, a number as written: one line, no control character.
Name = Annotated[str, AfterValidator(one_line)]
# Free text (achievements, a comment, a reason, a note): line breaks and tabs, no other control character.
Text = Annotated[str, AfterValidator(_multi_line)]

# Numbers a request may carry, bounded so that none reaches a query beyond what a column or an OFFSET holds.
MAX_OFFSET = 1_000_000  # far beyond any listing (500 a page)
MAX_ROW_ID = 2**31 - 1  # an Integer id column (notifications, outbox rows)
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
MIN_YEAR, MAX_YEAR = 1945, 2100
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR)]

# Bounds of the text a reply carries, no wider than what the requests (or the catalogue and the unit tree) that
# wrote it allow, so that the largest reply of a list is known (shared.contracts.paging, shared.platform.replysize).
Short = Annotated[str, Field(max_length=64)]  # an id, a code, a period, a status, an instant as text
Label = Annotated[str, Field(max_length=100)]  # a label the system writes, a number as written ("12/QĐ-LĐLĐ")
PersonName = Annotated[str, Field(max_length=200)]  # a user's or a nominee's name
Title = Annotated[str, Field(max_length=300)]  # a unit's or an award's name
Note = Annotated[str, Field(max_length=4000)]  # a comment, a note
Reason = Annotated[str, Field(max_length=2000)]  # a reason given for a refusal, a return, a revocation
