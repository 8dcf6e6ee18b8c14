"""The council's vote judged against a configured rule: exact shares, explanations with the numbers,
and the properties that must hold for every vote (hypothesis)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from shared.contracts.events import CouncilVote
from shared.rules.catalog import CouncilRule
from shared.rules.council import judge


def rule_of(quorum: Fraction, threshold: Fraction, **kwargs: object) -> CouncilRule:
    return CouncilRule.model_validate({"source": "test", "quorum": quorum, "threshold": threshold, "base": "present", **kwargs})


def vote(members: int, present: int, votes_for: int, *, secret: bool = True) -> CouncilVote:
    return CouncilVote(
        members=members, present=present, votes_for=votes_for, votes_against=present - votes_for, secret_ballot=secret
    )


def test_two_thirds_of_nine_members_is_six_exactly_and_seventy_percent_of_ten_present_is_seven() -> None:
    rule = rule_of(Fraction(2, 3), Fraction(7, 10))
    assert judge(rule, vote(9, 6, 6)).passed
    assert not judge(rule, vote(9, 5, 5)).passed  # no quorum
    assert judge(rule, vote(12, 10, 7)).passed
    assert not judge(rule, vote(12, 10, 6)).passed


def test_the_explanation_gives_each_check_with_its_numbers_in_vietnamese() -> None:
    result = judge(rule_of(Fraction(2, 3), Fraction(9, 10), base="all_members", secret_ballot=True), vote(10, 9, 8, secret=False))
    assert not result.passed
    assert [c.code for c in result.checks] == ["quorum", "ballot", "threshold"]
    assert result.checks[0].message == "Có mặt 9/10 thành viên (90 %), cần ít nhất 66,7 %: đủ số lượng"
    assert result.checks[1].message == "Bỏ phiếu kín: bắt buộc nhưng hội đồng không bỏ phiếu kín"
    assert result.checks[2].message == "Đồng ý 8/10 tổng số thành viên (80 %), cần ít nhất 90 %: không đạt"


def test_more_than_half_of_all_members_is_not_met_by_exactly_half() -> None:
    rule = rule_of(Fraction(1, 2), Fraction(1, 2), base="all_members", strictly_more=True)
    assert not judge(rule, vote(10, 10, 5)).passed
    assert judge(rule, vote(10, 10, 6)).passed


@st.composite
def votes(draw: st.DrawFn) -> CouncilVote:
    members = draw(st.integers(1, 60))
    present = draw(st.integers(0, members))
    votes_for = draw(st.integers(0, present))
    return vote(members, present, votes_for, secret=draw(st.booleans()))


shares = st.fractions(min_value=0, max_value=1, max_denominator=20).filter(lambda f: f > 0)
rules = st.builds(
    rule_of,
    quorum=shares,
    threshold=shares,
    base=st.sampled_from(["present", "all_members"]),
    strictly_more=st.booleans(),
    secret_ballot=st.booleans(),
)


@given(rules, votes())
def test_a_vote_passes_exactly_when_every_check_passes_and_without_quorum_never(rule: CouncilRule, v: CouncilVote) -> None:
    result = judge(rule, v)
    assert result.passed == all(c.passed for c in result.checks)
    if Fraction(v.present, v.members) < rule.quorum:
        assert not result.passed


@given(rules, votes())
def test_one_more_vote_for_never_turns_a_pass_into_a_fail(rule: CouncilRule, v: CouncilVote) -> None:
    if v.votes_for < v.present and judge(rule, v).passed:
        more = v.model_copy(update={"votes_for": v.votes_for + 1, "votes_against": max(v.votes_against - 1, 0)})
        assert judge(rule, more).passed


@given(rules, votes())
def test_counting_on_all_members_is_never_easier_than_counting_on_those_present(rule: CouncilRule, v: CouncilVote) -> None:
    on_members = judge(rule.model_copy(update={"base": "all_members"}), v)
    on_present = judge(rule.model_copy(update={"base": "present"}), v)
    if on_members.passed and v.present:
        assert on_present.passed
