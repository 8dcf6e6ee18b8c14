"""The store's queries on the register of people: a person and their units over time, the people of some units,
and the nominations of one person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from services.registration.domain.nomination import Status
from services.registration.domain.people import Person, UnitSpan
from services.registration.store.records import NominationRow
from services.registration.store.rows import OnConnection, as_utc, nomination_row, status_values
from services.registration.store.tables import nominations, people, person_units
from shared.rules.text import normalize_name


def _person(r: Any, spans: Iterable[Any]) -> Person:
    return Person(
        id=r["id"],
        full_name=r["full_name"],
        birth_date=r["birth_date"],
        gender=r["gender"],
        id_last4=r["id_last4"],
        position=r["position"],
        unit_code=r["unit_code"],
        history=tuple(
            UnitSpan(unit_code=s["unit_code"], valid_from=s["valid_from"], valid_to=s["valid_to"], note=s["note"]) for s in spans
        ),
        created_at=as_utc(r["created_at"]),
        created_by=r["created_by"],
        updated_at=as_utc(r["updated_at"]),
        updated_by=r["updated_by"],
    )


def _values(p: Person) -> dict[str, Any]:
    return {
        "full_name": p.full_name,
        "name_search": normalize_name(p.full_name),
        "birth_date": p.birth_date,
        "gender": p.gender,
        "id_last4": p.id_last4,
        "position": p.position,
        "unit_code": p.unit_code,
        "created_by": p.created_by,
        "created_at": p.created_at,
        "updated_by": p.updated_by,
        "updated_at": p.updated_at,
    }


class PeopleQueries(OnConnection):
    async def person(self, person_id: str, *, for_update: bool = False) -> Person | None:
        query = sa.select(people).where(people.c.id == person_id)
        if for_update:
            query = query.with_for_update()
        found = await self.mappings(query)
        if not found:
            return None
        return (await self._with_history(found))[0]

    async def people(
        self, unit_codes: frozenset[str] | None, name: str | None, *, limit: int, offset: int = 0
    ) -> tuple[int, list[Person]]:
        p = people
        where: list[sa.ColumnElement[bool]] = []
        if unit_codes is not None:
            where.append(p.c.unit_code.in_(sorted(unit_codes)))
        if name and normalize_name(name):
            where.append(p.c.name_search.contains(normalize_name(name), autoescape=True))
        total = await self.conn.scalar(sa.select(sa.func.count()).select_from(p).where(*where))
        query = (
            sa.select(p)
            .where(*where)
            .order_by(p.c.name_search, sa.nulls_first(p.c.birth_date), p.c.id)
            .limit(limit)
            .offset(offset)
        )
        return int(total or 0), await self._with_history(await self.mappings(query))

    async def _with_history(self, rows: list[Any]) -> list[Person]:
        if not rows:
            return []
        u = person_units
        spans: dict[str, list[Any]] = {}
        ids = sorted(r["id"] for r in rows)
        for span in await self.mappings(sa.select(u).where(u.c.person_id.in_(ids)).order_by(u.c.valid_from, u.c.id)):
            spans.setdefault(span["person_id"], []).append(span)
        return [_person(r, spans.get(r["id"], [])) for r in rows]

    async def add_person(self, person: Person) -> None:
        await self.conn.execute(people.insert().values(id=person.id, **_values(person)))
        await self._write_history(person)

    async def save_person(self, person: Person) -> None:
        await self.conn.execute(people.update().where(people.c.id == person.id).values(**_values(person)))
        await self._write_history(person)

    async def _write_history(self, person: Person) -> None:
        u = person_units
        await self.conn.execute(u.delete().where(u.c.person_id == person.id))
        await self.conn.execute(
            u.insert(),
            [
                {
                    "person_id": person.id,
                    "unit_code": s.unit_code,
                    "valid_from": s.valid_from,
                    "valid_to": s.valid_to,
                    "note": s.note,
                }
                for s in person.history
            ],
        )

    async def nominations_of_person(
        self, person_id: str, statuses: frozenset[Status], *, except_id: str | None = None
    ) -> list[NominationRow]:
        n = nominations
        query = sa.select(n).where(n.c.person_id == person_id, n.c.status.in_(status_values(statuses)))
        if except_id is not None:
            query = query.where(n.c.id != except_id)
        return [nomination_row(r) for r in await self.mappings(query.order_by(n.c.period, n.c.created_at, n.c.id))]
