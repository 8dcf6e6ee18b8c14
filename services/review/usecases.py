"""Review's commands (claim, release, reassign, decide), queries (queues, tasks) and reactions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.review import councils, timers
from services.review.domain.deadlines import due_at, end_of_day
from services.review.domain.task import (
    ACTIVE_STATES,
    STATE_LABELS_VI,
    Action,
    ReviewTask,
    TaskState,
    escalation_chain,
    is_unit_admin,
    parent_in_path,
    require_approver,
    require_reason,
)
from services.review.store.port import UnitOfWork
from services.review.store.records import (
    MovedTasks,
    NominationRecord,
    QueueFilter,
    ReorganisationRecord,
    ReorganisationSummary,
    TaskRecord,
)
from services.review.store.sql import SqlUnitOfWork
from shared.contracts.commands import NotificationsRead, TaskDecision
from shared.contracts.commands import SendBack as SendBackBody
from shared.contracts.errors import Forbidden, NotFound, ValidationFailed
from shared.contracts.events import (
    Actor,
    Event,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationResubmitted,
    NominationReturned,
    NominationSnapshot,
    NominationSubmitted,
    NominationWithdrawn,
    TaskClaimed,
    TaskOpened,
    TaskReleased,
    TaskReorganised,
    TaskSentBack,
    UnitApproversChanged,
    UnitsReorganised,
)
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.observability import require_operations
from shared.platform.service import ServiceContext
from shared.rules.catalog import award_on, catalogs_on
from shared.rules.eligibility import evaluate_declared

CONSUMER = "review"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class QueueQuery(_Params):
    unit_code: str
    state: Literal["open", "claimed", "overdue", "escalated_in", "escalated_out", "active", "done", "all"] = "active"
    award_code: str | None = None
    due_before: date | None = None
    origin_unit_code: str | None = None
    period: str | None = None
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class TaskRef(_Params):
    task_id: str


class Reassign(_Params):
    task_id: str
    assignee: Actor


class Decide(TaskDecision):
    task_id: str


class SendBack(SendBackBody):
    task_id: str


class NotificationsQuery(_Params):
    unread_only: bool = False
    limit: int = Field(default=20, ge=1, le=200)


class MarkRead(NotificationsRead):
    pass


def unit_of_work(ctx: ServiceContext) -> UnitOfWork:
    return SqlUnitOfWork(ctx.engine, ctx.outbox_written)


# Reactions to registration's events


async def on_submitted(ctx: ServiceContext, event: NominationSubmitted) -> None:
    nom = event.nomination
    async with unit_of_work(ctx) as uow:
        if await uow.first_delivery(CONSUMER, event, ctx.clock.now()) and await uow.nominations.get(nom.id) is None:
            # (a nomination already known was withdrawn before we saw it, or is already open)
            superior = parent_in_path(nom.unit_path, nom.unit.code)
            if superior is None:
                raise ValueError(f"nomination {nom.id} has no superior unit in its path")
            await uow.nominations.add(NominationRecord(id=nom.id, snapshot=nom, status="in_review", updated_at=event.occurred_at))
            await uow.publish(await open_task(uow, nom, superior, event))
        await uow.commit()


async def on_resubmitted(ctx: ServiceContext, event: NominationResubmitted) -> None:
    nom = event.nomination
    async with unit_of_work(ctx) as uow:
        if await uow.first_delivery(CONSUMER, event, ctx.clock.now()):
            existing = await uow.nominations.get(nom.id, lock=True)
            if existing is not None and existing.status == "returned":  # else already withdrawn, or an outdated resubmission
                unit = next((u for u in nom.unit_path if u.code == existing.returned_at_unit), None)
                if unit is None:
                    raise ValueError(f"returned-at unit {existing.returned_at_unit} not on the path of {nom.id}")
                await uow.nominations.reopen(nom.id, nom, event.occurred_at)
                await uow.publish(await open_task(uow, nom, unit, event))
        await uow.commit()


async def on_withdrawn(ctx: ServiceContext, event: NominationWithdrawn) -> None:
    async with unit_of_work(ctx) as uow:
        if await uow.first_delivery(CONSUMER, event, ctx.clock.now()):
            # Lock order as in `decide`: the nomination's tasks first, then the nomination.
            await uow.tasks.lock_of_nomination(event.nomination_id)
            existing = await uow.nominations.get(event.nomination_id, lock=True)
            if existing is None:
                withdrawn = NominationRecord(
                    id=event.nomination_id, snapshot=None, status="withdrawn", updated_at=event.occurred_at
                )
                await uow.nominations.add(withdrawn)
            else:
                await uow.nominations.set_status([event.nomination_id], "withdrawn", event.occurred_at)
                await uow.tasks.cancel_active_of_nomination(event.nomination_id, event.occurred_at, event.reason or None)
        await uow.commit()


async def on_units_reorganised(ctx: ServiceContext, event: UnitsReorganised) -> None:
    """Registration reorganised the tree: every active task whose holder is no longer on its nomination's
    path moves to the new superior's queue, keeping its due date and timers; claims there are released."""
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        # The same reorganisation again under another event id is followed already.
        if await uow.first_delivery(CONSUMER, event, now) and await uow.reorganisations.get(event.reorganisation_id) is None:
            summary, events = await _follow_reorganisation(uow, event, now, write=True)
            await uow.reorganisations.add(ReorganisationRecord(event.reorganisation_id, event.effective_on, now, summary))
            await uow.publish(*events)
        await uow.commit()


