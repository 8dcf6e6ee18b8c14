"""The register of people ("Đoàn viên / Người lao động") registration keeps: what a unit sends to add, edit, transfer
and import its people, and what it is answered.

A personal identification number ("số định danh cá nhân", 12 digits; an old 9-digit CMND is accepted) may be sent,
but it never comes back and is never stored whole: registration keeps its last four digits only, which the views
show masked ("••••••••1234").
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.values import IsoDateTime, Label, Name, Offset, PersonName, Short, Text, Title

Gender = Literal["male", "female"]
GENDER_VI: dict[str, str] = {"male": "Nam", "female": "Nữ"}
SALUTATION_VI: dict[str, str] = {"male": "Ông", "female": "Bà"}  # how documents address the person
PEOPLE_PAGE_MAX = 100
PERSON_HISTORY_MAX = 100  # units one person belonged to, at most (a transfer a year for a working life and more)
PERSON_TITLES_MAX = 200
IMPORT_ROWS_MAX = 2000
ID_NUMBER_PATTERN = r"^(\d{9}|\d{12})$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonEntry(_Body):
    """A person as a unit declares them."""

    full_name: Name = Field(min_length=2, max_length=200, description="Họ và tên")
    birth_date: dt.date | None = Field(default=None, description="Ngày sinh")
    gender: Gender | None = Field(default=None, description="Giới tính: male (Nam, “Ông”), female (Nữ, “Bà”)")
    id_number: str | None = Field(
        default=None,
        max_length=12,
        pattern=ID_NUMBER_PATTERN,
        description="Số định danh cá nhân (12 chữ số) hoặc CMND (9 chữ số); chỉ 4 số cuối được lưu",
    )
    position: Name | None = Field(default=None, max_length=200, description="Chức vụ, nghề nghiệp")


class NewPerson(PersonEntry):
    unit_code: Name = Field(min_length=1, max_length=64, description="Mã đơn vị (công đoàn cơ sở) của người này")
    joined_on: dt.date | None = Field(default=None, description="Ngày bắt đầu sinh hoạt tại đơn vị (mặc định: hôm nay)")


class PersonChanges(PersonEntry):
    """Every field of the person as it should now be; an omitted `id_number` keeps the last four digits on record."""

    clear_id_number: bool = Field(default=False, description="Xoá 4 số cuối số định danh đang lưu")


class EditPerson(PersonChanges):
    id: Short = Field(min_length=1, max_length=64)


class Transfer(_Body):
    to_unit_code: Name = Field(min_length=1, max_length=64, description="Mã đơn vị chuyển đến")
    on: dt.date = Field(description="Ngày chuyển sinh hoạt")
    note: Name = Field(default="", max_length=100, description="Ghi chú (số quyết định, lý do)")


class TransferPerson(Transfer):
    id: Short = Field(min_length=1, max_length=64)


class PersonId(_Body):
    id: Short = Field(min_length=1, max_length=64)


class PeopleQuery(_Body):
    unit_code: Name | None = Field(default=None, max_length=64, description="Đơn vị (và các đơn vị trực thuộc)")
    q: Name | None = Field(default=None, max_length=200, description="Tìm theo họ tên, không cần dấu")
    limit: int = Field(default=50, ge=1, le=PEOPLE_PAGE_MAX)
    offset: Offset = 0


class ImportRow(PersonEntry):
    row: int = Field(ge=1, le=1_048_576, description="Số dòng trong tệp Excel")


class ImportPeople(_Body):
    unit_code: Name = Field(min_length=1, max_length=64)
    rows: list[ImportRow] = Field(min_length=1, max_length=IMPORT_ROWS_MAX)
    valid_only: bool = Field(default=False, description="Chỉ nhập các dòng hợp lệ, bỏ qua dòng lỗi")


# Replies


class PersonSpan(BaseModel):
    """A unit the person belonged to, from `valid_from` until `valid_to` (exclusive; None: to this day)."""

    unit_code: Short
    unit_name: Title
    valid_from: dt.date
    valid_to: dt.date | None
    note: Label = ""


class PersonTitle(BaseModel):
    """A nomination of the person that holds or held a place: granted, or under way."""

    nomination_id: Short
    award_code: Short
    award_name: Title
    period: Short
    status: Short
    status_label: Label
    unit_code: Short


class PersonSummary(BaseModel):
    id: Short
    full_name: PersonName
    birth_date: dt.date | None
    gender: Gender | None
    salutation: Label | None  # "Ông" / "Bà"
    id_masked: Label | None  # "••••••••1234"
    position: PersonName | None
    unit_code: Short
    unit_name: Title
    updated_at: IsoDateTime


class PersonView(PersonSummary):
    units: list[PersonSpan] = Field(max_length=PERSON_HISTORY_MAX)
    titles: list[PersonTitle] = Field(max_length=PERSON_TITLES_MAX)


class PeoplePage(BaseModel):
    total: int
    items: list[PersonSummary] = Field(max_length=PEOPLE_PAGE_MAX)


class ImportProblem(BaseModel):
    row: int
    field: Short
    message: Text


class ImportOutcome(BaseModel):
    created: int
    updated: int
    unchanged: int
    skipped: list[ImportProblem] = Field(max_length=IMPORT_ROWS_MAX * 6)
