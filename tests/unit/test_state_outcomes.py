"""The state's answer to a union tờ trình, recorded by the unit that sent it (issue 18 part 3): granted nominees become
awards of the state (counted by the reports, told to registration), the others stay on the tờ trình marked not
granted; only the sender records it, once, for every nominee, dated between the tờ trình and today."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.awards.usecases import decisions, outcomes, reports
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import NominationsApproved, StateOutcomeRecorded
from shared.contracts.operations.awards import DecisionById, RecordStateOutcome, ReportQuery, StateOutcomeItem
from tests.fakes.awards import FakeAwards, approve_and_sign, fake_awards
from tests.unit.factories import TREE, actor, unit
from tests.unit.test_awards_usecases import BASE, HANOI, NOW, OPS, SONTAY, nomination

AUTHORITY = "Chủ tịch Ủy ban nhân dân thành phố Hà Nội"


@pytest.fixture
def awards() -> FakeAwards:
    return fake_awards(TREE, now=NOW, base_salary_vnd=BASE)


async def proposal_of_two(awards: FakeAwards) -> str:
    """A tờ trình of LĐLĐ TP Hà Nội listing two Chiến sĩ thi đua cấp tỉnh, signed; a month passes."""
    batch = [
        nomination("n-1", "chien_si_thi_dua_cap_tinh", name="Nguyễn Văn An"),
        nomination("n-2", "chien_si_thi_dua_cap_tinh", name="Trần Thị Bình"),
    ]
    await approve_and_sign(
        awards, NominationsApproved(occurred_at=NOW, actor=HANOI, batch_id="b-1", issuer=unit("HN"), nominations=batch)
    )
    [proposal] = [d for d in awards.store.all_decisions() if d.kind == "proposal"]
    awards.clock.advance(timedelta(days=30))
    return proposal.id


def answer(proposal_id: str, **granted: bool) -> RecordStateOutcome:
    return RecordStateOutcome(
        id=proposal_id,
        authority=AUTHORITY,
        number_text="1234/QĐ-UBND",
        decided_on=date(2026, 3, 20),
        items=[StateOutcomeItem(nomination_id=nid.replace("_", "-"), granted=g) for nid, g in granted.items()],
    )


async def state_awards(awards: FakeAwards, unit_code: str) -> int:
    view = await reports.report(awards.context, awards.units, OPS, ReportQuery(unit_code=unit_code))
    return sum(level.count for level in view.by_level if level.level == "state")


@pytest.mark.asyncio
async def test_the_sender_records_the_states_decision_granted_nominees_count_and_registration_is_told(
    awards: FakeAwards,
) -> None:
    proposal_id = await proposal_of_two(awards)
    before = await decisions.get_decision(awards.context, HANOI, DecisionById(id=proposal_id))
    assert (before.can_record_outcome, before.state_outcome, before.status_label) == (True, None, "Đã trình, chờ kết quả")
    assert await state_awards(awards, "HN") == 0

    view = await outcomes.record_state_outcome(awards.context, HANOI, answer(proposal_id, n_1=True, n_2=False))

    assert view.state_outcome is not None
    assert (view.state_outcome.number_text, view.state_outcome.granted, view.state_outcome.not_granted) == ("1234/QĐ-UBND", 1, 1)
    assert (view.can_record_outcome, view.status_label) == (False, "Đã có kết quả (Quyết định số 1234/QĐ-UBND)")
    assert {n.nomination_id: (n.status, n.status_label) for n in view.nominees} == {
        "n-1": ("granted", "Cấp có thẩm quyền đã khen thưởng"),
        "n-2": ("not_granted", "Cấp có thẩm quyền không khen thưởng"),
    }
    told = [e for e in awards.outbox.of_type(StateOutcomeRecorded) if isinstance(e, StateOutcomeRecorded)]
    assert [(e.nomination_id, e.outcome.granted, e.outcome.authority) for e in told] == [
        ("n-1", True, AUTHORITY),
        ("n-2", False, AUTHORITY),
    ]
    assert all(e.proposal.decision_id == proposal_id and e.outcome.decided_on == date(2026, 3, 20) for e in told)
    # the granted title is an award of the state in the reports of every unit on its path
    assert await state_awards(awards, "HN") == 1
    assert await state_awards(awards, "HN-SONTAY") == 1
    read_again = await decisions.get_decision(awards.context, SONTAY, DecisionById(id=proposal_id))
    assert read_again.state_outcome == view.state_outcome
    assert not read_again.can_record_outcome  # Sơn Tây reads it; LĐLĐ TP sent it


@pytest.mark.asyncio
async def test_only_the_sender_records_once_for_every_nominee_on_a_date_the_state_could_decide(awards: FakeAwards) -> None:
    proposal_id = await proposal_of_two(awards)
    with pytest.raises(Forbidden) as refused:
        await outcomes.record_state_outcome(awards.context, SONTAY, answer(proposal_id, n_1=True, n_2=True))
    assert refused.value.code == "not_issuer"

    with pytest.raises(ValidationFailed) as invalid:
        await outcomes.record_state_outcome(awards.context, HANOI, answer(proposal_id, n_1=True, n_3=True))
    assert invalid.value.code == "outcome_invalid"
    assert [f.field for f in invalid.value.fields] == ["items.1.nomination_id", "items"]
    assert "Trần Thị Bình" in invalid.value.fields[1].message

    for decided_on, message in ((date(2026, 3, 1), "trước ngày tờ trình (02/03/2026)"), (date(2026, 4, 2), "sau hôm nay")):
        late = answer(proposal_id, n_1=True, n_2=True).model_copy(update={"decided_on": decided_on})
        with pytest.raises(ValidationFailed) as wrong_date:
            await outcomes.record_state_outcome(awards.context, HANOI, late)
        assert [f.field for f in wrong_date.value.fields] == ["decided_on"]
        assert message in wrong_date.value.fields[0].message
    assert awards.outbox.of_type(StateOutcomeRecorded) == []  # nothing recorded by a refusal

    await outcomes.record_state_outcome(awards.context, HANOI, answer(proposal_id, n_1=True, n_2=True))
    with pytest.raises(Conflict) as again:
        await outcomes.record_state_outcome(awards.context, HANOI, answer(proposal_id, n_1=False, n_2=False))
    assert again.value.code == "outcome_already_recorded"
    assert await state_awards(awards, "HN") == 2


@pytest.mark.asyncio
async def test_a_union_decision_has_no_state_outcome(awards: FakeAwards) -> None:
    await approve_and_sign(
        awards,
        NominationsApproved(
            occurred_at=NOW, actor=HANOI, batch_id="b-2", issuer=unit("HN"), nominations=[nomination("n-9", "bang_khen_ldld_tp")]
        ),
        unit_prize=1_000_000,
    )
    [decision] = awards.store.all_decisions()
    view = await decisions.get_decision(awards.context, HANOI, DecisionById(id=decision.id))
    assert not view.can_record_outcome
    with pytest.raises(Conflict) as refused:
        await outcomes.record_state_outcome(awards.context, actor("u-admin", ("admin", None)), answer(decision.id, n_9=True))
    assert refused.value.code == "not_a_proposal"
