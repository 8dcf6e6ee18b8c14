"""The register of people a unit keeps ("Đoàn viên / Người lao động"): who a person is, which units they belonged to
and when, how their identification number is kept, and how an imported row finds the person it describes.

Pure: values in, values or a named error out. A person is their id, not their unit and name: two namesakes in one
unit are two people, and a person transferred to another unit keeps their id, so their titles follow them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from shared.contracts.errors import ValidationFailed
from shared.contracts.people import GENDER_VI, SALUTATION_VI, Gender, PersonEntry
from shared.rules.text import normalize_name

KEPT_DIGITS = 4
MASK = "•" * 8


@dataclass(frozen=True)
class UnitSpan:
    """The person belonged to `unit_code` from `valid_from` until `valid_to` (exclusive; None: to this day)."""

    unit_code: str
    valid_from: date
    valid_to: date | None = None
    note: str = ""

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Person:
    id: str
    full_name: str
    birth_date: date | None
    gender: Gender | None
    id_last4: str | None
    position: str | None
    unit_code: str  # the unit they belong to now: the open span's
    history: tuple[UnitSpan, ...]
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    @property
    def name_key(self) -> str:
        return normalize_name(self.full_name)


def last_digits(id_number: str | None) -> str | None:
    """What is kept of an identification number: its last four digits (the caller's model checked it is digits)."""
    return id_number[-KEPT_DIGITS:] if id_number else None


def masked(last4: str | None) -> str | None:
    """How the kept digits are shown: "••••••••1234"."""
    return f"{MASK}{last4}" if last4 else None


def salutation(gender: Gender | None) -> str | None:
    """ "Ông" or "Bà", as documents address the person; None when the gender was not declared."""
    return SALUTATION_VI[gender] if gender else None


def gender_label(gender: Gender | None) -> str:
    return GENDER_VI[gender] if gender else ""


def check_birth_date(birth_date: date | None, today: date, field: str = "birth_date") -> None:
    """A date of birth in the past that makes a working-age person (15 to 100 years old)."""
    if birth_date is None:
        return
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if birth_date > today or not 15 <= age <= 100:
        raise ValidationFailed.on(
            field, f"Ngày sinh {birth_date:%d/%m/%Y} không hợp lệ (tuổi phải từ 15 đến 100)", code="birth_date_invalid"
        )


def new_person(
    person_id: str, entry: PersonEntry, unit_code: str, joined_on: date, *, by: str, at: datetime, today: date
) -> Person:
    check_birth_date(entry.birth_date, today)
    if joined_on > today:
        raise ValidationFailed.on("joined_on", "Ngày bắt đầu sinh hoạt không được sau hôm nay", code="joined_in_future")
    return Person(
        id=person_id,
        full_name=entry.full_name,
        birth_date=entry.birth_date,
        gender=entry.gender,
        id_last4=last_digits(entry.id_number),
        position=entry.position or None,
        unit_code=unit_code,
        history=(UnitSpan(unit_code=unit_code, valid_from=joined_on),),
        created_at=at,
        created_by=by,
        updated_at=at,
        updated_by=by,
    )


def edited(person: Person, entry: PersonEntry, *, clear_id: bool, by: str, at: datetime, today: date) -> Person:
    """The person with the facts as now declared; an identification number not sent keeps the digits on record."""
    check_birth_date(entry.birth_date, today)
    kept = None if clear_id else (last_digits(entry.id_number) or person.id_last4)
    return replace(
        person,
        full_name=entry.full_name,
        birth_date=entry.birth_date,
        gender=entry.gender,
        id_last4=kept,
        position=entry.position or None,
        updated_at=at,
        updated_by=by,
    )


def transferred(person: Person, to_unit: str, on: date, note: str, *, by: str, at: datetime, today: date) -> Person:
    """The person moved to `to_unit` on `on`: their current span ends there and a new one opens. Their id, and so
    their titles, go with them."""
    if to_unit == person.unit_code:
        raise ValidationFailed.on("to_unit_code", "Người này đang sinh hoạt tại đơn vị được chọn", code="transfer_same_unit")
    current = person.history[-1]
    if on < current.valid_from:
        raise ValidationFailed.on(
            "on",
            f"Ngày chuyển không được trước ngày bắt đầu sinh hoạt tại đơn vị hiện tại ({current.valid_from:%d/%m/%Y})",
            code="transfer_before_joining",
        )
    if on > today:
        raise ValidationFailed.on("on", "Ngày chuyển không được sau hôm nay", code="transfer_in_future")
    opened = UnitSpan(unit_code=to_unit, valid_from=on, note=note)
    # moved on the day they joined: they never belonged to the unit they leave (a correction), so that span goes
    kept = person.history[:-1] if on == current.valid_from else (*person.history[:-1], replace(current, valid_to=on))
    return replace(person, unit_code=to_unit, history=(*kept, opened), updated_at=at, updated_by=by)


def units_ever(person: Person) -> list[str]:
    """Every unit the person belonged to, in order, each once."""
    return list(dict.fromkeys(s.unit_code for s in person.history))


def describe(person: Person) -> str:
    """How a list tells namesakes apart: the name, the date of birth and the position."""
    parts = [f"sinh {person.birth_date:%d/%m/%Y}" if person.birth_date else "chưa có ngày sinh"]
    if person.position:
        parts.append(person.position)
    if person.id_last4:
        parts.append(f"định danh {masked(person.id_last4)}")
    return f"{person.full_name} ({', '.join(parts)})"


def same_person(person: Person, entry: PersonEntry) -> bool:
    """Whether an imported row describes this person of the unit: the same name (any spelling), the same date of
    birth, and the same last four digits when both have them. A row without a date of birth matches nobody's with
    one, so two namesakes are never merged by a row that cannot tell them apart."""
    if person.name_key != normalize_name(entry.full_name) or person.birth_date != entry.birth_date:
        return False
    digits = last_digits(entry.id_number)
    return not (digits and person.id_last4 and digits != person.id_last4)


def match(people: Iterable[Person], entry: PersonEntry) -> list[Person]:
    return [p for p in people if same_person(p, entry)]


def changes(person: Person, entry: PersonEntry) -> bool:
    """Whether importing `entry` onto its matched person changes anything on record."""
    digits = last_digits(entry.id_number) or person.id_last4
    return (
        person.full_name != entry.full_name
        or person.gender != (entry.gender or person.gender)
        or person.position != (entry.position or person.position)
        or person.id_last4 != digits
    )


def merged(person: Person, entry: PersonEntry, *, by: str, at: datetime) -> Person:
    """An imported row onto its matched person: what the row says replaces, what it leaves empty is kept."""
    return replace(
        person,
        full_name=entry.full_name,
        gender=entry.gender or person.gender,
        position=entry.position or person.position,
        id_last4=last_digits(entry.id_number) or person.id_last4,
        updated_at=at,
        updated_by=by,
    )


def repeated_rows(rows: Sequence[tuple[int, PersonEntry]]) -> dict[int, int]:
    """Rows of one file that describe the same person as an earlier row: row -> the earlier row."""
    seen: dict[tuple[str, date | None, str | None], int] = {}
    repeats: dict[int, int] = {}
    for number, entry in rows:
        key = (normalize_name(entry.full_name), entry.birth_date, last_digits(entry.id_number))
        if key in seen:
            repeats[number] = seen[key]
        else:
            seen[key] = number
    return repeats
