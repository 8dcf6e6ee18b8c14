"""The register of people over the real path, on SQLite and PostgreSQL: the portal's API (under uvicorn) asks
registration over a real nats-server. Namesakes added and nominated apart, a transfer that takes the titles along,
who may see whom, and the member list imported from the .xlsx template: good file, bad rows, the same file again."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import sqlalchemy as sa
from openpyxl import load_workbook

from services.registration import routes as registration_routes
from services.registration import store
from services.registration.usecases import nominations, people
from services.registration.usecases import units as registration_units
from services.registration.usecases.context import RegistrationContext
from shared.contracts.commands import NominationDraft
from shared.contracts.events import Actor, RoleGrant
from shared.contracts.people import NewPerson, PersonId, TransferPerson
from shared.contracts.subjects import REGISTRATION_FROM_AWARDS, REGISTRATION_FROM_REVIEW
from shared.platform.service import ServiceContext
from shared.platform.topology import ensure_topology
from shared.rules import reference
from tests.integration.conftest import running_broker
from tests.integration.portal_app import RunningPortal, running_portal

pytestmark = pytest.mark.asyncio

DST = "HN-SONTAY-DST"
VANQUAN = "HN-HADONG-VANQUAN"


@pytest_asyncio.fixture
async def world(
    service_context: Callable[..., Any], clean_nats: str, tmp_path: Path
) -> AsyncIterator[tuple[RunningPortal, ServiceContext]]:
    """Registration on the test's database (SQLite or PostgreSQL) answering the portal."""
    reg: ServiceContext = await service_context("registration")
    await registration_units.load_units(RegistrationContext.of(reg), reference.load_units())
    await ensure_topology(clean_nats, (REGISTRATION_FROM_REVIEW, REGISTRATION_FROM_AWARDS))
    async with (
        running_broker(clean_nats, "registration", lambda router, broker: registration_routes.wire(router, broker, reg)),
        running_portal(clean_nats, f"sqlite+aiosqlite:///{tmp_path / 'portal.db'}", tmp_path) as portal,
    ):
        yield portal, reg


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def nomination(
    person_id: str | None, unit: str = DST, award: str = "giay_khen_ldld_huyen", name: str = "Nguyễn Văn An"
) -> dict[str, Any]:
    nominee: dict[str, Any] = {"kind": "individual", "name": name}
    if person_id:
        nominee["person_id"] = person_id
    return {
        "unit_code": unit,
        "award_code": award,
        "period": "2026",
        "nominee": nominee,
        "achievements": "Hoàn thành xuất sắc nhiệm vụ, có sáng kiến được công nhận cấp cơ sở.",
    }


