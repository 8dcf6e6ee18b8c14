"""Which review level's council must vote, and the gate on forwarding/approving; tờ trình numbers."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.review.domain.council import (
    RecordedVote,
    gate_problem,
    meeting_errors,
    require_council,
    rule_for,
    summary_vi,
    vote_required_at,
)
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import CouncilVote
from shared.contracts.values import Level
from shared.rules.catalog import CouncilRule
from shared.rules.council import judge
from shared.rules.forwarding import proposal_symbol
from shared.rules.rulebook import Rulebook
from tests.integration.conftest import snapshot

LEVELS: tuple[Level, ...] = ("grassroots", "district", "city", "national")

SHIPPED = Rulebook()  # the catalogue files shipped with the code


def rule(**changes: object) -> CouncilRule:
    base: dict[str, object] = {
        "quorum": Fraction(2, 3),
        "threshold": Fraction(7, 10),
        "base": "present",
        "source": "test",
        "confirmed": True,  # a confirmed rule blocks; an unconfirmed one only warns (test_council_rules.py)
    }
    base.update(changes)
    return CouncilRule.model_validate(base)


def recorded(votes_for: int, *, members: int = 9, present: int = 9, with_rule: CouncilRule | None = None) -> RecordedVote:
    vote = CouncilVote(members=members, present=present, votes_for=votes_for, votes_against=present - votes_for)
    result = judge(with_rule or rule(), vote)
    return RecordedVote("LĐLĐ thị xã Sơn Tây", date(2026, 3, 2), vote, result.passed, result.explanation)


@given(
    levels=st.one_of(st.none(), st.lists(st.sampled_from(LEVELS), unique=True)),
    required=st.booleans(),
    level=st.sampled_from(LEVELS),
)
def test_a_level_votes_when_the_rule_requires_it_and_names_it_or_names_none(
    levels: list[Level] | None, required: bool, level: Level
) -> None:
    r = rule(levels=levels, vote_required=required)
    assert vote_required_at(r, level) == (required and (levels is None or level in levels))


def test_no_rule_no_vote() -> None:
    assert vote_required_at(None, "district") is False
    assert gate_problem(None, "district", None) is None


@given(
    level=st.sampled_from(LEVELS),
    votes_for=st.one_of(st.none(), st.integers(min_value=0, max_value=9)),
    levels=st.one_of(st.none(), st.lists(st.sampled_from(LEVELS), unique=True, min_size=1)),
)
def test_the_gate_lets_through_exactly_a_passed_latest_vote_or_a_level_that_need_not_vote(
    level: Level, votes_for: int | None, levels: list[Level] | None
) -> None:
    r = rule(levels=levels)
    latest = recorded(votes_for) if votes_for is not None else None
    problem = gate_problem(r, level, latest)
    if not vote_required_at(r, level):
        assert problem is None
    elif latest is None:
        assert problem is not None
        assert problem[0] == "council_vote_missing"
    elif votes_for is not None and Fraction(votes_for, 9) >= Fraction(7, 10):
        assert problem is None
    else:
        assert problem is not None
        assert problem[0] == "council_vote_failed"


def test_a_failed_vote_is_refused_on_the_council_field_with_its_numbers() -> None:
    with pytest.raises(ValidationFailed) as exc:
        require_council(rule(), "district", recorded(6))
    assert exc.value.code == "council_vote_failed"
    [error] = exc.value.fields
    assert error.field == "council"
    assert "Đồng ý 6/9 thành viên có mặt (66,7 %), cần ít nhất 70 %: không đạt" in error.message
    assert "02/03/2026" in error.message


def test_no_quorum_fails_even_when_everyone_present_agrees() -> None:
    latest = recorded(5, members=9, present=5)  # 5/9 < 2/3
    problem = gate_problem(rule(), "city", latest)
    assert problem is not None
    assert "Có mặt 5/9 thành viên" in problem[1]


def test_the_rule_comes_from_the_catalogue_version_that_judged_the_nomination() -> None:
    old = snapshot("n1", award_code="giay_khen_ldld_huyen")  # union-2024.1: no council rule
    assert rule_for(old, SHIPPED) is None
    new = old.model_copy(update={"catalog_version": "union-2025.1"})
    found = rule_for(new, SHIPPED)
    assert found is not None
    assert found.vote_required
    assert found.levels is None
    assert rule_for(new.model_copy(update={"catalog_version": "no-such-version"}), SHIPPED) is None


def test_meeting_counts_that_cannot_be_are_named_on_their_fields() -> None:
    errors = meeting_errors(9, 10, [(6, 5), (3, 3)])
    assert [e.field for e in errors] == ["present", "votes.0.votes_for"]


def test_summary() -> None:
    vote = CouncilVote(members=11, present=9, votes_for=7, votes_against=1, secret_ballot=True)
    assert summary_vi(vote, True) == "Đạt (7/9 đồng ý, 1 không đồng ý; có mặt 9/11, bỏ phiếu kín)"


@pytest.mark.parametrize(
    ("suffix", "text"),
    [("QĐ-LĐLĐ", "3/TTr-LĐLĐ"), ("QĐ-TLĐ", "3/TTr-TLĐ"), ("QĐ-CĐP", "3/TTr-CĐP"), (None, "3/TTr"), ("LĐLĐ", "3/TTr-LĐLĐ")],
)
def test_the_proposal_number_follows_the_units_decision_suffix(suffix: str | None, text: str) -> None:
    assert f"3/{proposal_symbol(suffix)}" == text
