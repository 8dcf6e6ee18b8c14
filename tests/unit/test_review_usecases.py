"""Review's use cases on an in-memory store (no database, no broker): a submitted dossier opens a task in the
superior's queue; one approver claims it; it is approved where the award is granted, forwarded below that,
returned with a reason or rejected; and a level whose council must vote cannot pass it on before the vote passes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from services.review.domain.task import TaskState
from services.review.store.records import TaskRecord
from services.review.usecases import councils, intake, queues, tasks
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import CouncilMeeting, NomineeVote
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import (
    CouncilVoteRecorded,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationResubmitted,
    NominationReturned,
    NominationSnapshot,
    NominationSubmitted,
    Nominee,
    TaskClaimed,
    TaskOpened,
)
from shared.contracts.operations.review import DecideTask, QueueQuery, TaskRef
from shared.contracts.values import VIETNAM_TZ
from shared.platform.clock import FixedClock
from tests.fakes import default_rulebook
from tests.fakes.review import FakeUnitOfWork
from tests.unit.factories import actor, path

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
SUBMITTER = actor("u-dst", ("submitter", "HN-SONTAY-DST"), full_name="Cán bộ CĐCS DST")
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Phạm Quang Huy")
SONTAY_2 = actor("u-sontay2", ("approver", "HN-SONTAY"), full_name="Ngô Văn Nam")
HANOI = actor("u-hanoi", ("approver", "HN"), full_name="Đỗ Mạnh Cường")


@dataclass
class Review:
    """Review's use cases over one in-memory store, on a fixed clock."""

    uow: FakeUnitOfWork
    context: ReviewContext

    def task_of(self, nomination_id: str, unit_code: str = "HN-SONTAY") -> TaskRecord:
        [record] = [
            r for r in self.uow.data.tasks.values() if r.task.nomination_id == nomination_id and r.task.unit.code == unit_code
        ]
        return record


@pytest.fixture
def review() -> Review:
    uow = FakeUnitOfWork()
    return Review(uow, ReviewContext(clock=FixedClock(NOW), unit_of_work=lambda: uow, rules=default_rulebook()))


def dossier(
    *, award_code: str = "giay_khen_ldld_huyen", awarding_level: str = "district", catalog: str = "union-2024.1", round: int = 1
) -> NominationSnapshot:
    """A nomination from the CĐCS of DST (under LĐLĐ Sơn Tây, under Hà Nội, under Tổng LĐLĐ)."""
    return NominationSnapshot(
        id=str(uuid.uuid4()),
        unit_path=path("HN-SONTAY-DST"),
        award_code=award_code,
        award_name=award_code,
        awarding_level=awarding_level,
        catalog_version=catalog,
        period="2026",
        nominee=Nominee(kind="individual", name="Nguyễn Văn An"),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
        round=round,
    )


async def submitted(review: Review, nom: NominationSnapshot) -> str:
    """Registration's event arrives; the id of the task it opened."""
    await intake.on_submitted(review.context, NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nom))
    return review.task_of(nom.id).id


async def claimed(review: Review, nom: NominationSnapshot) -> str:
    task_id = await submitted(review, nom)
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=task_id))
    return task_id


def decision(task_id: str, action: str, comment: str = "") -> DecideTask:
    return DecideTask.model_validate({"task_id": task_id, "action": action, "comment": comment})


def meeting(task_id: str, votes_for: int) -> CouncilMeeting:
    vote = NomineeVote(task_id=task_id, votes_for=votes_for, votes_against=9 - votes_for)
    return CouncilMeeting(held_on=date(2026, 3, 2), members=9, present=9, secret_ballot=True, votes=[vote])