async def _follow_reorganisation(
    uow: UnitOfWork, event: UnitsReorganised, now: datetime, *, write: bool
) -> tuple[ReorganisationSummary, list[Event]]:
    paths: dict[str, list[UnitRef]] = {}
    for nomination in await uow.nominations.under_review():
        if nomination.snapshot is None:
            continue
        nom = nomination.snapshot
        new_path = event.new_path(nom.unit_path)
        if new_path != nom.unit_path:
            paths[nomination.id] = new_path
            if write:
                changed = nom.model_copy(update={"unit_path": new_path})
                # A dossier returned by a unit that is gone goes back, when resubmitted, to the unit now at its level.
                returned_at = nomination.returned_at_unit
                returned_to = _same_level(nom.unit_path, new_path, returned_at) if returned_at else None
                await uow.nominations.repath(nomination.id, changed, returned_to)
    per_unit: dict[str, MovedTasks] = {}
    events: list[Event] = []
    released = repointed = 0
    for record in await uow.tasks.active_of_nominations(sorted(paths), lock=write):
        task = record.task
        after = task.rehome(paths[task.nomination_id])
        if after == task:
            continue
        if after.holder.code == task.holder.code:
            repointed += 1  # a renamed unit, or an escalated task whose own level changed: same queue
            if write:
                await uow.tasks.save(replace(record, task=after))
            continue
        moved_here = per_unit.get(after.holder.code, MovedTasks(name=after.holder.name, tasks=0))
        per_unit[after.holder.code] = moved_here.model_copy(update={"tasks": moved_here.tasks + 1})
        released += task.claimant_id is not None
        if not write:
            continue
        moved = replace(record, task=after, claimed_at=None)
        await uow.tasks.save(moved)
        comment = f"Sắp xếp tổ chức từ {event.effective_on:%d/%m/%Y}: {event.title}"
        await timers.record_move(uow, task, after, "reorganised", now, actor=event.actor, comment=comment)
        await timers.follow_new_holder(uow, after, now)
        await timers.notify_unit(uow, moved, "reorganised_in", now)
        events.append(
            TaskReorganised(
                occurred_at=now,
                correlation_id=task.nomination_id,
                actor=event.actor,
                task=after.snapshot(),
                from_unit=task.holder,
                to_unit=after.holder,
                reorganisation_id=event.reorganisation_id,
                effective_on=event.effective_on,
                released_claimant=task.claimant_name,
            )
        )
    summary = ReorganisationSummary(
        reorganisation_id=event.reorganisation_id,
        tasks_moved=sum(e.tasks for e in per_unit.values()),
        tasks_moved_per_new_unit=dict(sorted(per_unit.items())),
        claims_released=released,
        tasks_repointed=repointed,
        nominations_repathed=len(paths),
    )
    return summary, events


