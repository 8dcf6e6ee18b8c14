"""The register of people: list and read a unit's people, add, edit and transfer one, import a CĐCS's members from
rows of a spreadsheet (the portal reads the file). A unit sees and edits its own people, an upper unit those of its
subtree; the administrator every one. One transaction each.

A nomination for an individual names a person of the register (`nominee.person_id`): `registered_nominee` checks
the person belongs to the nominating unit and takes their name, date of birth, gender and position from the
register; `prior_of_person` finds their other nominations whichever unit made them."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.registration.domain import people as rules
from services.registration.domain.nomination import STATUS_LABELS_VI, Status
from services.registration.domain.people import Person
from services.registration.store import Store
from services.registration.store.records import NominationRow
from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import FieldError, Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor, Nominee
from shared.contracts.people import (
    EditPerson,
    ImportOutcome,
    ImportPeople,
    ImportProblem,
    NewPerson,
    PeoplePage,
    PeopleQuery,
    PersonEntry,
    PersonId,
    PersonSpan,
    PersonSummary,
    PersonTitle,
    PersonView,
    TransferPerson,
)
from shared.rules.reference import UnitTree

# Who keeps a unit's people: its officers (submitters, administrators) and its superiors' approvers.
KEEPERS = ("submitter", "unit_admin", "approver")
BIRTH_YEARS = (1930, 2015)  # what a nominee's `birth_year` takes


# Who may


def _scope(actor: Actor) -> set[str]:
    return {g.unit_code for g in actor.roles if g.role in KEEPERS and g.unit_code}


def may_keep(actor: Actor, tree: UnitTree, unit_code: str, on: date) -> bool:
    """Whether the actor keeps the people of `unit_code`: an officer of it or of a unit above it on that day."""
    if actor.is_admin:
        return True
    path = tree.path_on(unit_code, on) or tree.path(unit_code)
    return bool({u.code for u in path} & _scope(actor))


def _may_see(actor: Actor, tree: UnitTree, unit_code: str, on: date) -> bool:
    return actor.sees_everything() or may_keep(actor, tree, unit_code, on)


def _require_keeper(actor: Actor, tree: UnitTree, unit_code: str, on: date) -> None:
    if not may_keep(actor, tree, unit_code, on):
        raise Forbidden("Người này không thuộc đơn vị của bạn", code="not_your_person")


def _subtree(tree: UnitTree, roots: set[str], on: date) -> frozenset[str]:
    found: set[str] = set()
    todo = [r for r in roots if tree.get(r) is not None]
    while todo:
        code = todo.pop()
        if code in found:
            continue
        found.add(code)
        todo.extend(u.code for u in tree.children_on(code, on))
    return frozenset(found)


def _unit_in_force(tree: UnitTree, unit_code: str, on: date, field: str) -> None:
    unit = tree.get(unit_code)
    if unit is None or not unit.exists_on(on):
        raise ValidationFailed.on(field, f"Không có đơn vị mã {unit_code} đang hoạt động", code="unit_not_found")


async def _load(store: Store, person_id: str, *, for_update: bool = False) -> Person:
    person = await store.person(person_id, for_update=for_update)
    if person is None:
        raise NotFound("Không tìm thấy người này trong danh sách", code="person_not_found")
    return person


# Views


def _name(tree: UnitTree, code: str) -> str:
    unit = tree.get(code)
    return unit.name if unit else code


def summary(person: Person, tree: UnitTree) -> PersonSummary:
    return PersonSummary(
        id=person.id,
        full_name=person.full_name,
        birth_date=person.birth_date,
        gender=person.gender,
        salutation=rules.salutation(person.gender),
        id_masked=rules.masked(person.id_last4),
        position=person.position,
        unit_code=person.unit_code,
        unit_name=_name(tree, person.unit_code),
        updated_at=person.updated_at,
    )


def _view(person: Person, tree: UnitTree, nominations: list[NominationRow]) -> PersonView:
    return PersonView(
        **summary(person, tree).model_dump(),
        units=[
            PersonSpan(
                unit_code=s.unit_code,
                unit_name=_name(tree, s.unit_code),
                valid_from=s.valid_from,
                valid_to=s.valid_to,
                note=s.note[:100],
            )
            for s in person.history
        ],
        titles=[
            PersonTitle(
                nomination_id=n.id,
                award_code=n.award_code,
                award_name=n.award_name,
                period=n.period,
                status=n.status.value,
                status_label=STATUS_LABELS_VI[n.status],
                unit_code=n.unit_code,
            )
            for n in nominations[-200:]
        ],
    )


async def _person_view(store: Store, person_id: str) -> PersonView:
    person = await _load(store, person_id)
    return _view(person, await store.tree(), await store.nominations_of_person(person_id, frozenset(Status)))


# Reading


async def list_people(ctx: RegistrationContext, actor: Actor, q: PeopleQuery) -> PeoplePage:
    today = ctx.today()
    async with ctx.uow.reading() as store:
        tree = await store.tree()
        units: frozenset[str] | None
        if q.unit_code:
            if not _may_see(actor, tree, q.unit_code, today):
                raise Forbidden("Đơn vị này không thuộc phạm vi của bạn", code="not_your_unit")
            units = _subtree(tree, {q.unit_code}, today)
        elif actor.sees_everything():
            units = None
        else:
            units = _subtree(tree, _scope(actor), today)
        total, found = await store.people(units, q.q, limit=q.limit, offset=q.offset)
    return PeoplePage(total=total, items=[summary(p, tree) for p in found])


async def get_person(ctx: RegistrationContext, actor: Actor, q: PersonId) -> PersonView:
    async with ctx.uow.reading() as store:
        person = await _load(store, q.id)
        tree = await store.tree()
        if not _may_see(actor, tree, person.unit_code, ctx.today()):
            raise Forbidden("Người này không thuộc đơn vị của bạn", code="not_your_person")
        return _view(person, tree, await store.nominations_of_person(q.id, frozenset(Status)))


# Writing


async def create_person(ctx: RegistrationContext, actor: Actor, cmd: NewPerson) -> PersonView:
    now, today = ctx.clock.now(), ctx.today()
    async with ctx.uow.transaction() as store:
        tree = await store.tree()
        _unit_in_force(tree, cmd.unit_code, today, "unit_code")
        _require_keeper(actor, tree, cmd.unit_code, today)
        person = rules.new_person(str(uuid4()), cmd, cmd.unit_code, cmd.joined_on or today, by=actor.user_id, at=now, today=today)
        await store.add_person(person)
        return await _person_view(store, person.id)


async def update_person(ctx: RegistrationContext, actor: Actor, cmd: EditPerson) -> PersonView:
    now, today = ctx.clock.now(), ctx.today()
    async with ctx.uow.transaction() as store:
        person = await _load(store, cmd.id, for_update=True)
        _require_keeper(actor, await store.tree(), person.unit_code, today)
        entry = PersonEntry.model_validate(cmd.model_dump(include=set(PersonEntry.model_fields)))
        await store.save_person(rules.edited(person, entry, clear_id=cmd.clear_id_number, by=actor.user_id, at=now, today=today))
        return await _person_view(store, cmd.id)


async def transfer_person(ctx: RegistrationContext, actor: Actor, cmd: TransferPerson) -> PersonView:
    """Move a person to another unit: the unit they leave (or one above it) records it; their titles go with them."""
    now, today = ctx.clock.now(), ctx.today()
    async with ctx.uow.transaction() as store:
        person = await _load(store, cmd.id, for_update=True)
        tree = await store.tree()
        _require_keeper(actor, tree, person.unit_code, today)
        _unit_in_force(tree, cmd.to_unit_code, cmd.on, "to_unit_code")
        moved = rules.transferred(person, cmd.to_unit_code, cmd.on, cmd.note, by=actor.user_id, at=now, today=today)
        await store.save_person(moved)
        return await _person_view(store, cmd.id)


async def import_people(ctx: RegistrationContext, actor: Actor, cmd: ImportPeople) -> ImportOutcome:
    """Rows of a CĐCS's member list: each matched to the person of the unit it describes (`rules.same_person`) and
    updated, or added. A row in error refuses the whole import (422, each problem on `rows.<i>.<field>`) unless
    `valid_only`, when the rows in error are skipped and reported. Importing the same file again changes nothing."""
    now, today = ctx.clock.now(), ctx.today()
    created = updated = unchanged = 0
    problems: list[tuple[int, str, str]] = []  # (index in cmd.rows, field, message)
    async with ctx.uow.transaction() as store:
        tree = await store.tree()
        _unit_in_force(tree, cmd.unit_code, today, "unit_code")
        _require_keeper(actor, tree, cmd.unit_code, today)
        _, members = await store.people(frozenset({cmd.unit_code}), None, limit=1_000_000)
        repeats = rules.repeated_rows([(r.row, r) for r in cmd.rows])
        for index, row in enumerate(cmd.rows):
            try:
                rules.check_birth_date(row.birth_date, today)
            except ValidationFailed as exc:
                problems.append((index, "birth_date", exc.fields[0].message))
                continue
            if row.row in repeats:
                problems.append((index, "full_name", f"Trùng với dòng {repeats[row.row]} (cùng họ tên và ngày sinh)"))
                continue
            matched = rules.match(members, row)
            if len(matched) > 1:
                problems.append(
                    (index, "full_name", "Đơn vị có nhiều người trùng họ tên và ngày sinh; hãy ghi số định danh để phân biệt")
                )
                continue
            if matched:
                if rules.changes(matched[0], row):
                    merged = rules.merged(matched[0], row, by=actor.user_id, at=now)
                    await store.save_person(merged)
                    members = [merged if m.id == merged.id else m for m in members]
                    updated += 1
                else:
                    unchanged += 1
                continue
            person = rules.new_person(str(uuid4()), row, cmd.unit_code, today, by=actor.user_id, at=now, today=today)
            await store.add_person(person)
            members.append(person)
            created += 1
        if problems and not cmd.valid_only:
            raise ValidationFailed(
                "Tệp có dòng không hợp lệ; chưa nhập dòng nào",
                fields=[FieldError(field=f"rows.{i}.{field}", message=message) for i, field, message in problems],
                code="import_rows_invalid",
            )
    return ImportOutcome(
        created=created,
        updated=updated,
        unchanged=unchanged,
        skipped=[ImportProblem(row=cmd.rows[i].row, field=field, message=message) for i, field, message in problems],
    )


# For nominations


async def registered_nominee(store: Store, unit_code: str, nominee: Nominee, on: date) -> Nominee:
    """The nominee as the register knows them: a person of the nominating unit (on `on`, the day it was submitted, or
    now: one added while correcting a returned dossier), with their name, gender, year of birth and (unless the form
    gave one) position. A nominee without a person is left as declared."""
    if nominee.person_id is None:
        return nominee
    if nominee.kind != "individual":
        raise ValidationFailed.on("nominee.person_id", "Chỉ chọn người khi đề nghị cá nhân", code="person_for_collective")
    person = await store.person(nominee.person_id)
    if person is None:
        raise ValidationFailed.on("nominee.person_id", "Không tìm thấy người này trong danh sách", code="person_not_found")
    if not any(s.unit_code == unit_code and (s.covers(on) or s.valid_to is None) for s in person.history):
        raise ValidationFailed.on(
            "nominee.person_id",
            f"{person.full_name} không sinh hoạt tại đơn vị nộp hồ sơ (đang ở đơn vị mã {person.unit_code})",
            code="person_not_in_unit",
        )
    born = person.birth_date.year if person.birth_date else None
    return Nominee.model_validate(
        {
            **nominee.model_dump(),
            "name": person.full_name,
            "gender": person.gender or nominee.gender,
            "birth_year": born if born and BIRTH_YEARS[0] <= born <= BIRTH_YEARS[1] else nominee.birth_year,
            "position": nominee.position or person.position,
        }
    )


async def prior_of_person(
    store: Store, person_id: str, statuses: frozenset[Status], except_id: str | None
) -> list[NominationRow]:
    """The person's other nominations: those that name them, in whichever unit, and the older ones of the units they
    belonged to that name nobody in the register but carry their name (made before the register, they cannot tell
    namesakes apart, so they count for each, as they always did)."""
    person = await store.person(person_id)
    found = await store.nominations_of_person(person_id, statuses, except_id=except_id)
    if person is None:
        return found
    for unit_code in rules.units_ever(person):
        older = await store.nominations_of(unit_code, person.full_name, statuses, except_id=except_id)
        found += [n for n in older if n.nominee.person_id is None]
    return found
