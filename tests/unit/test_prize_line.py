"""The approver who issues a decision sees the prize it will print: the amount, "chưa xác định" where the catalogue
has no confirmed amount, or no prize where the catalogue confirms there is none."""

from __future__ import annotations

from typing import Any

import pytest

from services.portal.web.tasks import prize_line
from tests.unit.factories import actor


class Catalog:
    def __init__(self, award: dict[str, Any]) -> None:
        self.award = award

    async def call(self, service: str, operation: str, who: Any, params: Any = None) -> dict[str, Any]:
        assert (service, operation) == ("awards", "list_catalog")
        return {"awards": [self.award]}


def award(amount: int, confirmed: bool, outcome: str = "decision", prize_kind: str = "coefficient") -> dict[str, Any]:
    return {
        "code": "bk",
        "outcome": outcome,
        "prize_vnd": {"individual": amount},
        "coefficient_confirmed": confirmed,
        "prize_kind": prize_kind,
    }


NOMINATION = {"award_code": "bk", "nominee": {"kind": "individual", "name": "Nguyễn Văn A"}}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("catalogued", "expected"),
    [
        (award(710_000, True), "710.000 đ (theo hệ số và mức lương cơ sở hiện hành)"),
        (award(0, False), "chưa xác định (danh mục khen thưởng chưa có mức tiền thưởng được xác nhận)"),
        (award(0, True), "không kèm tiền thưởng"),
        (award(0, False, "proposal"), ""),  # a state title: a tờ trình, no prize of the union's
        (award(1_000_000, False, prize_kind="flat"), "1.000.000 đ (mức của danh mục khen thưởng)"),
        (award(0, False, prize_kind="flat"), "tiền thưởng do đơn vị quyết định khi ký"),
        (award(500_000, False, prize_kind="gift"), "tặng phẩm trị giá 500.000 đ"),
        (award(0, False, prize_kind="none"), "không kèm tiền thưởng"),
    ],
)
async def test_the_prize_line_says_the_amount_or_that_it_is_not_known(catalogued: dict[str, Any], expected: str) -> None:
    gateway: Any = Catalog(catalogued)
    assert await prize_line(gateway, actor("u-1", ("approver", "HN")), NOMINATION) == expected