async def test_namesakes_are_added_nominated_apart_and_a_transfer_takes_their_titles(
    world: tuple[RunningPortal, ServiceContext],
) -> None:
    portal, reg = world
    async with portal.client() as http:
        dst = bearer(await portal.token(http, "cdcs.dst"))
        vanquan = bearer(await portal.token(http, "cdcs.vanquan"))
        sontay = bearer(await portal.token(http, "ld.sontay"))

        older = {
            "unit_code": DST,
            "full_name": "Nguyễn Văn An",
            "birth_date": "1975-02-01",
            "gender": "male",
            "joined_on": "2020-01-01",
        }
        created = await http.post(
            "/api/v1/people", headers=dst, json={**older, "position": "Tổ trưởng", "id_number": "001075012345"}
        )
        assert created.status_code == 201, created.text
        first = created.json()
        assert (first["id_masked"], first["salutation"]) == ("••••••••2345", "Ông")
        assert "001075012345" not in created.text
        second = (
            await http.post("/api/v1/people", headers=dst, json={**older, "birth_date": "1994-06-30", "position": "Công nhân"})
        ).json()

        listed = (await http.get("/api/v1/people", headers=dst, params={"unit_code": DST, "q": "nguyen van an"})).json()
        assert [(p["birth_date"], p["position"]) for p in listed["items"]] == [
            ("1975-02-01", "Tổ trưởng"),
            ("1994-06-30", "Công nhân"),
        ]
        assert (await http.get(f"/api/v1/people/{first['id']}", headers=vanquan)).status_code == 403

        one = await http.post("/api/v1/nominations", headers=dst, json=nomination(first["id"]))
        two = await http.post("/api/v1/nominations", headers=dst, json=nomination(second["id"]))
        assert (one.status_code, two.status_code) == (201, 201), (one.text, two.text)
        assert one.json()["nominee"]["position"] == "Tổ trưởng"
        again = await http.post("/api/v1/nominations", headers=dst, json=nomination(first["id"]))
        assert again.status_code == 409
        legacy = await http.post("/api/v1/nominations", headers=dst, json=nomination(None, name="Lê Thị Hoa"))
        assert legacy.status_code == 201, legacy.text

        refused = await http.post(
            f"/api/v1/people/{first['id']}/transfer", headers=dst, json={"to_unit_code": VANQUAN, "on": "2027-01-01"}
        )
        assert refused.status_code == 422
        assert refused.json()["fields"][0]["field"] == "on"
        moved = await http.post(
            f"/api/v1/people/{first['id']}/transfer",
            headers=sontay,
            json={"to_unit_code": VANQUAN, "on": "2026-02-15", "note": "QĐ 5/QĐ-CĐ"},
        )
        assert moved.status_code == 200, moved.text

        seen = (await http.get(f"/api/v1/people/{first['id']}", headers=vanquan)).json()
        assert [(u["unit_code"], u["valid_to"]) for u in seen["units"]] == [(DST, "2026-02-15"), (VANQUAN, None)]
        assert [t["nomination_id"] for t in seen["titles"]] == [one.json()["id"]]
        assert (await http.get(f"/api/v1/people/{first['id']}", headers=dst)).status_code == 403
        # the same person and award in another unit is the same active identity
        assert (await http.post("/api/v1/nominations", headers=vanquan, json=nomination(first["id"], VANQUAN))).status_code == 409
        not_theirs = await http.post("/api/v1/nominations", headers=dst, json=nomination(first["id"], award="bang_khen_ldld_tp"))
        assert not_theirs.status_code == 422
        assert not_theirs.json()["fields"][0]["field"] == "nominee.person_id"

        edited = await http.put(
            f"/api/v1/people/{second['id']}", headers=dst, json={"full_name": "Nguyễn Văn Ân", "birth_date": "1994-06-30"}
        )
        assert edited.status_code == 200, edited.text

    async with reg.engine.connect() as conn:
        kept = (await conn.execute(sa.select(store.people.c.id_last4).where(store.people.c.id == first["id"]))).scalar()
        by_person = await conn.execute(sa.select(store.nominations.c.person_id).where(store.nominations.c.person_id.is_not(None)))
        assert kept == "2345"
        assert sorted(by_person.scalars()) == sorted([first["id"], second["id"]])


def workbook(template: bytes, rows: list[list[Any]]) -> bytes:
    book = load_workbook(BytesIO(template))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


async def upload(http: httpx.AsyncClient, token: str, data: bytes, **fields: str) -> httpx.Response:
    files = {"file": ("doan-vien.xlsx", data, "application/octet-stream")}
    return await http.post("/api/v1/people/import.xlsx", headers=bearer(token), data={"unit_code": DST, **fields}, files=files)


