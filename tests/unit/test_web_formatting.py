from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.portal.web.dossier_form import draft_body
from services.portal.web.formatting import date_vn, datetime_vn, money
from services.portal.web.forms import form_dates, parse_vn_date, vn_date_text
from services.portal.web.rendering import clock_shift
from shared.platform.clock import FixedClock


def test_dates_show_as_dd_mm_yyyy_in_vietnam_time() -> None:
    late_evening_utc = datetime(2026, 12, 31, 18, 30, tzinfo=UTC)  # already 1 January in Hà Nội
    assert date_vn(late_evening_utc) == "01/01/2027"
    assert datetime_vn("2026-03-02T02:00:00+00:00") == "02/03/2026 09:00"
    assert date_vn(None) == ""


def test_money_uses_dots_between_thousands_and_the_dong_sign() -> None:
    assert money(2_340_000) == "2.340.000 đ"
    assert money(702000) == "702.000 đ"
    assert money(0) == "0 đ"


def test_a_typed_date_is_parsed_or_explained() -> None:
    assert parse_vn_date("20/12/2026") == ("2026-12-20", None)
    assert parse_vn_date("") == (None, None)
    parsed, error = parse_vn_date("2026-12-20")
    assert parsed is None
    assert error is not None
    assert "dd/mm/yyyy" in error


def test_form_fields_become_the_command_body_the_api_takes() -> None:
    body = draft_body(
        {
            "unit_code": "HN-SONTAY-DST",
            "award_code": "giay_khen_ldld_huyen",
            "period": "2026",
            "nominee.kind": "individual",
            "nominee.name": "Nguyễn Văn A",
            "nominee.position": "",
            "achievements": "x" * 30,
            "council_vote.members": "9",
            "council_vote.present": "8",
            "council_vote.votes_for": "8",
        }
    )
    assert body["nominee"] == {"kind": "individual", "name": "Nguyễn Văn A"}
    assert body["council_vote"] == {"members": "9", "present": "8", "votes_for": "8", "secret_ballot": False}
    assert "comment" not in body


def test_an_untouched_council_vote_is_left_out() -> None:
    body = draft_body({"nominee.name": "A B", "council_vote.secret_ballot": "1"})
    assert "council_vote" not in body


@pytest.mark.parametrize(
    ("shift", "shown"),
    [
        (timedelta(0), ""),
        (timedelta(seconds=30), ""),  # two clocks read a moment apart are not a moved clock
        (timedelta(days=14, hours=22, minutes=5), "+14 ngày 22 giờ"),
        (timedelta(days=3), "+3 ngày"),
        (timedelta(minutes=45), "+45 phút"),
        (-timedelta(days=2, hours=1), "−2 ngày 1 giờ"),
    ],
)
def test_the_header_says_how_far_the_demo_clock_was_moved(shift: timedelta, shown: str) -> None:
    wall = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    gateway = SimpleNamespace(clock=FixedClock(wall + shift), wall_clock=FixedClock(wall))
    assert clock_shift(gateway) == shown  # type: ignore[arg-type]


def test_form_dates_turn_each_typed_date_into_iso_and_name_the_wrong_ones() -> None:
    values = {"starts_on": "01/05/2026", "ends_on": "2026-09-30", "joined_on": "", "name": "Đợt 1"}
    converted, wrong = form_dates(values, ("starts_on", "ends_on", "joined_on"))
    assert converted["starts_on"] == "2026-05-01"
    assert converted["joined_on"] == ""  # not typed: not given
    assert converted["name"] == "Đợt 1"
    assert wrong == {"ends_on": "Ngày phải có dạng dd/mm/yyyy, ví dụ 20/12/2026"}  # an ISO date is not how dates are typed
    assert vn_date_text("1992-05-05") == "05/05/1992"
    assert vn_date_text(None) == ""
