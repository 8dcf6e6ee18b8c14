"""The register of people: the pure rules (masking, transfer, matching an imported row, namesakes) and the use cases on
in-memory fakes (who may see and keep whom, nominating a person, their titles following them to another unit)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from services.registration.domain import people as rules
from services.registration.domain.nomination import Status, active_key
from services.registration.usecases import nominations, people, reactions, units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.commands import NominationDraft
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import Actor, NominationReturned, Nominee, RoleGrant, TaskOpened, TaskSnapshot
from shared.contracts.operations.registration import EditNomination
from shared.contracts.people import (
    EditPerson,
    ImportPeople,
    NewPerson,
    PeopleQuery,
    PersonEntry,
    PersonId,
    TransferPerson,
)
from shared.platform.clock import FixedClock
from shared.rules.reference import load_units
from tests.fakes import default_rulebook
from tests.fakes.registration import FakeUnitOfWork

MARCH_2026 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
DST = "HN-SONTAY-DST"  # a CĐCS of Sơn Tây
VANQUAN = "HN-HADONG-VANQUAN"  # a CĐCS of Hà Đông


def actor(user_id: str, role: Any, unit_code: str | None) -> Actor:
    return Actor(user_id=user_id, username=user_id, full_name=user_id, roles=(RoleGrant(role=role, unit_code=unit_code),))


DST_OFFICER = actor("u-dst", "submitter", DST)
VANQUAN_OFFICER = actor("u-vanquan", "submitter", VANQUAN)
SONTAY_APPROVER = actor("u-sontay", "approver", "HN-SONTAY")
HANOI_APPROVER = actor("u-hanoi", "approver", "HN")
ADMIN = actor("u-admin", "admin", None)


def entry(name: str = "Nguyễn Văn An", born: date | None = date(1985, 3, 12), **more: Any) -> dict[str, Any]:
    return {"full_name": name, "birth_date": born, **more}


# The pure rules


def person(**changes: Any) -> rules.Person:
    base = rules.new_person(
        "p-1",
        PersonEntry.model_validate(entry(gender="male", id_number="001085012345", position="Tổ trưởng")),
        DST,
        date(2020, 1, 1),
        by="u",
        at=MARCH_2026,
        today=TODAY,
    )
    return replace(base, **changes)


def test_only_the_last_four_digits_of_an_identification_number_are_kept_and_shown_masked() -> None:
    p = person()
    assert p.id_last4 == "2345"
    assert "001085012345" not in repr(p)
    assert rules.masked(p.id_last4) == "••••••••2345"
    assert rules.masked(None) is None


def test_an_identification_number_that_is_not_9_or_12_digits_is_refused_on_its_field() -> None:
    with pytest.raises(ValueError, match="id_number"):
        PersonEntry.model_validate(entry(id_number="12345"))


def test_gender_gives_the_salutation_documents_print() -> None:
    assert (rules.salutation("male"), rules.salutation("female"), rules.salutation(None)) == ("Ông", "Bà", None)


def test_a_date_of_birth_in_the_future_or_of_a_child_is_refused() -> None:
    for born in (date(2027, 1, 1), date(2015, 1, 1)):
        with pytest.raises(ValidationFailed) as refused:
            rules.check_birth_date(born, TODAY)
        assert refused.value.fields[0].field == "birth_date"


def test_a_transfer_closes_the_current_unit_and_opens_the_new_one_keeping_the_person() -> None:
    moved = rules.transferred(person(), VANQUAN, date(2026, 1, 15), "QĐ 12", by="u", at=MARCH_2026, today=TODAY)

    assert (moved.id, moved.unit_code) == ("p-1", VANQUAN)
    assert [(s.unit_code, s.valid_from, s.valid_to) for s in moved.history] == [
        (DST, date(2020, 1, 1), date(2026, 1, 15)),
        (VANQUAN, date(2026, 1, 15), None),
    ]
    assert rules.units_ever(moved) == [DST, VANQUAN]


def test_a_transfer_on_the_day_of_joining_corrects_the_unit_rather_than_leaving_an_empty_span() -> None:
    joined = person(history=(rules.UnitSpan(unit_code=DST, valid_from=TODAY),))
    moved = rules.transferred(joined, VANQUAN, TODAY, "", by="u", at=MARCH_2026, today=TODAY)
    assert [(s.unit_code, s.valid_from, s.valid_to) for s in moved.history] == [(VANQUAN, TODAY, None)]


def test_a_transfer_to_the_same_unit_or_before_joining_or_in_the_future_is_refused() -> None:
    cases = [(DST, date(2026, 1, 15), "to_unit_code"), (VANQUAN, date(2019, 1, 1), "on"), (VANQUAN, date(2026, 5, 1), "on")]
    for to_unit, on, field in cases:
        with pytest.raises(ValidationFailed) as refused:
            rules.transferred(person(), to_unit, on, "", by="u", at=MARCH_2026, today=TODAY)
        assert refused.value.fields[0].field == field


def test_an_imported_row_matches_the_same_name_and_date_of_birth_and_never_merges_namesakes() -> None:
    p = person()
    assert rules.same_person(p, PersonEntry.model_validate(entry(name="nguyen van  AN")))
    assert not rules.same_person(p, PersonEntry.model_validate(entry(born=date(1990, 5, 5))))
    assert not rules.same_person(p, PersonEntry.model_validate(entry(born=None)))
    assert not rules.same_person(p, PersonEntry.model_validate(entry(id_number="001085019999")))


def test_namesakes_are_described_by_date_of_birth_and_position() -> None:
    assert rules.describe(person()) == "Nguyễn Văn An (sinh 12/03/1985, Tổ trưởng, định danh ••••••••2345)"


def test_a_person_of_the_register_is_one_active_identity_whatever_unit_or_spelling() -> None:
    nominee = Nominee(kind="individual", name="Nguyễn Văn An", person_id="p-1")
    namesake = Nominee(kind="individual", name="Nguyễn Văn An", person_id="p-2")
    assert active_key(DST, nominee, "giay_khen", "2026") == active_key(VANQUAN, nominee, "giay_khen", "2026")
    assert active_key(DST, nominee, "giay_khen", "2026") != active_key(DST, namesake, "giay_khen", "2026")


# The use cases


@dataclass
class World:
    ctx: RegistrationContext
    uow: FakeUnitOfWork
    clock: FixedClock


@pytest_asyncio.fixture
async def world() -> World:
    uow, clock = FakeUnitOfWork(), FixedClock(MARCH_2026)
    ctx = RegistrationContext(uow=uow, clock=clock, rules=default_rulebook())
    await units.load_units(ctx, load_units())
    return World(ctx=ctx, uow=uow, clock=clock)


async def add(world: World, who: Actor = DST_OFFICER, unit: str = DST, **facts: Any) -> str:
    body = {"unit_code": unit, "joined_on": date(2020, 1, 1), **entry(**facts)}
    return (await people.create_person(world.ctx, who, NewPerson.model_validate(body))).id


def draft(unit: str, award: str, period: str, person_id: str | None, name: str = "Nguyễn Văn An") -> NominationDraft:
    nominee: dict[str, Any] = {"kind": "individual", "name": name}
    if person_id:
        nominee["person_id"] = person_id
    return NominationDraft.model_validate(
        {
            "unit_code": unit,
            "award_code": award,
            "period": period,
            "nominee": nominee,
            "achievements": f"Hoàn thành xuất sắc nhiệm vụ năm {period}, có sáng kiến được công nhận.",
        }
    )


def grant(world: World, nomination_id: str, award_code: str, period: str) -> None:
    """What review and awards would have done: the nomination granted, for the award and year given."""
    row = world.uow.state.nominations[nomination_id]
    world.uow.state.nominations[nomination_id] = replace(
        row, award_code=award_code, period=period, status=Status.GRANTED, active_key=None
    )


@pytest.mark.asyncio
async def test_a_person_is_added_read_and_edited_by_their_unit_with_the_number_masked(world: World) -> None:
    person_id = await add(world, gender="female", id_number="001185054321", position="Kế toán")

    view = await people.get_person(world.ctx, DST_OFFICER, PersonId(id=person_id))
    assert (view.full_name, view.salutation, view.id_masked, view.position) == ("Nguyễn Văn An", "Bà", "••••••••4321", "Kế toán")
    assert "001185054321" not in view.model_dump_json()

    edit = EditPerson.model_validate({"id": person_id, **entry(name="Nguyễn Thị An", gender="female")})
    edited = await people.update_person(world.ctx, DST_OFFICER, edit)
    assert (edited.full_name, edited.id_masked, edited.position) == ("Nguyễn Thị An", "••••••••4321", None)


@pytest.mark.asyncio
async def test_a_unit_sees_its_own_people_an_upper_unit_its_subtree_and_no_one_anothers(world: World) -> None:
    mine = await add(world)
    theirs = await add(world, VANQUAN_OFFICER, VANQUAN, name="Trần Thị Bình")

    assert [p.id for p in (await people.list_people(world.ctx, DST_OFFICER, PeopleQuery())).items] == [mine]
    assert [p.id for p in (await people.list_people(world.ctx, SONTAY_APPROVER, PeopleQuery())).items] == [mine]
    hanoi = await people.list_people(world.ctx, HANOI_APPROVER, PeopleQuery(unit_code="HN"))
    assert {p.id for p in hanoi.items} == {mine, theirs}
    with pytest.raises(Forbidden):
        await people.get_person(world.ctx, DST_OFFICER, PersonId(id=theirs))
    with pytest.raises(Forbidden):
        await people.list_people(world.ctx, DST_OFFICER, PeopleQuery(unit_code=VANQUAN))
    with pytest.raises(Forbidden):
        await add(world, DST_OFFICER, VANQUAN)
    with pytest.raises(Forbidden):
        await people.transfer_person(world.ctx, DST_OFFICER, TransferPerson(id=theirs, to_unit_code=DST, on=TODAY))


@pytest.mark.asyncio
async def test_the_search_ignores_diacritics_and_case(world: World) -> None:
    await add(world)
    await add(world, name="Trần Thị Bình")

    found = await people.list_people(world.ctx, DST_OFFICER, PeopleQuery(q="nguyen van"))
    assert [p.full_name for p in found.items] == ["Nguyễn Văn An"]


@pytest.mark.asyncio
async def test_namesakes_in_one_unit_are_nominated_separately_with_separate_histories(world: World) -> None:
    first = await add(world, born=date(1985, 3, 12), position="Tổ trưởng")
    second = await add(world, born=date(1992, 7, 1), position="Công nhân")

    one = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", first))
    two = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", second))
    assert (one.nominee.person_id, two.nominee.person_id) == (first, second)
    assert (one.nominee.position, one.nominee.birth_year) == ("Tổ trưởng", 1985)

    with pytest.raises(Conflict):  # the same person twice for the same award and year stays a duplicate
        await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", first))
    titles = await people.get_person(world.ctx, DST_OFFICER, PersonId(id=second))
    assert [t.nomination_id for t in titles.titles] == [two.id]


@pytest.mark.asyncio
async def test_a_person_of_another_unit_cannot_be_nominated(world: World) -> None:
    theirs = await add(world, VANQUAN_OFFICER, VANQUAN)

    with pytest.raises(ValidationFailed) as refused:
        await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", theirs))
    assert (refused.value.fields[0].field, refused.value.code) == ("nominee.person_id", "person_not_in_unit")
    assert world.uow.state.nominations == {}


@pytest.mark.asyncio
async def test_titles_follow_a_person_transferred_to_another_unit_into_the_consecutive_check(world: World) -> None:
    """Chiến sĩ thi đua cơ sở 2023–2025 in Đường sắt Sơn Tây, transferred to Văn Quán in 2026: Văn Quán's nomination for
    Chiến sĩ thi đua cấp tỉnh sees three consecutive years, while a namesake there has none on record."""
    person_id = await add(world, born=date(1985, 3, 12))
    for year in ("2023", "2024", "2025"):
        n = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", person_id))
        grant(world, n.id, "chien_si_thi_dua_co_so", year)
    await people.transfer_person(world.ctx, DST_OFFICER, TransferPerson(id=person_id, to_unit_code=VANQUAN, on=date(2026, 1, 15)))
    namesake = await add(world, VANQUAN_OFFICER, VANQUAN, born=date(1990, 9, 9))

    moved = await nominations.submit(world.ctx, VANQUAN_OFFICER, draft(VANQUAN, "chien_si_thi_dua_cap_tinh", "2026", person_id))
    other = await nominations.submit(world.ctx, VANQUAN_OFFICER, draft(VANQUAN, "chien_si_thi_dua_cap_tinh", "2026", namesake))

    chain = next(c for c in moved.eligibility if c.rule == "consecutive_titles")
    assert chain.status == "pass", chain.message
    assert "2023, 2024, 2025" in chain.message
    assert next(c for c in other.eligibility if c.rule == "consecutive_titles").status == "warning"  # nothing on record
    view = await people.get_person(world.ctx, VANQUAN_OFFICER, PersonId(id=person_id))
    assert [s.unit_code for s in view.units] == [DST, VANQUAN]
    assert [t.unit_code for t in view.titles].count(DST) == 3


@pytest.mark.asyncio
async def test_once_in_a_lifetime_follows_the_person_not_the_unit_and_name(world: World) -> None:
    person_id = await add(world)
    n = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", person_id))
    grant(world, n.id, "giai_thuong_nguyen_van_linh", "2024")
    await people.transfer_person(world.ctx, DST_OFFICER, TransferPerson(id=person_id, to_unit_code=VANQUAN, on=date(2026, 1, 15)))
    namesake = await add(world, VANQUAN_OFFICER, VANQUAN, born=date(1990, 9, 9))

    with pytest.raises(ValidationFailed) as refused:
        await nominations.submit(world.ctx, VANQUAN_OFFICER, draft(VANQUAN, "giai_thuong_nguyen_van_linh", "2026", person_id))
    assert "chỉ được tặng một lần" in refused.value.fields[0].message
    accepted = await nominations.submit(
        world.ctx, VANQUAN_OFFICER, draft(VANQUAN, "giai_thuong_nguyen_van_linh", "2026", namesake)
    )
    assert accepted.nominee.person_id == namesake


@pytest.mark.asyncio
async def test_a_nomination_without_a_person_works_as_before(world: World) -> None:
    view = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", None))
    assert (view.nominee.person_id, view.nominee.name) == (None, "Nguyễn Văn An")


def rows(*items: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"row": i + 2, **item} for i, item in enumerate(items)]


@pytest.mark.asyncio
async def test_an_import_adds_the_members_and_a_second_import_of_the_same_file_changes_nothing(world: World) -> None:
    body: dict[str, Any] = {
        "unit_code": DST,
        "rows": rows(entry(gender="male"), entry("Trần Thị Bình", date(1990, 1, 2), gender="female")),
    }

    first = await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate(body))
    again = await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate(body))

    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert len(world.uow.state.people) == 2
    body["rows"][0]["position"] = "Tổ trưởng"
    changed = await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate(body))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)


@pytest.mark.asyncio
async def test_an_import_with_a_bad_row_adds_nobody_unless_only_valid_rows_are_asked_for(world: World) -> None:
    body: dict[str, Any] = {
        "unit_code": DST,
        "rows": rows(entry(), entry("Lê Văn Cường", date(2020, 1, 1)), entry()),  # a child; a repeated row
    }
    with pytest.raises(ValidationFailed) as refused:
        await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate(body))
    assert [f.field for f in refused.value.fields] == ["rows.1.birth_date", "rows.2.full_name"]
    assert "Trùng với dòng 2" in refused.value.fields[1].message
    assert world.uow.state.people == {}

    partial = await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate({**body, "valid_only": True}))
    assert partial.created == 1
    assert [(s.row, s.field) for s in partial.skipped] == [(3, "birth_date"), (4, "full_name")]
    assert len(world.uow.state.people) == 1


@pytest.mark.asyncio
async def test_an_import_row_that_could_be_either_of_two_namesakes_is_refused(world: World) -> None:
    await add(world)
    await add(world, id_number="001085011111")  # the same name and date of birth, told apart by the number only

    body = {"unit_code": DST, "rows": rows(entry())}
    with pytest.raises(ValidationFailed) as refused:
        await people.import_people(world.ctx, DST_OFFICER, ImportPeople.model_validate(body))
    assert "số định danh" in refused.value.fields[0].message


@pytest.mark.asyncio
async def test_a_returned_dossier_of_a_person_transferred_since_is_still_corrected_and_resubmitted(world: World) -> None:
    person_id = await add(world)
    submitted = await nominations.submit(world.ctx, DST_OFFICER, draft(DST, "giay_khen_ldld_huyen", "2026", person_id))
    sontay = next(u for u in submitted.unit_path if u.code == "HN-SONTAY")
    world.clock.advance(timedelta(hours=1))
    await reactions.on_review_event(
        world.ctx,
        TaskOpened(
            occurred_at=world.ctx.clock.now(),
            task=TaskSnapshot(task_id="t-1", nomination_id=submitted.id, unit=sontay, state="open", round=1),
        ),
    )
    await reactions.on_review_event(
        world.ctx,
        NominationReturned(
            occurred_at=world.ctx.clock.now(), actor=SONTAY_APPROVER, nomination_id=submitted.id, unit=sontay, reason="Bổ sung"
        ),
    )
    world.clock.advance(timedelta(days=10))
    moved = TransferPerson(id=person_id, to_unit_code=VANQUAN, on=date(2026, 3, 10))
    await people.transfer_person(world.ctx, DST_OFFICER, moved)

    edit = EditNomination.model_validate(
        {"id": submitted.id, "achievements": "Bổ sung số liệu: 3 sáng kiến, làm lợi 120 triệu đồng."}
    )
    resubmitted = await nominations.resubmit(world.ctx, DST_OFFICER, edit)

    assert (resubmitted.round, resubmitted.nominee.person_id) == (2, person_id)