async def test_a_member_list_is_imported_once_and_a_bad_row_is_named_by_row_and_column(
    world: tuple[RunningPortal, ServiceContext],
) -> None:
    portal, _ = world
    async with portal.client() as http:
        token = await portal.token(http, "cdcs.dst")
        template = await http.get("/api/v1/people/template.xlsx", headers=bearer(token))
        assert template.status_code == 200
        good: list[list[Any]] = [
            ["Nguyễn Văn An", "12/03/1985", "Nam", "001085012345", "Tổ trưởng"],
            ["Trần Thị Bình", date(1990, 1, 2), "Nữ", 1090012345, "Kế toán"],  # a number cell: its leading zero restored
        ]

        first = await upload(http, token, workbook(template.content, good))
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["unchanged"]) == (2, 0)
        again = await upload(http, token, workbook(template.content, good))
        assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (0, 0, 2)

        bad: list[list[Any]] = [
            *good,
            ["Lê Văn Cường", "31/02/1990", "Nam", "", ""],
            ["Phạm Thị Dung", "01/01/1991", "Không rõ", "123", ""],
        ]
        refused = await upload(http, token, workbook(template.content, bad))
        assert refused.status_code == 422
        messages = [e["message"] for e in refused.json()["fields"]]
        assert messages[0].startswith("Dòng 4, Ngày sinh (dd/mm/yyyy):")
        assert any(m.startswith("Dòng 5, Giới tính (Nam/Nữ):") for m in messages)
        listed = (await http.get("/api/v1/people", headers=bearer(token), params={"unit_code": DST})).json()
        assert listed["total"] == 2  # nothing of the refused file

        partial = await upload(
            http, token, workbook(template.content, [*bad, ["Hoàng Văn Em", "05/05/1995", "Nam", "", ""]]), valid_only="true"
        )
        assert partial.status_code == 200, partial.text
        assert (partial.json()["created"], partial.json()["unchanged"]) == (1, 2)
        listed = (await http.get("/api/v1/people", headers=bearer(token), params={"unit_code": DST, "q": "Binh"})).json()
        assert [p["id_masked"] for p in listed["items"]] == ["••••••••2345"]

        other = await http.post(
            "/api/v1/people/import.xlsx",
            headers=bearer(await portal.token(http, "cdcs.vanquan")),
            data={"unit_code": DST},
            files={"file": ("x.xlsx", workbook(template.content, good), "application/octet-stream")},
        )
        assert other.status_code == 403


async def test_a_title_won_in_one_unit_counts_for_next_years_chain_in_the_unit_the_person_moved_to(
    service_context: Callable[..., Any],
) -> None:
    """On each database: Chiến sĩ thi đua cơ sở 2023–2025 in Đường sắt Sơn Tây, a transfer to Văn Quán, and Văn Quán's
    2026 nomination for Chiến sĩ thi đua cấp tỉnh judged on the person's three consecutive years; a namesake in Văn Quán
    has none on record."""
    reg: ServiceContext = await service_context("registration")
    ctx = RegistrationContext.of(reg)
    await registration_units.load_units(ctx, reference.load_units())
    dst_officer = Actor(user_id="u-dst", username="cdcs.dst", roles=(RoleGrant(role="submitter", unit_code=DST),))
    vanquan_officer = Actor(user_id="u-vq", username="cdcs.vanquan", roles=(RoleGrant(role="submitter", unit_code=VANQUAN),))

    async def person(who: Actor, unit: str, born: str) -> str:
        body = {"unit_code": unit, "full_name": "Nguyễn Văn An", "birth_date": born, "joined_on": "2020-01-01"}
        return (await people.create_person(ctx, who, NewPerson.model_validate(body))).id

    moving = await person(dst_officer, DST, "1980-01-01")
    for year in ("2023", "2024", "2025"):
        n = await nominations.submit(ctx, dst_officer, NominationDraft.model_validate(nomination(moving)))
        async with reg.engine.begin() as conn:  # what review and awards did: granted, for that year's title
            await conn.execute(
                store.nominations.update()
                .where(store.nominations.c.id == n.id)
                .values(award_code="chien_si_thi_dua_co_so", period=year, status="granted", active_key=None)
            )
    transfer = TransferPerson(id=moving, to_unit_code=VANQUAN, on=date(2026, 2, 1), note="QĐ 7")
    await people.transfer_person(ctx, dst_officer, transfer)
    namesake = await person(vanquan_officer, VANQUAN, "1991-01-01")

    def provincial(person_id: str) -> NominationDraft:
        return NominationDraft.model_validate(nomination(person_id, VANQUAN, "chien_si_thi_dua_cap_tinh"))

    moved = await nominations.submit(ctx, vanquan_officer, provincial(moving))
    other = await nominations.submit(ctx, vanquan_officer, provincial(namesake))

    chain = next(c for c in moved.eligibility if c.rule == "consecutive_titles")
    assert (chain.status, "2023, 2024, 2025" in chain.message) == ("pass", True), chain.message
    assert next(c for c in other.eligibility if c.rule == "consecutive_titles").status == "warning"
    view = await people.get_person(ctx, vanquan_officer, PersonId(id=moving))
    assert [(s.unit_code, s.valid_to) for s in view.units] == [(DST, date(2026, 2, 1)), (VANQUAN, None)]
    assert sorted(t.period for t in view.titles) == ["2023", "2024", "2025", "2026"]
