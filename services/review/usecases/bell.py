"""The bell for every kind of work: review's own events (a new dossier in a queue, a task assigned, a dossier returned,
rejected, forwarded, approved, blocked by its council) and awards' (decided with its number), turned into notes.

Review reads them back from the bus on its own durables (`review-bell` on REVIEW, `review-awards` on AWARDS), so a
note never holds up the decision it tells of, and each event is handled once (`first_delivery` in the inbox, and a
unique event + recipient + dossier key on the notes): a redelivery or a replay adds nothing.
Who is told, and in what words: domain.bell. Each note written also leaves as a NotificationIssued event (usecases.notes)
for the notifier's email.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from services.review.domain import bell
from services.review.store.port import UnitOfWork
from services.review.store.records import NewNotification
from services.review.usecases import notes
from services.review.usecases.context import ReviewContext
from shared.contracts.events import (
    AwardGranted,
    AwardProposed,
    CouncilVoteRecorded,
    Event,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationReturned,
    NominationsApproved,
    NominationSnapshot,
    StateOutcomeRecorded,
    TaskClaimed,
    TaskOpened,
)
from shared.contracts.operations.review import NotificationKind
from shared.contracts.values import UnitRef

BELL = "review-bell"  # the inbox's name for the bell's reactions (review's intake keeps its own, "review")

Build = Callable[[UnitOfWork], Awaitable[list[NewNotification]]]


async def _once(review: ReviewContext, event: Event, build: Build) -> None:
    async with review.unit_of_work() as uow:
        if await uow.first_delivery(BELL, event, review.clock.now()):
            await notes.issue(uow, *await build(uow))
        await uow.commit()


def _dossier(snapshot: NominationSnapshot) -> bell.Dossier:
    return bell.Dossier(nomination_id=snapshot.id, nominee_name=snapshot.nominee.name, award_name=snapshot.award_name)


async def _submitter_note(
    uow: UnitOfWork, event: Event, nomination_id: str, kind: NotificationKind, unit: UnitRef, words: Callable[[bell.Dossier], str]
) -> list[NewNotification]:
    """The note for the dossier's submitter (none if review does not know them, or they caused the event)."""
    record = await uow.nominations.get(nomination_id)
    if record is None or record.snapshot is None:
        return []
    recipient = bell.submitter_to_tell(record.submitted_by, event.actor)
    if recipient is None:
        return []
    tasks = await uow.tasks.of_nomination(nomination_id)
    return [
        NewNotification(
            user_id=recipient,
            kind=kind,
            task_id=tasks[-1].task.id if tasks else "",
            nomination_id=nomination_id,
            unit_code=unit.code,
            text=words(_dossier(record.snapshot)),
            due_at=None,
            created_at=event.occurred_at,
            event_id=str(event.event_id),
        )
    ]


async def on_task_opened(review: ReviewContext, event: TaskOpened) -> None:
    """A new dossier in a unit's queue: its approvers hear of it, in one note per unit while they have not read it."""

    async def build(uow: UnitOfWork) -> list[NewNotification]:
        unit = event.task.queue_unit or event.task.unit
        roster = await uow.rosters.get(unit.code, lock=True)  # one batch update at a time per unit
        record = await uow.nominations.get(event.task.nomination_id)
        if record is None or record.snapshot is None:
            return []
        dossier = _dossier(record.snapshot)
        new: list[NewNotification] = []
        for user_id in bell.approvers_to_tell(roster.approvers if roster else None, event.actor):
            unread = await uow.notifications.unread_batch(user_id, "new_in_queue", unit.code)
            count = bell.batched_count(unread.count if unread else None)
            text = bell.new_in_queue_text(count, unit.name, dossier)
            if unread is not None:
                await notes.reissue(
                    uow,
                    unread.id,
                    unread,
                    count=count,
                    text=text,
                    task_id=event.task.task_id,
                    nomination_id=dossier.nomination_id,
                    at=event.occurred_at,
                )
                continue
            new.append(
                NewNotification(
                    user_id=user_id,
                    kind="new_in_queue",
                    task_id=event.task.task_id,
                    nomination_id=dossier.nomination_id,
                    unit_code=unit.code,
                    text=text,
                    due_at=event.task.due_at,
                    created_at=event.occurred_at,
                    event_id=str(event.event_id),
                )
            )
        return new

    await _once(review, event, build)