@pytest.mark.asyncio
async def test_a_submitted_nomination_opens_one_task_in_the_superior_units_queue(review: Review) -> None:
    nom = dossier()
    event = NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nom)

    await intake.on_submitted(review.context, event)
    await intake.on_submitted(review.context, event)  # redelivered: the inbox knows it

    page = await queues.list_queue(review.context, SONTAY, QueueQuery(unit_code="HN-SONTAY"))
    [item] = page.items
    assert (item.nomination_id, item.unit_code, item.queue_unit_code, item.state) == (nom.id, "HN-SONTAY", "HN-SONTAY", "open")
    assert item.due_at is not None
    assert item.due_at.astimezone(VIETNAM_TZ).date() == date(2026, 3, 16)  # ten working days
    assert (page.total, page.counts.open) == (1, 1)
    [opened] = review.uow.published(TaskOpened)
    assert opened.task.task_id == item.id
    assert review.uow.data.nominations[nom.id].status == "in_review"
    assert sorted(t.kind for t in review.uow.data.timers.values()) == ["before_due", "due_day", "escalate"]
    with pytest.raises(Forbidden):  # another unit's approver does not see the queue
        await queues.list_queue(review.context, HANOI, QueueQuery(unit_code="HN-SONTAY"))


@pytest.mark.asyncio
async def test_one_approver_claims_the_task_and_a_second_claimant_is_refused(review: Review) -> None:
    task_id = await submitted(review, dossier())

    view = await tasks.claim(review.context, SONTAY, TaskRef(task_id=task_id))
    assert (view.state, view.claimant_id, view.claimed_at, view.can_act) == ("claimed", "u-sontay", NOW, True)

    with pytest.raises(Conflict) as refused:
        await tasks.claim(review.context, SONTAY_2, TaskRef(task_id=task_id))
    assert refused.value.code == "task_already_claimed"
    assert "Phạm Quang Huy" in refused.value.title
    assert review.uow.data.tasks[task_id].task.claimant_id == "u-sontay"
    assert [e.task.claimant_id for e in review.uow.published(TaskClaimed)] == ["u-sontay"]

    with pytest.raises(Forbidden):  # only the claimant decides
        await tasks.decide(review.context, SONTAY_2, decision(task_id, "approve"))


@pytest.mark.asyncio
async def test_approval_at_the_awarding_level_is_final(review: Review) -> None:
    nom = dossier(awarding_level="district")
    task_id = await claimed(review, nom)

    view = await tasks.decide(review.context, SONTAY, decision(task_id, "approve", "Đồng ý khen thưởng"))

    assert (view.state, view.decided_by_name, view.comment) == ("approved", "Phạm Quang Huy", "Đồng ý khen thưởng")
    [approved] = review.uow.published(NominationApproved)
    assert (approved.nomination.id, approved.issuer.code) == (nom.id, "HN-SONTAY")
    assert review.uow.published(NominationForwarded) == []
    assert review.uow.data.nominations[nom.id].status == "closed"


@pytest.mark.asyncio
async def test_approval_below_the_awarding_level_forwards_the_dossier_to_the_parent_units_queue(review: Review) -> None:
    nom = dossier(award_code="bang_khen_tong_ldld", awarding_level="national")
    task_id = await claimed(review, nom)

    view = await tasks.decide(review.context, SONTAY, decision(task_id, "approve"))

    assert view.state == "forwarded"
    [forwarded] = review.uow.published(NominationForwarded)
    assert (forwarded.from_unit.code, forwarded.to_unit.code) == ("HN-SONTAY", "HN")
    city = await queues.list_queue(review.context, HANOI, QueueQuery(unit_code="HN"))
    [item] = city.items
    assert (item.nomination_id, item.unit_code, item.state) == (nom.id, "HN", "open")
    assert [h.state for h in view.history] == ["forwarded", "open"]  # the reply shows the state it committed
    assert review.uow.data.nominations[nom.id].status == "in_review"


