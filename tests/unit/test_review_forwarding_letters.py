"""Review forwards a batch with one tờ trình it does not number: the letter waits for the unit's signing officer (in
awards) and the unit above has the dossiers at once; `ProposalSigned` gives the letter its number, date and signer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.review.domain.task import TaskState
from services.review.usecases import batches, councils, queues
from shared.contracts.commands import BatchForward, CouncilMeeting, NomineeVote
from shared.contracts.errors import InconsistentEvent
from shared.contracts.events import NominationForwarded, ProposalForwarded, ProposalSigned
from shared.contracts.operations.review import ProposalRef, TaskRef
from tests.unit.factories import unit
from tests.unit.test_review_usecases import HANOI, NOW, SONTAY, Review, dossier, review, submitted

__all__ = ["review"]  # the fixture


async def forwarded_pair(review: Review) -> tuple[str, list[str]]:
    noms = [dossier(award_code="cong_nhan_gioi_thu_do", awarding_level="city", catalog="union-2025.1") for _ in range(2)]
    task_ids = [await submitted(review, nom) for nom in noms]
    votes = [NomineeVote(task_id=t, votes_for=9, votes_against=0) for t in task_ids]
    meeting = CouncilMeeting(held_on=NOW.date(), members=9, present=9, secret_ballot=True, votes=votes)
    await councils.record_meeting(review.context, SONTAY, meeting)
    letter = await batches.forward_batch(review.context, SONTAY, BatchForward(unit_code="HN-SONTAY", task_ids=task_ids))
    return letter.id, [n.id for n in noms]


def signed(proposal_id: str, issuer: str = "HN-SONTAY") -> ProposalSigned:
    at = datetime(2026, 3, 4, 3, 0, tzinfo=UTC)
    return ProposalSigned(
        occurred_at=at,
        proposal_id=proposal_id,
        document_id="d-7",
        issuer=unit(issuer),
        number=7,
        number_text="7/TTr-LĐLĐ",
        year=2026,
        issued_at=at,
        signer_name="Đỗ Văn Minh",
    )


@pytest.mark.asyncio
async def test_forwarding_a_batch_announces_its_letter_unnumbered_and_the_unit_above_has_the_dossiers_at_once(
    review: Review,
) -> None:
    proposal_id, nomination_ids = await forwarded_pair(review)

    [letter] = review.uow.published(ProposalForwarded)
    assert (letter.proposal_id, letter.unit.code, letter.to_unit.code, letter.actor.user_id) == (
        proposal_id,
        "HN-SONTAY",
        "HN",
        SONTAY.user_id,
    )
    assert [i.nomination_id for i in letter.items] == nomination_ids
    assert [f.proposal_number for f in review.uow.published(NominationForwarded)] == [None, None]
    for nomination_id in nomination_ids:
        assert review.task_of(nomination_id, "HN").task.state is TaskState.OPEN  # not blocked by the signature
    view = await batches.get_proposal(review.context, HANOI, ProposalRef(id=proposal_id))
    assert (view.number, view.number_text, view.signer_name, view.title, view.status_label) == (
        None,
        None,
        None,
        "Tờ trình (chờ ký)",
        "Chờ ký",
    )


@pytest.mark.asyncio
async def test_the_signed_letter_reads_with_its_register_number_date_signer_and_signed_file(review: Review) -> None:
    proposal_id, nomination_ids = await forwarded_pair(review)
    await batches.on_proposal_signed(review.context, signed(proposal_id))
    await batches.on_proposal_signed(review.context, signed(proposal_id))  # a redelivery writes the same

    view = await batches.get_proposal(review.context, HANOI, ProposalRef(id=proposal_id))
    assert (view.number_text, view.issued_on_vn, view.signer_name, view.document_id, view.status_label) == (
        "7/TTr-LĐLĐ",
        "04/03/2026",
        "Đỗ Văn Minh",
        "d-7",
        "",
    )
    task = await queues.get_task(review.context, HANOI, TaskRef(task_id=review.task_of(nomination_ids[0], "HN").id))
    assert [p.title for p in task.proposals] == ["Tờ trình số 7/TTr-LĐLĐ ngày 04/03/2026"]


@pytest.mark.asyncio
async def test_a_signature_for_an_unknown_letter_or_in_another_units_name_is_refused_as_inconsistent(review: Review) -> None:
    proposal_id, _ = await forwarded_pair(review)
    with pytest.raises(InconsistentEvent):
        await batches.on_proposal_signed(review.context, signed("no-such-letter"))
    with pytest.raises(InconsistentEvent):
        await batches.on_proposal_signed(review.context, signed(proposal_id, issuer="HN-MYDUC"))
    view = await batches.get_proposal(review.context, HANOI, ProposalRef(id=proposal_id))
    assert view.number_text is None
