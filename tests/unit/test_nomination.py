"""A nomination's status machine, the intake rules and the identity of an active nomination."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.registration.domain.nomination import (
    Status,
    Step,
    active_key,
    next_status,
    require_transition,
    validate_intake,
)
from shared.contracts.errors import FieldError, InvalidTransition, ValidationFailed
from shared.contracts.events import CouncilVote, Nominee
from shared.rules.catalog import catalogs_on
from shared.rules.council import judge
from tests.unit.factories import award, path, unit

# Written out independently of the source: (step, from) -> to. Every other pair changes nothing.
EXPECTED: dict[tuple[Step, Status], Status] = {
    (Step.QUEUE, Status.SUBMITTED): Status.IN_REVIEW,
    (Step.QUEUE, Status.IN_REVIEW): Status.IN_REVIEW,
    (Step.ESCALATE, Status.IN_REVIEW): Status.IN_REVIEW,
    (Step.SEND_BACK, Status.IN_REVIEW): Status.IN_REVIEW,
    (Step.REHOME, Status.IN_REVIEW): Status.IN_REVIEW,
    (Step.RETURN, Status.SUBMITTED): Status.RETURNED,
    (Step.RETURN, Status.IN_REVIEW): Status.RETURNED,
    (Step.EDIT, Status.RETURNED): Status.RETURNED,
    (Step.RESUBMIT, Status.RETURNED): Status.SUBMITTED,
    (Step.REJECT, Status.SUBMITTED): Status.REJECTED,
    (Step.REJECT, Status.IN_REVIEW): Status.REJECTED,
    (Step.APPROVE, Status.SUBMITTED): Status.APPROVED,
    (Step.APPROVE, Status.IN_REVIEW): Status.APPROVED,
    (Step.DRAFT, Status.SUBMITTED): Status.AWAITING_SIGNATURE,
    (Step.DRAFT, Status.IN_REVIEW): Status.AWAITING_SIGNATURE,
    (Step.DRAFT, Status.APPROVED): Status.AWAITING_SIGNATURE,
    (Step.GRANT, Status.AWAITING_SIGNATURE): Status.GRANTED,
    (Step.PROPOSE, Status.AWAITING_SIGNATURE): Status.PROPOSED,
    (Step.GRANT, Status.SUBMITTED): Status.GRANTED,
    (Step.GRANT, Status.IN_REVIEW): Status.GRANTED,
    (Step.GRANT, Status.APPROVED): Status.GRANTED,
    (Step.GRANT, Status.WITHDRAWN): Status.GRANTED,
    (Step.PROPOSE, Status.SUBMITTED): Status.PROPOSED,
    (Step.PROPOSE, Status.IN_REVIEW): Status.PROPOSED,
    (Step.PROPOSE, Status.APPROVED): Status.PROPOSED,
    (Step.PROPOSE, Status.WITHDRAWN): Status.PROPOSED,
    (Step.STATE_GRANT, Status.PROPOSED): Status.GRANTED,
    (Step.STATE_DECLINE, Status.PROPOSED): Status.NOT_GRANTED,
    (Step.REVOKE, Status.GRANTED): Status.REVOKED,
    (Step.WITHDRAW, Status.SUBMITTED): Status.WITHDRAWN,
    (Step.WITHDRAW, Status.IN_REVIEW): Status.WITHDRAWN,
    (Step.WITHDRAW, Status.RETURNED): Status.WITHDRAWN,
}

CURRENT_YEAR = 2026
GOOD_ACHIEVEMENTS = "Hoàn thành xuất sắc nhiệm vụ năm, hai sáng kiến được công nhận."


# Status machine


@pytest.mark.parametrize("step", list(Step))
@pytest.mark.parametrize("current", list(Status))
def test_each_step_from_each_status_leads_where_the_workflow_says(current: Status, step: Step) -> None:
    assert next_status(current, step) == EXPECTED.get((step, current))


@given(current=st.sampled_from(list(Status)), step=st.sampled_from(list(Step)))
def test_require_transition_refuses_exactly_the_steps_that_change_nothing(current: Status, step: Step) -> None:
    expected = next_status(current, step)
    if expected is None:
        with pytest.raises(InvalidTransition) as raised:
            require_transition(current, step)
        assert raised.value.code == "invalid_transition"
    else:
        assert require_transition(current, step) is expected


@pytest.mark.parametrize("step", [Step.SUBMIT, Step.CLAIM, Step.RELEASE, Step.FORWARD, Step.LETTER_SIGNED])
def test_timeline_only_steps_never_change_the_status(step: Step) -> None:
    assert all(next_status(s, step) is None for s in Status)


@pytest.mark.parametrize("final", [Status.REJECTED, Status.NOT_GRANTED, Status.REVOKED])
def test_rejected_not_granted_and_revoked_nominations_never_move_again(final: Status) -> None:
    assert all(next_status(final, step) is None for step in Step)


def test_a_proposed_state_title_moves_only_by_the_state_authoritys_answer() -> None:
    assert {step: next_status(Status.PROPOSED, step) for step in Step if next_status(Status.PROPOSED, step)} == {
        Step.STATE_GRANT: Status.GRANTED,
        Step.STATE_DECLINE: Status.NOT_GRANTED,
    }


def test_a_granted_nomination_moves_only_when_its_decision_is_revoked() -> None:
    assert {step: next_status(Status.GRANTED, step) for step in Step if next_status(Status.GRANTED, step)} == {
        Step.REVOKE: Status.REVOKED
    }


def test_a_returned_nomination_can_be_edited_and_resubmitted_but_not_approved() -> None:
    assert require_transition(Status.RETURNED, Step.EDIT) is Status.RETURNED
    assert require_transition(Status.RETURNED, Step.RESUBMIT) is Status.SUBMITTED
    with pytest.raises(InvalidTransition):
        require_transition(Status.RETURNED, Step.APPROVE)


def test_a_submitted_nomination_cannot_be_edited_until_returned() -> None:
    with pytest.raises(InvalidTransition):
        require_transition(Status.SUBMITTED, Step.EDIT)


# Intake


def individual(name: str = "Nguyễn Văn An", **extra: Any) -> Nominee:
    return Nominee(kind="individual", name=name, **extra)


def intake(**overrides: Any) -> None:
    """A valid submission from a grassroots union in Sơn Tây for the district award, with overrides."""
    arguments: dict[str, Any] = {
        "unit": unit("HN-SONTAY-DST"),
        "unit_path": path("HN-SONTAY-DST"),
        "award": award("giay_khen_ldld_huyen"),
        "nominee": individual(),
        "period": "2025",
        "achievements": GOOD_ACHIEVEMENTS,
        "council_vote": CouncilVote(members=9, present=8, votes_for=7, votes_against=1),
        "current_year": CURRENT_YEAR,
    }
    arguments.update(overrides)
    validate_intake(**arguments)


def refusals(**overrides: Any) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as raised:
        intake(**overrides)
    assert raised.value.status == 422
    assert all(f.message for f in raised.value.fields)
    return list(raised.value.fields)


def refused_fields(**overrides: Any) -> list[str]:
    return [f.field for f in refusals(**overrides)]


def intake_errors(**overrides: Any) -> list[str]:
    """The fields intake refuses, or [] when it accepts."""
    try:
        intake(**overrides)
    except ValidationFailed as exc:
        return [f.field for f in exc.fields]
    return []


def test_a_complete_valid_submission_passes_intake() -> None:
    intake()


@pytest.mark.parametrize(
    ("award_code", "unit_code", "nominee"),
    [
        ("giay_khen_ldld_huyen", "HN-HADONG-VANQUAN", Nominee(kind="collective", name="Tổ Toán", member_count=12)),
        ("cong_nhan_gioi_thu_do", "HN-SONTAY-DST", Nominee(kind="individual", name="Đặng Thị Bình")),
        ("bang_khen_tong_ldld", "HN-MYDUC-DAINGHIA", Nominee(kind="collective", name="Phòng Tài chính", member_count=8)),
    ],
)
def test_each_required_award_accepts_a_valid_submission(award_code: str, unit_code: str, nominee: Nominee) -> None:
    intake(award=award(award_code), unit=unit(unit_code), unit_path=path(unit_code), nominee=nominee, council_vote=None)


def test_unknown_unit_is_refused_on_unit_code() -> None:
    assert refused_fields(unit=None, unit_path=[]) == ["unit_code"]


@pytest.mark.parametrize("code", ["HN-SONTAY", "HN", "TLD"])
def test_only_a_grassroots_union_may_submit(code: str) -> None:
    # The national award is reachable from every one of these chains, so only the unit is wrong.
    assert refused_fields(unit=unit(code), unit_path=path(code), award=award("bang_khen_tong_ldld")) == ["unit_code"]


def test_award_missing_from_the_catalogue_is_refused_on_award_code() -> None:
    assert refused_fields(award=None) == ["award_code"]


def test_collective_nominee_for_an_individual_only_award_is_refused_on_nominee_kind() -> None:
    collective = Nominee(kind="collective", name="Phân xưởng Cơ khí", member_count=30)
    assert refused_fields(award=award("cong_nhan_gioi_thu_do"), nominee=collective) == ["nominee.kind"]


def test_unit_path_without_the_awarding_level_is_refused_on_award_code() -> None:
    # A chain that stops at the district cannot reach the city-level award.
    short_chain = path("HN-SONTAY-DST")[:2]
    assert refused_fields(award=award("cong_nhan_gioi_thu_do"), unit_path=short_chain) == ["award_code"]


@pytest.mark.parametrize("code", ["giay_khen_cdcs", "lao_dong_tien_tien", "chien_si_thi_dua_co_so"])
def test_an_award_the_cdcs_decides_or_proposes_itself_is_not_sent_up(code: str) -> None:
    found = catalogs_on(date(2026, 5, 1)).get(code)
    assert found is not None
    with pytest.raises(ValidationFailed) as raised:
        intake(award=found, council_vote=None)
    (error,) = raised.value.fields
    assert error.field == "award_code"
    assert "không gửi lên cấp trên" in error.message


def test_a_state_title_proposed_through_the_union_passes_intake() -> None:
    found = catalogs_on(date(2026, 5, 1)).get("bang_khen_thu_tuong")
    assert found is not None
    intake(award=found, council_vote=None)


@pytest.mark.parametrize(
    "period",
    ["", "25", "2025-2026", "Năm 2025", "1999", "2025 ", "20255", "２０２５", "20２５", "2025\n"],
    ids=[
        "empty",
        "two-digits",
        "range",
        "words",
        "last-century",
        "trailing-space",
        "five-digits",
        "fullwidth",
        "mixed-digits",
        "newline",
    ],
)
def test_period_that_is_not_a_year_is_refused_on_period(period: str) -> None:
    assert refused_fields(period=period) == ["period"]


@pytest.mark.parametrize("period", ["2020", "2019", "2028", "2099"])
def test_period_outside_five_years_back_to_next_year_is_refused(period: str) -> None:
    assert refused_fields(period=period) == ["period"]


@pytest.mark.parametrize("period", ["2021", "2025", "2026", "2027"])
def test_period_from_five_years_back_to_next_year_is_accepted(period: str) -> None:
    intake(period=period)


@given(year=st.integers(2000, 2099), current_year=st.integers(2005, 2090))
def test_a_year_is_accepted_exactly_when_within_the_window(year: int, current_year: int) -> None:
    if current_year - 5 <= year <= current_year + 1:
        intake(period=str(year), current_year=current_year)
    else:
        assert refused_fields(period=str(year), current_year=current_year) == ["period"]


@given(period=st.text(max_size=6) | st.from_regex(r"20[0-9]{2}", fullmatch=True))
def test_any_accepted_period_is_four_ascii_digits(period: str) -> None:
    fields = intake_errors(period=period)
    assert fields in ([], ["period"])
    if not fields:
        assert period.isascii()
        assert period.isdigit()
        assert len(period) == 4


@pytest.mark.parametrize("text", ["", "Tốt", "x" * 19, "   " + "x" * 19 + "   "])
def test_achievements_shorter_than_twenty_characters_are_refused(text: str) -> None:
    assert refused_fields(achievements=text) == ["achievements"]


def test_achievements_of_twenty_characters_are_enough() -> None:
    intake(achievements="x" * 20)


def test_an_individual_cannot_have_a_member_count() -> None:
    assert refused_fields(nominee=individual(member_count=5)) == ["nominee.member_count"]


def test_more_present_than_council_members_is_refused() -> None:
    assert refused_fields(council_vote=CouncilVote(members=5, present=6, votes_for=5)) == ["council_vote.present"]


def test_more_votes_than_members_present_is_refused() -> None:
    assert refused_fields(council_vote=CouncilVote(members=9, present=7, votes_for=6, votes_against=2)) == [
        "council_vote.votes_for"
    ]


@given(
    members=st.integers(1, 30),
    present=st.integers(0, 30),
    votes_for=st.integers(0, 30),
    votes_against=st.integers(0, 30),
)
def test_council_vote_errors_name_each_broken_count(members: int, present: int, votes_for: int, votes_against: int) -> None:
    vote = CouncilVote(members=members, present=present, votes_for=votes_for, votes_against=votes_against)
    expected = []
    if present > members:
        expected.append("council_vote.present")
    if votes_for + votes_against > present:
        expected.append("council_vote.votes_for")
    if not expected and not judge(award("giay_khen_ldld_huyen").council, vote).passed:  # type: ignore[arg-type]
        expected.append("council_vote")  # a well-formed vote that the award's council rule does not pass
    if expected:
        assert refused_fields(council_vote=vote) == expected
    else:
        intake(council_vote=vote)


def test_a_council_vote_that_fails_a_confirmed_rule_stops_the_dossier_with_the_numbers() -> None:
    # The default union rule's numbers, confirmed: 2/3 of members present, at least 70 % of those present in favour.
    default = award("giay_khen_ldld_huyen").council
    assert default is not None
    confirmed = default.model_copy(update={"confirmed": True})
    no_quorum = CouncilVote(members=9, present=5, votes_for=5)
    [error] = refusals(council_vote=no_quorum, council_rule=confirmed)
    assert error.field == "council_vote"
    assert error.message == (
        "Hội đồng Thi đua – Khen thưởng chưa thông qua: Có mặt 5/9 thành viên (55,6 %), cần ít nhất 66,7 %: không đủ số lượng"
    )
    too_few_for = CouncilVote(members=9, present=9, votes_for=6, votes_against=3)
    [error] = refusals(council_vote=too_few_for, council_rule=confirmed)
    assert "Đồng ý 6/9 thành viên có mặt (66,7 %), cần ít nhất 70 %: không đạt" in error.message
    intake(council_vote=CouncilVote(members=9, present=9, votes_for=7, votes_against=2), council_rule=confirmed)  # 77.8 %


def test_a_council_vote_that_misses_an_unconfirmed_rule_passes_intake() -> None:
    # The catalogue's default is unconfirmed: the same votes only warn (council_warning), the dossier goes up.
    intake(council_vote=CouncilVote(members=9, present=5, votes_for=5))
    intake(council_vote=CouncilVote(members=9, present=9, votes_for=6, votes_against=3))


def test_every_failure_is_reported_at_once_each_naming_its_field() -> None:
    fields = refused_fields(
        unit=unit("HN-SONTAY"),
        unit_path=path("HN-SONTAY"),
        award=award("cong_nhan_gioi_thu_do"),
        nominee=Nominee(kind="collective", name="Tổ bảo vệ", member_count=4),
        period="năm ngoái",
        achievements="ngắn",
        council_vote=CouncilVote(members=3, present=4, votes_for=5),
    )
    assert sorted(fields) == sorted(
        ["unit_code", "nominee.kind", "period", "achievements", "council_vote.present", "council_vote.votes_for"]
    )


def test_the_error_for_a_wrong_nominee_kind_names_the_award_and_the_allowed_kinds() -> None:
    collective = Nominee(kind="collective", name="Phân xưởng Cơ khí", member_count=30)
    with pytest.raises(ValidationFailed) as raised:
        intake(award=award("cong_nhan_gioi_thu_do"), nominee=collective)
    (error,) = raised.value.fields
    assert "Công nhân giỏi Thủ đô" in error.message
    assert "cá nhân" in error.message


# Identity of an active nomination

MARKS = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302\u0301", "\u0306\u0300", "\u031b\u0323"]
words = st.lists(st.text(alphabet="abcdeghiklmnopqrstuvxy", min_size=1, max_size=8), min_size=1, max_size=4).filter(
    lambda ws: len(" ".join(ws)) >= 2
)


def spellings(letter: str) -> list[str]:
    """Every way a letter may be written: either case, with Vietnamese diacritics, đ for d."""
    variants = [base + mark for base in (letter, letter.upper()) for mark in MARKS]
    return [*variants, "đ", "Đ"] if letter == "d" else variants


@st.composite
def disguised(draw: st.DrawFn, plain_words: list[str]) -> str:
    """The same name with random case, diacritics and irregular spacing, precomposed or not."""
    out = ["".join(draw(st.sampled_from(spellings(ch))) for ch in word) for word in plain_words]
    gaps = [draw(st.sampled_from([" ", "  ", "\t", " \u00a0 "])) for _ in out]
    name = "".join(gap + w for gap, w in zip(gaps, out, strict=True)) + draw(st.sampled_from(["", " ", "   "]))
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), name)


@given(data=st.data(), plain=words)
def test_active_key_ignores_case_diacritics_and_spacing_of_the_nominee_name(data: st.DataObject, plain: list[str]) -> None:
    name = data.draw(disguised(plain))
    reference = active_key("HN-SONTAY-DST", individual(" ".join(plain)), "giay_khen_ldld_huyen", "2025")
    assert active_key("HN-SONTAY-DST", individual(name), "giay_khen_ldld_huyen", "2025") == reference


def test_active_key_treats_vietnamese_spellings_of_one_name_as_the_same_nominee() -> None:
    a = active_key("HN-SONTAY-DST", individual("Đặng  Thị   Hồng"), "giay_khen_ldld_huyen", "2025")
    b = active_key("HN-SONTAY-DST", individual("dang thi hong"), "giay_khen_ldld_huyen", "2025")
    assert a == b


@pytest.mark.parametrize(
    ("unit_code", "nominee", "award_code", "period"),
    [
        ("HN-SONTAY-THPTSONTAY", individual(), "giay_khen_ldld_huyen", "2025"),
        ("HN-SONTAY-DST", individual("Nguyễn Văn Anh"), "giay_khen_ldld_huyen", "2025"),
        ("HN-SONTAY-DST", Nominee(kind="collective", name="Nguyễn Văn An"), "giay_khen_ldld_huyen", "2025"),
        ("HN-SONTAY-DST", individual(), "bang_khen_tong_ldld", "2025"),
        ("HN-SONTAY-DST", individual(), "giay_khen_ldld_huyen", "2024"),
    ],
    ids=["other-unit", "other-name", "other-kind", "other-award", "other-period"],
)
def test_active_key_differs_when_anything_but_the_spelling_differs(
    unit_code: str, nominee: Nominee, award_code: str, period: str
) -> None:
    reference = active_key("HN-SONTAY-DST", individual(), "giay_khen_ldld_huyen", "2025")
    assert active_key(unit_code, nominee, award_code, period) != reference