@pytest.mark.asyncio
async def test_returning_needs_a_reason_and_the_resubmitted_dossier_comes_back_to_the_same_level(review: Review) -> None:
    nom = dossier()
    task_id = await claimed(review, nom)

    with pytest.raises(ValidationFailed) as no_reason:
        await tasks.decide(review.context, SONTAY, decision(task_id, "return", "  "))
    assert (no_reason.value.code, [f.field for f in no_reason.value.fields]) == ("reason_required", ["comment"])

    view = await tasks.decide(review.context, SONTAY, decision(task_id, "return", "Bổ sung biên bản họp"))
    assert view.state == "returned"
    [returned] = review.uow.published(NominationReturned)
    assert (returned.unit.code, returned.reason) == ("HN-SONTAY", "Bổ sung biên bản họp")
    nomination = review.uow.data.nominations[nom.id]
    assert (nomination.status, nomination.returned_at_unit) == ("returned", "HN-SONTAY")

    again = nom.model_copy(update={"round": 2})
    await intake.on_resubmitted(review.context, NominationResubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=again))
    reopened = [r for r in review.uow.data.tasks.values() if r.task.nomination_id == nom.id and r.task.is_active]
    assert [(r.task.unit.code, r.task.round) for r in reopened] == [("HN-SONTAY", 2)]
    assert review.uow.data.nominations[nom.id].status == "in_review"


@pytest.mark.asyncio
async def test_rejecting_with_a_reason_closes_the_nomination(review: Review) -> None:
    nom = dossier(award_code="bang_khen_tong_ldld", awarding_level="national")
    task_id = await claimed(review, nom)

    view = await tasks.decide(review.context, SONTAY, decision(task_id, "reject", "Thành tích chưa đủ tiêu chuẩn"))

    assert view.state == "rejected"
    [rejected] = review.uow.published(NominationRejected)
    assert (rejected.unit.code, rejected.reason) == ("HN-SONTAY", "Thành tích chưa đủ tiêu chuẩn")
    assert review.uow.published(NominationForwarded) == []
    assert review.uow.data.nominations[nom.id].status == "closed"


@pytest.mark.asyncio
async def test_forwarding_is_refused_until_the_council_of_the_level_passes_the_vote(review: Review) -> None:
    nom = dossier(award_code="cong_nhan_gioi_thu_do", awarding_level="city", catalog="union-2025.1")  # every level votes
    task_id = await claimed(review, nom)
    view = await queues.get_task(review.context, SONTAY, TaskRef(task_id=task_id))
    assert view.council.required is True
    assert view.council.blocking is not None
    assert view.council.blocking.code == "council_vote_missing"

    with pytest.raises(ValidationFailed) as missing:
        await tasks.decide(review.context, SONTAY, decision(task_id, "approve"))
    assert (missing.value.code, [f.field for f in missing.value.fields]) == ("council_vote_missing", ["council"])

    failed_vote = await councils.record_meeting(review.context, SONTAY, meeting(task_id, votes_for=6))  # 6/9 < 70 %
    assert [v.passed for v in failed_vote.votes] == [False]
    with pytest.raises(ValidationFailed) as failed:
        await tasks.decide(review.context, SONTAY, decision(task_id, "approve"))
    assert (failed.value.code, [f.field for f in failed.value.fields]) == ("council_vote_failed", ["council"])
    assert review.uow.data.tasks[task_id].task.state is TaskState.CLAIMED  # refused: nothing changed
    assert review.uow.published(NominationForwarded) == []

    passed_vote = await councils.record_meeting(review.context, SONTAY, meeting(task_id, votes_for=7))  # a re-vote counts
    assert [v.passed for v in passed_vote.votes] == [True]
    view = await tasks.decide(review.context, SONTAY, decision(task_id, "approve"))
    assert view.state == "forwarded"
    assert [h.passed for h in view.council.history] == [True, False]  # newest first, the failed vote kept
    [forwarded] = review.uow.published(NominationForwarded)
    assert forwarded.to_unit.code == "HN"
    assert len(review.uow.published(CouncilVoteRecorded)) == 2
    assert review.task_of(nom.id, "HN").task.state is TaskState.OPEN  # the city's own council votes again there
