"""Every note review writes on someone's bell that the person chose to have emailed (at once, or in a daily digest)
also leaves as a `NotificationIssued` event, through the outbox in the same transaction: the note's id, its words, the
dossier, and the person's delivery choice for its kind at that moment. The notifier emails from these events alone
(services/notifier); the bell itself does not change. A note on the bell only (the default) leaves no event: the
notifier would do nothing with it, and at intake those events were most of what it and the bus did per dossier."""

from __future__ import annotations

from datetime import datetime

from services.review.store.port import UnitOfWork
from services.review.store.records import NewNotification, Preference
from shared.contracts.events import NotificationIssued


async def issue(uow: UnitOfWork, *notes: NewNotification) -> None:
    """Write the notes and publish one NotificationIssued per note to be emailed."""
    if not notes:
        return
    ids = await uow.notifications.add(*notes)
    choices: dict[str, dict[str, Preference]] = {}
    events = []
    for note, note_id in zip(notes, ids, strict=True):
        chosen = await _choices(uow, choices, note.user_id)
        if emailed(preference := chosen.get(note.kind)):
            events.append(issued(note, note_id, preference, revision=note.count))
    await uow.publish(*events)


async def reissue(
    uow: UnitOfWork, note_id: int, note: NewNotification, *, count: int, text: str, task_id: str, nomination_id: str, at: datetime
) -> None:
    """A batched note rewritten (one more dossier in the unit's queue): the note and its event say so."""
    await uow.notifications.update_batch(note_id, count=count, text=text, task_id=task_id, nomination_id=nomination_id, at=at)
    preference = (await _choices(uow, {}, note.user_id)).get(note.kind)
    if not emailed(preference):
        return
    rewritten = NewNotification(
        user_id=note.user_id,
        kind=note.kind,
        task_id=task_id,
        nomination_id=nomination_id,
        unit_code=note.unit_code,
        text=text,
        due_at=note.due_at,
        created_at=at,
    )
    await uow.publish(issued(rewritten, note_id, preference, revision=count))


def emailed(preference: Preference | None) -> bool:
    """Whether the person chose an email for this kind of note (none chosen: the bell only)."""
    return preference is not None and preference.delivery != "bell"


def issued(note: NewNotification, note_id: int, preference: Preference | None, *, revision: int = 1) -> NotificationIssued:
    delivery = preference.delivery if preference is not None else "bell"
    return NotificationIssued.model_validate(
        {
            "occurred_at": note.created_at,
            "correlation_id": note.nomination_id or None,
            "note_id": note_id,
            "revision": revision,
            "user_id": note.user_id,
            "kind": note.kind,
            "text": note.text,
            "nomination_id": note.nomination_id,
            "task_id": note.task_id,
            "unit_code": note.unit_code,
            "due_at": note.due_at,
            "delivery": delivery,
            "digest_hour": preference.digest_hour if preference is not None and delivery == "email_daily" else None,
        }
    )


async def _choices(uow: UnitOfWork, cache: dict[str, dict[str, Preference]], user_id: str) -> dict[str, Preference]:
    if user_id not in cache:
        cache[user_id] = {p.kind: p for p in await uow.preferences.of_user(user_id)}
    return cache[user_id]
