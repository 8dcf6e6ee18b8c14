"""Sổ văn bản đi: one register per issuing unit per year, decisions and tờ trình numbered in one gapless sequence,
read in number order by the unit's own people, page by page and as an .xlsx."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from services.awards.usecases import outgoing
from shared.contracts.errors import Forbidden
from shared.contracts.events import NominationApproved, NominationsApproved
from shared.contracts.operations.awards import OutgoingQuery, OutgoingWorkbook
from tests.fakes.awards import FakeAwards, approve_and_sign, fake_awards
from tests.unit.factories import TREE, actor, unit
from tests.unit.test_awards_usecases import HANOI, nomination

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
HN_PEOPLE = actor("u-hn", ("approver", "HN"), full_name="Lãnh đạo LĐLĐ TP")
SONTAY = actor("u-st", ("approver", "HN-SONTAY"))


@pytest.fixture
def awards() -> FakeAwards:
    return fake_awards(TREE, now=NOW, base_salary_vnd=2_340_000)


async def two_kinds(awards: FakeAwards) -> None:
    """LĐLĐ TP signs a tờ trình for a state title and a decision, then another decision: numbers 1, 2, 3."""
    batch = [nomination("n-1", "chien_si_thi_dua_cap_tinh"), nomination("n-2", "bang_khen_ldld_tp")]
    await approve_and_sign(
        awards,
        NominationsApproved(occurred_at=NOW, actor=HANOI, batch_id="b-1", issuer=unit("HN"), nominations=batch),
        NominationApproved(occurred_at=NOW, actor=HANOI, nomination=nomination("n-3", "bang_khen_ldld_tp"), issuer=unit("HN")),
        unit_prize=1_000_000,  # Bằng khen LĐLĐ TP: no amount in the catalogue, the unit's own
    )


@pytest.mark.asyncio
async def test_the_register_lists_every_kind_in_one_sequence_with_its_subject_signer_and_addressee(awards: FakeAwards) -> None:
    await two_kinds(awards)

    register = await outgoing.outgoing_register(awards.context, HN_PEOPLE, OutgoingQuery(unit_code="HN", year=2026))

    assert register.total == 3
    assert [(d.number, d.number_text, d.kind_label) for d in register.items] == [
        (1, "1/TTr-LĐLĐ", "Tờ trình"),
        (2, "2/QĐ-LĐLĐ", "Quyết định"),
        (3, "3/QĐ-LĐLĐ", "Quyết định"),
    ]
    first, second, _ = register.items
    assert first.subject.startswith("Về việc đề nghị tặng")
    assert first.addressee == "Ủy ban nhân dân thành phố Hà Nội"  # the tờ trình's "Kính gửi" (legal_basis.toml)
    assert second.subject.startswith("Về việc khen thưởng")
    assert second.subject.endswith("năm 2026")
    assert second.signed_by == "Chủ tịch Liên đoàn Lao động Thành phố Hà Nội"
    assert [d.listed for d in register.items] == [1, 1, 1]


@pytest.mark.asyncio
async def test_the_register_is_walked_page_by_page_and_read_only_by_the_units_people(awards: FakeAwards) -> None:
    await two_kinds(awards)
    first = await outgoing.outgoing_register(awards.context, HN_PEOPLE, OutgoingQuery(unit_code="HN", year=2026, limit=2))
    assert first.next_cursor is not None
    rest = await outgoing.outgoing_register(
        awards.context, HN_PEOPLE, OutgoingQuery(unit_code="HN", year=2026, limit=2, cursor=first.next_cursor)
    )
    assert [d.number for d in [*first.items, *rest.items]] == [1, 2, 3]
    assert rest.next_cursor is None
    with pytest.raises(Forbidden) as refused:
        await outgoing.outgoing_register(awards.context, SONTAY, OutgoingQuery(unit_code="HN", year=2026))
    assert refused.value.code == "not_of_unit"
    empty = await outgoing.outgoing_register(awards.context, HN_PEOPLE, OutgoingQuery(unit_code="HN", year=2025))
    assert (empty.total, empty.items) == (0, [])


@pytest.mark.asyncio
async def test_the_whole_years_register_is_a_workbook_with_numbers_as_numbers(awards: FakeAwards) -> None:
    await two_kinds(awards)
    file = await outgoing.outgoing_workbook(awards.context, HN_PEOPLE, OutgoingWorkbook(unit_code="HN", year=2026))
    assert file.filename == "so-van-ban-di-HN-2026.xlsx"
    sheet = load_workbook(io.BytesIO(base64.b64decode(file.content_base64))).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM 2026"
    assert rows[3][:2] == ["Số", "Số, ký hiệu"]
    assert [(r[0], r[1], r[2]) for r in rows[4:]] == [
        (1, "1/TTr-LĐLĐ", "02/03/2026"),
        (2, "2/QĐ-LĐLĐ", "02/03/2026"),
        (3, "3/QĐ-LĐLĐ", "02/03/2026"),
    ]