async def on_task_claimed(review: ReviewContext, event: TaskClaimed) -> None:
    """A task claimed on someone's behalf (reassigned to them) tells them; a claim of one's own tells nobody."""

    async def build(uow: UnitOfWork) -> list[NewNotification]:
        assignee = bell.assignee_to_tell(event.task.claimant_id, event.actor)
        record = await uow.nominations.get(event.task.nomination_id)
        if assignee is None or record is None or record.snapshot is None:
            return []
        holder = event.task.queue_unit or event.task.unit
        return [
            NewNotification(
                user_id=assignee,
                kind="assigned",
                task_id=event.task.task_id,
                nomination_id=event.task.nomination_id,
                unit_code=holder.code,
                text=bell.assigned_text(_dossier(record.snapshot), event.actor),
                due_at=event.task.due_at,
                created_at=event.occurred_at,
                event_id=str(event.event_id),
            )
        ]

    await _once(review, event, build)


async def on_returned(review: ReviewContext, event: NominationReturned) -> None:
    def words(d: bell.Dossier) -> str:
        return bell.returned_text(d, event.unit.name, event.reason)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "returned", event.unit, words))


async def on_rejected(review: ReviewContext, event: NominationRejected) -> None:
    def words(d: bell.Dossier) -> str:
        return bell.rejected_text(d, event.unit.name, event.reason)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "rejected", event.unit, words))


async def on_forwarded(review: ReviewContext, event: NominationForwarded) -> None:
    def words(d: bell.Dossier) -> str:
        return bell.forwarded_text(d, event.from_unit.name, event.to_unit.name, event.proposal_number)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "forwarded", event.from_unit, words))


async def on_approved(review: ReviewContext, event: NominationApproved) -> None:
    def words(d: bell.Dossier) -> str:
        return bell.approved_text(d, event.issuer.name)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination.id, "approved", event.issuer, words))


async def on_batch_approved(review: ReviewContext, event: NominationsApproved) -> None:
    """A batch approval tells each nomination's submitter, as a single approval would."""

    def words(d: bell.Dossier) -> str:
        return bell.approved_text(d, event.issuer.name)

    async def build(uow: UnitOfWork) -> list[NewNotification]:
        notes: list[NewNotification] = []
        for nom in event.nominations:
            notes += await _submitter_note(uow, event, nom.id, "approved", event.issuer, words)
        return notes

    await _once(review, event, build)


async def on_council_vote(review: ReviewContext, event: CouncilVoteRecorded) -> None:
    """A required council vote that did not pass blocks the dossier at this level: its submitter hears of it."""

    def words(d: bell.Dossier) -> str:
        return bell.council_blocked_text(d, event.unit.name, event.explanation)

    async def build(uow: UnitOfWork) -> list[NewNotification]:
        if not bell.council_blocks(event.passed, event.required):
            return []
        return await _submitter_note(uow, event, event.nomination_id, "council_blocked", event.unit, words)

    await _once(review, event, build)


async def on_award_granted(review: ReviewContext, event: AwardGranted) -> None:
    """Awards numbered the decision: the submitter hears of it with its number."""
    decision = event.decision

    def words(d: bell.Dossier) -> str:
        return bell.granted_text(d, decision.number_text, decision.issuer.name)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "decided", decision.issuer, words))


async def on_award_proposed(review: ReviewContext, event: AwardProposed) -> None:
    """A state title went up to the deciding authority with the union's numbered tờ trình."""
    proposal = event.proposal

    def words(d: bell.Dossier) -> str:
        return bell.proposed_text(d, proposal.number_text, event.decided_by)

    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "decided", proposal.issuer, words))


async def on_state_outcome(review: ReviewContext, event: StateOutcomeRecorded) -> None:
    """The state authority decided on a title the union proposed: the submitter hears whether it was granted."""
    outcome = event.outcome

    def words(d: bell.Dossier) -> str:
        return bell.state_outcome_text(d, outcome.granted, outcome.number_text, outcome.authority)

    issuer = event.proposal.issuer
    await _once(review, event, lambda uow: _submitter_note(uow, event, event.nomination_id, "decided", issuer, words))