def _same_level(old_path: list[UnitRef], new_path: list[UnitRef], code: str) -> str:
    """The unit of `new_path` at the level `code` held on `old_path` (itself when it is still there)."""
    level = next((u.level for u in old_path if u.code == code), None)
    return next((u.code for u in new_path if u.code == code or u.level == level), code)


class ReorganisationRef(_Params):
    id: str


class ReorganisationPreview(_Params):
    event: UnitsReorganised


async def reorganisation_result(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """What review did for a reorganisation, once it has followed it."""
    require_operations(actor)
    q = ReorganisationRef.model_validate(params)
    async with unit_of_work(ctx) as uow:
        record = await uow.reorganisations.get(q.id)
    if record is None:
        return {"processed": False, "summary": None}
    return {"processed": True, "processed_at": record.processed_at.isoformat(), "summary": record.summary.model_dump(mode="json")}


async def reorganisation_preview(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The tasks a reorganisation would move (nothing is written)."""
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống", code="admin_only")
    q = ReorganisationPreview.model_validate(params)
    async with unit_of_work(ctx) as uow:
        summary, _ = await _follow_reorganisation(uow, q.event, ctx.clock.now(), write=False)
    return summary.model_dump(mode="json")


async def open_task(uow: UnitOfWork, nom: NominationSnapshot, unit: UnitRef, cause: Event) -> TaskOpened:
    """A new task in `unit`'s queue for the nomination, due by the level's deadline, with its timers."""
    award = award_on(nom.award_code, cause.occurred_at.astimezone(VIETNAM_TZ).date())
    due = due_at(cause.occurred_at, unit.level, award.kind if award else "yearly", award_code=nom.award_code)
    task = ReviewTask(
        id=str(uuid4()), nomination_id=nom.id, unit=unit, state=TaskState.OPEN, round=nom.round, due_at=due, queue_unit=unit
    )
    await uow.tasks.add(
        TaskRecord(
            task=task,
            award_code=nom.award_code,
            award_name=nom.award_name,
            nominee_name=nom.nominee.name,
            nominee_kind=nom.nominee.kind,
            origin_unit_code=nom.unit.code,
            origin_unit_name=nom.unit.name,
            period=nom.period,
            opened_at=cause.occurred_at,
        )
    )
    await timers.schedule(uow, task, cause.occurred_at)
    return TaskOpened(occurred_at=cause.occurred_at, correlation_id=nom.id, actor=cause.actor, task=task.snapshot())


# Commands from approvers


async def claim(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = TaskRef.model_validate(params)
    now = ctx.clock.now()
    return await _change_claim(ctx, actor, cmd.task_id, lambda t: t.claim(actor, now), TaskClaimed, claimed_at=now)


async def release(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = TaskRef.model_validate(params)
    return await _change_claim(ctx, actor, cmd.task_id, lambda t: t.release(actor), TaskReleased, claimed_at=None)


async def reassign(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = Reassign.model_validate(params)
    now = ctx.clock.now()
    return await _change_claim(ctx, actor, cmd.task_id, lambda t: t.reassign(actor, cmd.assignee), TaskClaimed, claimed_at=now)


async def _change_claim(
    ctx: ServiceContext,
    actor: Actor,
    task_id: str,
    change: Callable[[ReviewTask], ReviewTask],
    event_type: type[TaskClaimed] | type[TaskReleased],
    *,
    claimed_at: datetime | None,
) -> dict[str, Any]:
    """Claim, release or reassign: apply the domain change and record who holds the task now."""
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        record = await load_task(uow, task_id, lock=True)
        changed = change(record.task)
        if changed is not record.task:
            await uow.tasks.save(replace(record, task=changed, claimed_at=claimed_at))
            await uow.publish(
                event_type(occurred_at=now, correlation_id=changed.nomination_id, actor=actor, task=changed.snapshot())
            )
        view = await task_view(uow, actor, task_id, now)
        await uow.commit()
    return view


async def decide(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = Decide.model_validate(params)
    action = Action(cmd.action)
    require_reason(action, cmd.comment)
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        record = await load_task(uow, cmd.task_id, lock=True)
        task = record.task
        nom = await nomination_of(uow, task, lock=True)
        decided = task.decide(actor, action, is_awarding_level=task.unit.level == nom.awarding_level)
        if decided.state in (TaskState.FORWARDED, TaskState.APPROVED):
            await councils.gate(uow, task, nom)  # the council of the task's own level, also when taken over
        await uow.tasks.save(decision(record, decided, actor, cmd.comment, now))
        await uow.publish(*await consequences(uow, decided, nom, actor, cmd.comment, now))
        view = await task_view(uow, actor, cmd.task_id, now)
        await uow.commit()
    return view


def decision(record: TaskRecord, decided: ReviewTask, actor: Actor, comment: str, now: datetime) -> TaskRecord:
    """The task's row once decided by `actor`."""
    return replace(
        record,
        task=decided,
        decided_at=now,
        decided_by=actor.user_id,
        decided_by_name=actor.full_name or actor.username,
        comment=comment or None,
    )


async def send_back(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """An approver of the unit holding an escalated task returns it to the task's own unit with a new due date."""
    cmd = SendBack.model_validate(params)
    if len(cmd.comment.strip()) < 5:
        raise ValidationFailed.on("comment", "Cần ghi rõ yêu cầu khi trả về cấp dưới (ít nhất 5 ký tự)", code="reason_required")
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        record = await load_task(uow, cmd.task_id, lock=True)
        task = record.task
        moved = replace(record, task=task.send_back(actor, end_of_day(cmd.due_on), now))
        await uow.tasks.save(moved)
        await timers.record_move(uow, task, moved.task, "sent_back", now, actor=actor, comment=cmd.comment)
        await timers.schedule(uow, moved.task, now)
        await timers.notify_unit(uow, moved, "sent_back", now)
        event = TaskSentBack(
            occurred_at=now,
            correlation_id=task.nomination_id,
            actor=actor,
            task=moved.task.snapshot(),
            from_unit=task.holder,
            to_unit=moved.task.holder,
            comment=cmd.comment,
        )
        await uow.publish(event)
        view = await task_view(uow, actor, cmd.task_id, now)
        await uow.commit()
    return view


async def on_approvers_changed(ctx: ServiceContext, event: UnitApproversChanged) -> None:
    """Keep the roster replica; a unit left without an active approver escalates its open tasks at once."""
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        if await uow.first_delivery(CONSUMER, event, now):
            await timers.keep_roster(uow, event, now)
        await uow.commit()


async def consequences(
    uow: UnitOfWork,
    task: ReviewTask,
    nom: NominationSnapshot,
    actor: Actor,
    comment: str,
    now: datetime,
    *,
    proposal_number: str | None = None,
) -> list[Event]:
    """What a decision does beyond the task: the next level's task, or the nomination closed or returned."""
    common: dict[str, Any] = {"occurred_at": now, "correlation_id": nom.id, "actor": actor}
    if task.state is TaskState.FORWARDED:
        parent = parent_in_path(nom.unit_path, task.unit.code)
        if parent is None:
            raise ValidationFailed.on("action", "Không có cấp trên để chuyển hồ sơ", code="no_parent_unit")
        forwarded = NominationForwarded(
            nomination_id=nom.id, from_unit=task.unit, to_unit=parent, comment=comment, proposal_number=proposal_number, **common
        )
        opened = await open_task(uow, nom, parent, forwarded)
        return [forwarded, opened]
    if task.state is TaskState.APPROVED:
        await uow.nominations.set_status([nom.id], "closed", now)
        return [NominationApproved(nomination=nom, issuer=task.unit, comment=comment, **common)]
    if task.state is TaskState.RETURNED:
        await uow.nominations.returned(nom.id, task.unit.code, now)
        return [NominationReturned(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]
    await uow.nominations.set_status([nom.id], "closed", now)
    return [NominationRejected(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]


# Queries


async def list_queue(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A unit's queue: the tasks it holds (its own and those escalated to it), or, read-only,
    its own tasks that escalated away (`escalated_out`)."""
    q = QueueQuery.model_validate(params)
    if not actor.sees_everything():
        require_approver(actor, _unit_stub(q.unit_code))
    now = ctx.clock.now()
    async with unit_of_work(ctx) as uow:
        page = await uow.tasks.queue_page(QueueFilter(**q.model_dump()), now)
    counts = page.counts
    return {
        "unit_code": q.unit_code,
        "total": page.total,
        "counts": {
            "open": counts.open,
            "claimed": counts.claimed,
            "overdue": counts.overdue,
            "escalated_in": counts.escalated_in,
            "escalated_out": counts.escalated_out,
        },
        "items": [task_summary(r, now) for r in page.items],
    }


async def get_task(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = TaskRef.model_validate(params)
    async with unit_of_work(ctx) as uow:
        return await task_view(uow, actor, q.task_id, ctx.clock.now())


async def task_view(uow: UnitOfWork, actor: Actor, task_id: str, now: datetime) -> dict[str, Any]:
    """One task with its dossier and history. Every unit from the task's own up to the one holding it
    may look; only the holder's approvers act (the lower units see an escalated task read-only)."""
    record = await load_task(uow, task_id)
    task = record.task
    nomination = await uow.nominations.get(task.nomination_id)
    nom = nomination.snapshot if nomination is not None else None
    chain = escalation_chain(nom.unit_path if nom else [], task)
    moves = await uow.moves.of_task(task.id)
    # Who may look: the units from the task's own up to its holder, and any unit it passed through
    # (a city that sent a task back down keeps sight of it).
    watchers = {u.code for u in chain} | {unit.code for m in moves for unit in (m.from_unit, m.to_unit)}
    if not actor.sees_everything() and not any(approves_code(actor, code) for code in watchers):
        require_approver(actor, task.holder)  # raises with the usual message
    history = await uow.tasks.of_nomination(task.nomination_id)
    council = await councils.council_view(uow, task, nom)
    proposals = await uow.proposals.of_nomination(task.nomination_id)
    can_act = approves(actor, task.holder) or actor.is_admin
    view = task_summary(record, now)
    view["nomination"] = nom.model_dump(mode="json") if nom else None
    view["history"] = [task_summary(h, now) for h in history]
    view["moves"] = [
        {
            "kind": m.kind,
            "at": m.at.isoformat(),
            "from_unit": m.from_unit.model_dump(),
            "to_unit": m.to_unit.model_dump(),
            "reason": m.reason,
            "was_due_at": _iso(m.was_due_at),
            "new_due_at": _iso(m.new_due_at),
            "actor_name": m.actor_name,
            "comment": m.comment,
        }
        for m in moves
    ]
    view["can_admin"] = is_unit_admin(actor, task.holder)
    view["can_act"] = can_act
    view["can_send_back"] = can_act and task.is_escalated and task.is_active
    view["escalation_chain"] = [u.model_dump() for u in chain]
    view["eligibility_recheck"] = _recheck(nom, record.opened_at)
    view["council"] = council
    view["can_record_council"] = can_act and task.is_active
    view["proposals"] = [
        {
            "id": p.id,
            "number_text": p.number_text,
            "issued_on": p.issued_on.isoformat(),
            "issued_on_vn": f"{p.issued_on:%d/%m/%Y}",
            "unit_name": p.unit.name,
            "to_unit_name": p.to_unit.name,
            "signer_name": p.signer_name,
        }
        for p in proposals
    ]
    return view


def _recheck(nom: NominationSnapshot | None, opened_at: datetime) -> list[dict[str, Any]] | None:
    """The award's criteria judged again at this level, against the catalogue in force when the task opened.

    Only what the snapshot holds: the declared facts. The rules that need registration's records (one achievement,
    toàn diện vs chuyên đề, titles granted through the system) and the quotas are not re-run here; their result at
    submission travels in the snapshot's `eligibility`.
    """
    if nom is None:
        return None
    catalogs = catalogs_on(opened_at.astimezone(VIETNAM_TZ).date())
    award = catalogs.get(nom.award_code)
    if award is None:
        return None

    def title_name(code: str) -> str:
        found = catalogs.get(code)
        return found.name if found else code

    return [c.model_dump() for c in evaluate_declared(award, nom.nominee, nom.period, title_name=title_name)]


async def list_notifications(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = NotificationsQuery.model_validate(params)
    async with unit_of_work(ctx) as uow:
        unread = await uow.notifications.unread_count(actor.user_id)
        notes = await uow.notifications.of_user(actor.user_id, unread_only=q.unread_only, limit=q.limit)
    return {
        "unread": unread,
        "items": [
            {
                "id": n.id,
                "kind": n.kind,
                "task_id": n.task_id,
                "nomination_id": n.nomination_id,
                "unit_code": n.unit_code,
                "text": n.text,
                "due_at": _iso(n.due_at),
                "created_at": _iso(n.created_at),
                "read": n.read_at is not None,
            }
            for n in notes
        ],
    }


async def mark_notifications_read(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = MarkRead.model_validate(params)
    async with unit_of_work(ctx) as uow:
        marked = await uow.notifications.mark_read(actor.user_id, cmd.ids, ctx.clock.now())
        await uow.commit()
    return {"marked": marked}


def approves(actor: Actor, unit: UnitRef) -> bool:
    return approves_code(actor, unit.code)


def approves_code(actor: Actor, unit_code: str) -> bool:
    return actor.has_role("approver", unit_code) or actor.has_role("unit_admin", unit_code)


# Loading, and the task as queues show it


async def load_task(uow: UnitOfWork, task_id: str, *, lock: bool = False) -> TaskRecord:
    record = await uow.tasks.get(task_id, lock=lock)
    if record is None:
        raise NotFound("Không tìm thấy nhiệm vụ", code="task_not_found")
    return record


async def nomination_of(uow: UnitOfWork, task: ReviewTask, *, lock: bool = False) -> NominationSnapshot:
    """The dossier the task reviews; `lock` after the task's own lock (the one lock order)."""
    nomination = await uow.nominations.get(task.nomination_id, lock=lock)
    if nomination is None or nomination.snapshot is None:
        raise NotFound("Không tìm thấy hồ sơ của nhiệm vụ này", code="nomination_not_found")
    return nomination.snapshot


def _unit_stub(code: str) -> UnitRef:
    return UnitRef(code=code, name=code, short_name=code, level="district")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_summary(record: TaskRecord, now: datetime) -> dict[str, Any]:
    task = record.task
    return {
        "id": task.id,
        "nomination_id": task.nomination_id,
        "unit_code": task.unit.code,
        "unit_name": task.unit.name,
        "unit_level": task.unit.level,
        "state": task.state.value,
        "state_label": STATE_LABELS_VI[task.state],
        "round": task.round,
        "claimant_id": task.claimant_id,
        "claimant_name": task.claimant_name,
        "award_code": record.award_code,
        "award_name": record.award_name,
        "nominee_name": record.nominee_name,
        "nominee_kind": record.nominee_kind,
        "origin_unit_code": record.origin_unit_code,
        "origin_unit_name": record.origin_unit_name,
        "period": record.period,
        "opened_at": _iso(record.opened_at),
        "due_at": _iso(task.due_at),
        "claimed_at": _iso(record.claimed_at),
        "decided_at": _iso(record.decided_at),
        "decided_by_name": record.decided_by_name,
        "comment": record.comment,
        "queue_unit_code": task.holder.code,
        "queue_unit_name": task.holder.name,
        "escalations": task.escalations,
        "escalated_at": _iso(record.escalated_at),
        "is_escalated": task.is_escalated,
        "overdue": task.state in ACTIVE_STATES and task.due_at is not None and task.due_at < now,
    }
