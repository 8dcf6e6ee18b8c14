"""The bell for every kind of work, on an in-memory store: who is told of what (the unit's approvers of a new dossier,
batched per unit while unread; an assignee; the submitter of a returned, rejected, approved or decided dossier),
each event once however often it arrives, and each person's delivery choice per kind kept (review sends no email: the
notifier does, from the NotificationIssued events tested in test_notifier.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from services.portal.web.formatting import note_href
from services.review.domain import bell as rules
from services.review.store.records import NotificationRecord, Roster
from services.review.usecases import bell, intake, notifications, tasks
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import NotificationsRead
from shared.contracts.errors import ValidationFailed
from shared.contracts.events import (
    AwardGranted,
    CouncilVote,
    CouncilVoteRecorded,
    DecisionSnapshot,
    NominationApproved,
    NominationForwarded,
    NominationReturned,
    NominationSnapshot,
    NominationSubmitted,
    Nominee,
    NotificationIssued,
    Recipient,
    TaskClaimed,
    TaskOpened,
)
from shared.contracts.operations.review import (
    NOTIFICATION_KINDS,
    DecideTask,
    NoParams,
    Reassign,
    SetNotificationPreferences,
    TaskRef,
)
from shared.platform.clock import FixedClock
from tests.fakes import default_rulebook
from tests.fakes.review import FakeUnitOfWork
from tests.unit.factories import actor, path, unit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SUBMITTER = actor("u-dst", ("submitter", "HN-SONTAY-DST"), full_name="Cán bộ CĐCS DST")
SONTAY = actor("u-sontay", ("approver", "HN-SONTAY"), full_name="Phạm Quang Huy")
SONTAY_2 = actor("u-sontay2", ("approver", "HN-SONTAY"), full_name="Ngô Văn Nam")
SONTAY_ADMIN = actor("u-sontay-admin", ("unit_admin", "HN-SONTAY"), full_name="Quản trị Sơn Tây")
ROSTER = (Recipient(user_id="u-sontay", full_name="Phạm Quang Huy"), Recipient(user_id="u-sontay2", full_name="Ngô Văn Nam"))


@dataclass
class Review:
    uow: FakeUnitOfWork
    context: ReviewContext

    def notes(self, user_id: str) -> list[NotificationRecord]:
        return sorted((n for n in self.uow.data.notifications.values() if n.user_id == user_id), key=lambda n: n.id)

    async def bell_reads_back(self) -> None:
        """The bell's durable reads review's events as they were published, each once."""
        handlers = {
            TaskOpened: bell.on_task_opened,
            TaskClaimed: bell.on_task_claimed,
            NominationReturned: bell.on_returned,
            NominationApproved: bell.on_approved,
        }
        for event in list(self.uow.data.outbox):
            handler = handlers.get(type(event))
            if handler is not None:
                await handler(self.context, event)  # type: ignore[operator]


@pytest.fixture
def review() -> Review:
    uow = FakeUnitOfWork()
    uow.data.rosters["HN-SONTAY"] = Roster("HN-SONTAY", ROSTER, NOW)
    return Review(uow, ReviewContext(clock=FixedClock(NOW), unit_of_work=lambda: uow, rules=default_rulebook()))


def dossier(name: str = "Nguyễn Văn An") -> NominationSnapshot:
    return NominationSnapshot(
        id=str(uuid.uuid4()),
        unit_path=path("HN-SONTAY-DST"),
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen của LĐLĐ huyện",
        awarding_level="district",
        catalog_version="union-2024.1",
        period="2026",
        nominee=Nominee(kind="individual", name=name),
        achievements="Hoàn thành xuất sắc nhiệm vụ được giao trong năm.",
    )


async def submitted(review: Review, nom: NominationSnapshot) -> str:
    await intake.on_submitted(review.context, NominationSubmitted(occurred_at=NOW, actor=SUBMITTER, nomination=nom))
    [task_id] = [r.task.id for r in review.uow.data.tasks.values() if r.task.nomination_id == nom.id]
    return task_id


def granted(nomination_id: str) -> AwardGranted:
    decision = DecisionSnapshot(
        decision_id="d-1",
        number=15,
        number_text="15/QĐ-LĐLĐ",
        year=2026,
        issuer=unit("HN-SONTAY"),
        issued_at=NOW,
        award_code="giay_khen_ldld_huyen",
        award_name="Giấy khen của LĐLĐ huyện",
        prize_amount_vnd=0,
    )
    return AwardGranted(occurred_at=NOW, nomination_id=nomination_id, decision=decision)


# The rules, pure


def test_the_units_approvers_are_told_each_once_but_not_the_one_who_caused_it() -> None:
    roster = [*ROSTER, ROSTER[0]]
    assert rules.approvers_to_tell(roster, SUBMITTER) == ["u-sontay", "u-sontay2"]
    assert rules.approvers_to_tell(roster, SONTAY) == ["u-sontay2"]
    assert rules.approvers_to_tell(None, SUBMITTER) == []  # a unit the portal never announced: nobody known


def test_an_assignment_tells_the_assignee_and_a_claim_of_ones_own_tells_nobody() -> None:
    assert rules.assignee_to_tell("u-sontay2", SONTAY_ADMIN) == "u-sontay2"
    assert rules.assignee_to_tell("u-sontay", SONTAY) is None
    assert rules.assignee_to_tell(None, SONTAY) is None


def test_the_submitter_is_told_unless_they_caused_it_or_review_never_learnt_who_they_are() -> None:
    assert rules.submitter_to_tell("u-dst", SONTAY) == "u-dst"
    assert rules.submitter_to_tell("u-dst", SUBMITTER) is None
    assert rules.submitter_to_tell(None, SONTAY) is None


def test_a_batched_note_counts_one_more_dossier_and_names_the_newest() -> None:
    newest = rules.Dossier("n-2", "Trần Thị Bình", "Giấy khen")
    assert rules.batched_count(None) == 1
    assert rules.batched_count(2) == 3
    assert rules.new_in_queue_text(1, "LĐLĐ Sơn Tây", newest) == "Hồ sơ mới chờ xét tại LĐLĐ Sơn Tây: Trần Thị Bình – Giấy khen"
    assert rules.new_in_queue_text(3, "LĐLĐ Sơn Tây", newest).startswith("3 hồ sơ mới chờ xét tại LĐLĐ Sơn Tây; mới nhất: Trần")


def test_only_a_required_vote_that_did_not_pass_blocks() -> None:
    assert rules.council_blocks(passed=False, required=True)
    assert not rules.council_blocks(passed=True, required=True)
    assert not rules.council_blocks(passed=False, required=False)


def test_a_long_text_is_clipped_to_what_the_reply_allows() -> None:
    text = rules.returned_text(rules.Dossier("n", "A", "B"), "LĐLĐ", "x" * 900)
    assert len(text) == 500
    assert text.endswith("…")


def test_a_note_about_ones_own_dossier_opens_the_dossier_and_an_approvers_opens_the_task() -> None:
    assert note_href({"kind": "decided", "task_id": "t-1", "nomination_id": "n-1"}) == "/ho-so/n-1"
    assert note_href({"kind": "new_in_queue", "task_id": "t-1", "nomination_id": "n-1"}) == "/nhiem-vu/t-1"


# The use cases


@pytest.mark.asyncio
async def test_two_new_dossiers_give_each_approver_of_the_unit_one_note_counting_two(review: Review) -> None:
    first, second = dossier("Nguyễn Văn An"), dossier("Trần Thị Bình")
    await submitted(review, first)
    second_task = await submitted(review, second)

    await review.bell_reads_back()
    await review.bell_reads_back()  # every event again (a redelivery, a replay): nothing more

    for approver in ("u-sontay", "u-sontay2"):
        [note] = review.notes(approver)
        assert (note.kind, note.count, note.unit_code, note.task_id) == ("new_in_queue", 2, "HN-SONTAY", second_task)
        assert note.text.startswith("2 hồ sơ mới chờ xét tại")
        assert "Trần Thị Bình" in note.text
    assert review.notes("u-dst") == []  # the submitter is not an approver of the queue


@pytest.mark.asyncio
async def test_only_notes_the_person_chose_to_have_emailed_leave_an_event_for_the_notifier(review: Review) -> None:
    email_now = SetNotificationPreferences.model_validate({"items": [{"kind": "new_in_queue", "delivery": "email_now"}]})
    await notifications.set_notification_preferences(review.context, SONTAY_2, email_now)
    await submitted(review, dossier("Nguyễn Văn An"))
    await review.bell_reads_back()
    await submitted(review, dossier("Trần Thị Bình"))  # the batched note rewritten: a new revision for the notifier
    await review.bell_reads_back()

    issued = review.uow.published(NotificationIssued)
    assert [(e.user_id, e.delivery, e.revision) for e in issued] == [("u-sontay2", "email_now", 1), ("u-sontay2", "email_now", 2)]
    assert [n.count for n in review.notes("u-sontay")] == [2]  # the bell-only approver's note, with no event


@pytest.mark.asyncio
async def test_a_new_dossier_after_the_batch_was_read_starts_a_new_note(review: Review) -> None:
    await submitted(review, dossier())
    await review.bell_reads_back()
    await notifications.mark_notifications_read(review.context, SONTAY, NotificationsRead(ids=None))

    await submitted(review, dossier("Lê Văn Cường"))
    await review.bell_reads_back()

    read, unread = review.notes("u-sontay")
    assert (read.count, read.read_at is not None) == (1, True)
    assert (unread.count, unread.read_at, "Lê Văn Cường" in unread.text) == (1, None, True)


@pytest.mark.asyncio
async def test_a_task_reassigned_tells_the_assignee_and_a_claim_tells_nobody(review: Review) -> None:
    task_id = await submitted(review, dossier())
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=task_id))
    await tasks.release(review.context, SONTAY, TaskRef(task_id=task_id))
    await tasks.reassign(review.context, SONTAY_ADMIN, Reassign(task_id=task_id, assignee=SONTAY_2))
    await review.bell_reads_back()

    assert [n.kind for n in review.notes("u-sontay")] == ["new_in_queue"]
    [_, assigned] = review.notes("u-sontay2")
    assert (assigned.kind, assigned.task_id) == ("assigned", task_id)
    assert assigned.text.startswith("Quản trị Sơn Tây giao cho bạn xử lý hồ sơ Nguyễn Văn An")


@pytest.mark.asyncio
async def test_the_submitter_hears_of_a_return_with_its_reason(review: Review) -> None:
    nom = dossier()
    task_id = await submitted(review, nom)
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=task_id))
    decide = DecideTask.model_validate({"task_id": task_id, "action": "return", "comment": "Bổ sung biên bản họp"})
    await tasks.decide(review.context, SONTAY, decide)
    await review.bell_reads_back()

    [note] = review.notes("u-dst")
    assert (note.kind, note.nomination_id, note.unit_code) == ("returned", nom.id, "HN-SONTAY")
    assert note.text.endswith("trả lại để bổ sung: Bổ sung biên bản họp")


@pytest.mark.asyncio
async def test_the_submitter_hears_of_the_approval_then_of_the_decision_with_its_number_once(review: Review) -> None:
    nom = dossier()
    task_id = await submitted(review, nom)
    await tasks.claim(review.context, SONTAY, TaskRef(task_id=task_id))
    await tasks.decide(review.context, SONTAY, DecideTask.model_validate({"task_id": task_id, "action": "approve"}))
    await review.bell_reads_back()
    award = granted(nom.id)
    await bell.on_award_granted(review.context, award)
    await bell.on_award_granted(review.context, award)  # redelivered

    approved, decided = review.notes("u-dst")
    assert approved.kind == "approved"
    assert "đang chờ ra quyết định" in approved.text
    assert (decided.kind, decided.nomination_id, decided.task_id) == ("decided", nom.id, task_id)
    assert "quyết định khen thưởng số 15/QĐ-LĐLĐ" in decided.text
    assert decided.event_id == str(award.event_id)


@pytest.mark.asyncio
async def test_a_required_council_vote_that_fails_tells_the_submitter(review: Review) -> None:
    nom = dossier()
    task_id = await submitted(review, nom)

    def vote(passed: bool) -> CouncilVoteRecorded:
        return CouncilVoteRecorded(
            occurred_at=NOW,
            actor=SONTAY,
            nomination_id=nom.id,
            task_id=task_id,
            meeting_id="m-1",
            unit=unit("HN-SONTAY"),
            level_unit=unit("HN-SONTAY"),
            held_on=date(2026, 3, 2),
            vote=CouncilVote(members=9, present=9, votes_for=4 if not passed else 8, votes_against=5 if not passed else 1),
            passed=passed,
            required=True,
            explanation="4/9 phiếu đồng ý, cần trên 50%",
        )

    await bell.on_council_vote(review.context, vote(passed=True))
    await bell.on_council_vote(review.context, vote(passed=False))

    [note] = review.notes("u-dst")
    assert note.kind == "council_blocked"
    assert note.text.endswith("4/9 phiếu đồng ý, cần trên 50%")


@pytest.mark.asyncio
async def test_each_kind_is_the_bell_only_until_the_person_chooses_and_a_daily_digest_needs_its_hour(review: Review) -> None:
    chosen = await notifications.notification_preferences(review.context, SUBMITTER, NoParams())
    assert [i.kind for i in chosen.items] == list(NOTIFICATION_KINDS)
    assert {i.delivery for i in chosen.items} == {"bell"}
    assert chosen.email_sent is False  # review's own answer; the portal says True when the notifier answers

    with pytest.raises(ValidationFailed):
        await notifications.set_notification_preferences(
            review.context,
            SUBMITTER,
            SetNotificationPreferences.model_validate({"items": [{"kind": "decided", "delivery": "email_daily"}]}),
        )
    changes = SetNotificationPreferences.model_validate(
        {
            "items": [
                {"kind": "decided", "delivery": "email_daily", "digest_hour": 7},
                {"kind": "returned", "delivery": "email_now", "digest_hour": 7},
            ]
        }
    )
    after = await notifications.set_notification_preferences(review.context, SUBMITTER, changes)

    by_kind = {i.kind: (i.delivery, i.digest_hour) for i in after.items}
    assert by_kind["decided"] == ("email_daily", 7)
    assert by_kind["returned"] == ("email_now", None)  # an hour only means something for the digest
    assert by_kind["rejected"] == ("bell", None)
    other = await notifications.notification_preferences(review.context, SONTAY, NoParams())
    assert {i.delivery for i in other.items} == {"bell"}  # one person's choice is theirs alone


@pytest.mark.asyncio
async def test_the_submitter_hears_that_the_city_received_the_overdue_dossier_not_that_the_district_approved_it(
    review: Review,
) -> None:
    nom = dossier()
    await submitted(review, nom)
    hanoi = actor("u-hanoi", ("approver", "HN"), full_name="Đỗ Mạnh Cường")
    event = NominationForwarded(
        occurred_at=NOW,
        actor=hanoi,
        nomination_id=nom.id,
        from_unit=unit("HN-SONTAY"),
        to_unit=unit("HN"),
        comment="Cấp trên nhận trực tiếp do quá hạn",
        received_directly=True,
    )
    await bell.on_forwarded(review.context, event)
    [note] = review.notes("u-dst")
    assert note.kind == "forwarded"
    assert "quá hạn ở Liên đoàn Lao động thị xã Sơn Tây" in note.text
    assert "đã nhận trực tiếp để xét ở cấp mình" in note.text
    assert "duyệt" not in note.text
