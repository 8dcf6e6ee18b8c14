"""Review's commands (claim, release, reassign, decide), queries (queues, tasks) and reactions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Literal
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from services.review import councils, store, timers
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
    TaskSnapshot,
    UnitApproversChanged,
    UnitsReorganised,
)
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.observability import require_operations
from shared.platform.outbox import enqueue, first_delivery
from shared.platform.service import ServiceContext
from shared.rules.catalog import award_on, catalogs_on
from shared.rules.eligibility import evaluate_declared
from shared.rules.text import normalize_name

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


# Reactions to registration's events


async def on_submitted(ctx: ServiceContext, event: NominationSubmitted) -> None:
    nom = event.nomination
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        existing = await _nomination(conn, nom.id)
        if existing is not None:
            return  # withdrawn before we saw it, or already opened
        superior = parent_in_path(nom.unit_path, nom.unit.code)
        if superior is None:
            raise ValueError(f"nomination {nom.id} has no superior unit in its path")
        await conn.execute(
            store.nominations.insert().values(
                id=nom.id, snapshot=nom.model_dump(mode="json"), status="in_review", updated_at=event.occurred_at
            )
        )
        opened = await _open_task(conn, nom, superior, event)
        await enqueue(conn, store.outbox, opened)
    ctx.outbox_written()


async def on_resubmitted(ctx: ServiceContext, event: NominationResubmitted) -> None:
    nom = event.nomination
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        existing = await _nomination(conn, nom.id, for_update=True)
        if existing is None or existing["status"] != "returned":
            return  # nothing to reopen (already withdrawn, or an outdated resubmission)
        unit = next((u for u in nom.unit_path if u.code == existing["returned_at_unit"]), None)
        if unit is None:
            raise ValueError(f"returned-at unit {existing['returned_at_unit']} not on the path of {nom.id}")
        await conn.execute(
            store.nominations.update()
            .where(store.nominations.c.id == nom.id)
            .values(snapshot=nom.model_dump(mode="json"), status="in_review", returned_at_unit=None, updated_at=event.occurred_at)
        )
        opened = await _open_task(conn, nom, unit, event)
        await enqueue(conn, store.outbox, opened)
    ctx.outbox_written()


async def on_withdrawn(ctx: ServiceContext, event: NominationWithdrawn) -> None:
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        # Lock order as in `decide`: the nomination's tasks first, then the nomination.
        await conn.execute(
            sa.select(store.tasks.c.id).where(store.tasks.c.nomination_id == event.nomination_id).with_for_update()
        )
        existing = await _nomination(conn, event.nomination_id, for_update=True)
        if existing is None:
            await conn.execute(
                store.nominations.insert().values(
                    id=event.nomination_id, snapshot=None, status="withdrawn", updated_at=event.occurred_at
                )
            )
            return
        await conn.execute(
            store.nominations.update()
            .where(store.nominations.c.id == event.nomination_id)
            .values(status="withdrawn", updated_at=event.occurred_at)
        )
        await conn.execute(
            store.tasks.update()
            .where(store.tasks.c.nomination_id == event.nomination_id, store.tasks.c.state.in_([s.value for s in ACTIVE_STATES]))
            .values(state=TaskState.CANCELLED.value, decided_at=event.occurred_at, comment=event.reason or None)
        )


async def on_units_reorganised(ctx: ServiceContext, event: UnitsReorganised) -> None:
    """Registration reorganised the tree: every active task whose holder is no longer on its nomination's
    path moves to the new superior's queue, keeping its due date and timers; claims there are released."""
    now = ctx.clock.now()
    r = store.reorganisations
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, now):
            return
        if await conn.scalar(sa.select(r.c.id).where(r.c.id == event.reorganisation_id)):
            return  # the same reorganisation again under another event id: followed already
        summary, events = await _follow_reorganisation(conn, event, now, write=True)
        await conn.execute(
            r.insert().values(id=event.reorganisation_id, effective_on=event.effective_on, processed_at=now, summary=summary)
        )
        await enqueue(conn, store.outbox, *events)
    ctx.outbox_written()


async def _follow_reorganisation(
    conn: AsyncConnection, event: UnitsReorganised, now: datetime, *, write: bool
) -> tuple[dict[str, Any], list[Event]]:
    noms, t = store.nominations, store.tasks
    paths: dict[str, list[UnitRef]] = {}
    for nid, snapshot, returned_at in await conn.execute(
        sa.select(noms.c.id, noms.c.snapshot, noms.c.returned_at_unit)
        .where(noms.c.status.in_(["in_review", "returned"]))
        .order_by(noms.c.id)
    ):
        if snapshot is None:
            continue
        nom = NominationSnapshot.model_validate(snapshot)
        new_path = event.new_path(nom.unit_path)
        if new_path != nom.unit_path:
            paths[nid] = new_path
            if write:
                changed = nom.model_copy(update={"unit_path": new_path})
                # A dossier returned by a unit that is gone goes back, when resubmitted, to the unit now at its level.
                returned_to = _same_level(nom.unit_path, new_path, returned_at) if returned_at else None
                await conn.execute(
                    noms.update()
                    .where(noms.c.id == nid)
                    .values(snapshot=changed.model_dump(mode="json"), returned_at_unit=returned_to)
                )
    query = sa.select(t).where(t.c.state.in_([s.value for s in ACTIVE_STATES]), t.c.nomination_id.in_(sorted(paths)))
    rows = (await conn.execute(query.order_by(t.c.id).with_for_update() if write else query.order_by(t.c.id))).mappings().all()
    per_unit: dict[str, dict[str, Any]] = {}
    events: list[Event] = []
    released = repointed = 0
    for row in rows:
        task = _task(row)
        after = task.rehome(paths[task.nomination_id])
        if after == task:
            continue
        if after.holder.code == task.holder.code:
            repointed += 1  # a renamed unit, or an escalated task whose own level changed: same queue
            if write:
                await _save(conn, after, unit_code=after.unit.code, unit=after.unit.model_dump())
            continue
        entry = per_unit.setdefault(after.holder.code, {"name": after.holder.name, "tasks": 0})
        entry["tasks"] += 1
        released += task.claimant_id is not None
        if not write:
            continue
        await _save(conn, after, unit_code=after.unit.code, unit=after.unit.model_dump(), claimed_at=None)
        comment = f"Sắp xếp tổ chức từ {event.effective_on:%d/%m/%Y}: {event.title}"
        await timers.record_move(conn, task, after, "reorganised", now, actor=event.actor, comment=comment)
        await timers.follow_new_holder(conn, after, now)
        await timers.notify_unit(conn, after, "reorganised_in", now)
        events.append(
            TaskReorganised(
                occurred_at=now,
                correlation_id=task.nomination_id,
                actor=event.actor,
                task=_snapshot(after),
                from_unit=task.holder,
                to_unit=after.holder,
                reorganisation_id=event.reorganisation_id,
                effective_on=event.effective_on,
                released_claimant=task.claimant_name,
            )
        )
    summary = {
        "reorganisation_id": event.reorganisation_id,
        "tasks_moved": sum(e["tasks"] for e in per_unit.values()),
        "tasks_moved_per_new_unit": dict(sorted(per_unit.items())),
        "claims_released": released,
        "tasks_repointed": repointed,
        "nominations_repathed": len(paths),
    }
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
    r = store.reorganisations
    async with ctx.engine.connect() as conn:
        row = (await conn.execute(sa.select(r).where(r.c.id == q.id))).mappings().first()
    if row is None:
        return {"processed": False, "summary": None}
    return {"processed": True, "processed_at": row["processed_at"].isoformat(), "summary": row["summary"]}


async def reorganisation_preview(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The tasks a reorganisation would move (nothing is written)."""
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống", code="admin_only")
    q = ReorganisationPreview.model_validate(params)
    async with ctx.engine.connect() as conn:
        summary, _ = await _follow_reorganisation(conn, q.event, ctx.clock.now(), write=False)
    return summary


async def _open_task(conn: AsyncConnection, nom: NominationSnapshot, unit: UnitRef, cause: Event) -> TaskOpened:
    task_id = str(uuid4())
    award = award_on(nom.award_code, cause.occurred_at.astimezone(VIETNAM_TZ).date())
    due = due_at(cause.occurred_at, unit.level, award.kind if award else "yearly", award_code=nom.award_code)
    await conn.execute(
        store.tasks.insert().values(
            id=task_id,
            nomination_id=nom.id,
            unit_code=unit.code,
            unit=unit.model_dump(),
            state=TaskState.OPEN.value,
            round=nom.round,
            award_code=nom.award_code,
            award_name=nom.award_name,
            nominee_name=nom.nominee.name,
            nominee_search=normalize_name(nom.nominee.name),
            nominee_kind=nom.nominee.kind,
            origin_unit_code=nom.unit.code,
            origin_unit_name=nom.unit.name,
            period=nom.period,
            opened_at=cause.occurred_at,
            due_at=due,
            queue_unit_code=unit.code,
            queue_unit=unit.model_dump(),
        )
    )
    task = ReviewTask(id=task_id, nomination_id=nom.id, unit=unit, state=TaskState.OPEN, round=nom.round, due_at=due)
    await timers.schedule(conn, task, cause.occurred_at)
    return TaskOpened(occurred_at=cause.occurred_at, correlation_id=nom.id, actor=cause.actor, task=_snapshot(task))


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
    async with ctx.engine.begin() as conn:
        task = _task(await _load_task(conn, task_id, for_update=True))
        changed = change(task)
        if changed is not task:
            await _save(conn, changed, claimed_at=claimed_at)
            event = event_type(occurred_at=now, correlation_id=task.nomination_id, actor=actor, task=_snapshot(changed))
            await enqueue(conn, store.outbox, event)
    ctx.outbox_written()
    return await get_task(ctx, actor, {"task_id": task_id})


async def decide(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = Decide.model_validate(params)
    action = Action(cmd.action)
    require_reason(action, cmd.comment)
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        row = await _load_task(conn, cmd.task_id, for_update=True)
        task = _task(row)
        nomination_row = await _nomination(conn, task.nomination_id, for_update=True)
        if nomination_row is None or nomination_row["snapshot"] is None:
            raise NotFound("Không tìm thấy hồ sơ của nhiệm vụ này", code="nomination_not_found")
        nom = NominationSnapshot.model_validate(nomination_row["snapshot"])
        decided = task.decide(actor, action, is_awarding_level=task.unit.level == nom.awarding_level)
        if decided.state in (TaskState.FORWARDED, TaskState.APPROVED):
            await councils.gate(conn, task, nom)  # the council of the task's own level, also when taken over
        await _save(
            conn,
            decided,
            decided_at=now,
            decided_by=actor.user_id,
            decided_by_name=actor.full_name or actor.username,
            comment=cmd.comment or None,
        )
        events = await _consequences(conn, decided, nom, actor, cmd.comment, now)
        await enqueue(conn, store.outbox, *events)
    ctx.outbox_written()
    return await get_task(ctx, actor, {"task_id": cmd.task_id})


async def send_back(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """An approver of the unit holding an escalated task returns it to the task's own unit with a new due date."""
    cmd = SendBack.model_validate(params)
    if len(cmd.comment.strip()) < 5:
        raise ValidationFailed.on("comment", "Cần ghi rõ yêu cầu khi trả về cấp dưới (ít nhất 5 ký tự)", code="reason_required")
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        task = _task(await _load_task(conn, cmd.task_id, for_update=True))
        moved = task.send_back(actor, end_of_day(cmd.due_on), now)
        await _save(conn, moved)
        await timers.record_move(conn, task, moved, "sent_back", now, actor=actor, comment=cmd.comment)
        await timers.schedule(conn, moved, now)
        await timers.notify_unit(conn, moved, "sent_back", now)
        event = TaskSentBack(
            occurred_at=now,
            correlation_id=task.nomination_id,
            actor=actor,
            task=_snapshot(moved),
            from_unit=task.holder,
            to_unit=moved.holder,
            comment=cmd.comment,
        )
        await enqueue(conn, store.outbox, event)
    ctx.outbox_written()
    return await get_task(ctx, actor, {"task_id": cmd.task_id})


async def on_approvers_changed(ctx: ServiceContext, event: UnitApproversChanged) -> None:
    """Keep the roster replica; a unit left without an active approver escalates its open tasks at once."""
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        r = store.unit_rosters
        current = (await conn.execute(sa.select(r).where(r.c.unit_code == event.unit_code).with_for_update())).mappings().first()
        if current is not None and current["changed_at"] > event.occurred_at:
            return  # an older roster arriving late
        values = {"approvers": [a.model_dump() for a in event.approvers], "changed_at": event.occurred_at}
        if current is None:
            await conn.execute(r.insert().values(unit_code=event.unit_code, **values))
        else:
            await conn.execute(r.update().where(r.c.unit_code == event.unit_code).values(**values))
        if not event.approvers:
            await timers.escalate_unit_now(conn, event.unit_code, ctx.clock.now())


async def _consequences(
    conn: AsyncConnection,
    task: ReviewTask,
    nom: NominationSnapshot,
    actor: Actor,
    comment: str,
    now: Any,
    *,
    proposal_number: str | None = None,
) -> list[Event]:
    common = {"occurred_at": now, "correlation_id": nom.id, "actor": actor}
    noms = store.nominations
    if task.state is TaskState.FORWARDED:
        parent = parent_in_path(nom.unit_path, task.unit.code)
        if parent is None:
            raise ValidationFailed.on("action", "Không có cấp trên để chuyển hồ sơ", code="no_parent_unit")
        forwarded = NominationForwarded(
            nomination_id=nom.id, from_unit=task.unit, to_unit=parent, comment=comment, proposal_number=proposal_number, **common
        )
        opened = await _open_task(conn, nom, parent, forwarded)
        return [forwarded, opened]
    if task.state is TaskState.APPROVED:
        await conn.execute(noms.update().where(noms.c.id == nom.id).values(status="closed", updated_at=now))
        return [NominationApproved(nomination=nom, issuer=task.unit, comment=comment, **common)]
    if task.state is TaskState.RETURNED:
        await conn.execute(
            noms.update().where(noms.c.id == nom.id).values(status="returned", returned_at_unit=task.unit.code, updated_at=now)
        )
        return [NominationReturned(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]
    await conn.execute(noms.update().where(noms.c.id == nom.id).values(status="closed", updated_at=now))
    return [NominationRejected(nomination_id=nom.id, unit=task.unit, reason=comment, **common)]


# Queries


async def list_queue(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A unit's queue: the tasks it holds (its own and those escalated to it), or, read-only,
    its own tasks that escalated away (`escalated_out`)."""
    q = QueueQuery.model_validate(params)
    if not actor.sees_everything():
        require_approver(actor, _unit_stub(q.unit_code))
    t = store.tasks
    now = ctx.clock.now()
    active = t.c.state.in_([s.value for s in ACTIVE_STATES])
    overdue = sa.and_(active, t.c.due_at < now)
    held_here = t.c.queue_unit_code == q.unit_code
    escalated_away = sa.and_(t.c.unit_code == q.unit_code, t.c.queue_unit_code != q.unit_code, active)
    where: list[Any] = [escalated_away if q.state == "escalated_out" else held_here]
    where.append(
        {
            "open": t.c.state == TaskState.OPEN.value,
            "claimed": t.c.state == TaskState.CLAIMED.value,
            "overdue": overdue,
            "escalated_in": sa.and_(active, t.c.unit_code != q.unit_code),
            "escalated_out": sa.true(),
            "active": active,
            "done": sa.not_(active),
            "all": sa.true(),
        }[q.state]
    )
    if q.award_code:
        where.append(t.c.award_code == q.award_code)
    if q.origin_unit_code:
        where.append(t.c.origin_unit_code == q.origin_unit_code)
    if q.period:
        where.append(t.c.period == q.period)
    if q.due_before:
        end_of_day = datetime.combine(q.due_before, datetime.min.time(), tzinfo=VIETNAM_TZ)
        where.append(t.c.due_at < end_of_day)
    if q.q:
        where.append(t.c.nominee_search.contains(normalize_name(q.q)))
    async with ctx.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(t).where(*where))
        counts = (
            await conn.execute(
                sa.select(
                    sa.func.count().filter(t.c.state == TaskState.OPEN.value),
                    sa.func.count().filter(t.c.state == TaskState.CLAIMED.value),
                    sa.func.count().filter(overdue),
                    sa.func.count().filter(t.c.unit_code != q.unit_code),
                ).where(held_here, active)
            )
        ).one()
        away = await conn.scalar(sa.select(sa.func.count()).select_from(t).where(escalated_away))
        rows = (
            (
                await conn.execute(
                    sa.select(t)
                    .where(*where)
                    .order_by(t.c.due_at.is_(None), t.c.due_at, t.c.opened_at, t.c.id)
                    .limit(q.limit)
                    .offset(q.offset)
                )
            )
            .mappings()
            .all()
        )
    return {
        "unit_code": q.unit_code,
        "total": total or 0,
        "counts": {
            "open": counts[0],
            "claimed": counts[1],
            "overdue": counts[2],
            "escalated_in": counts[3],
            "escalated_out": away or 0,
        },
        "items": [_view(r, now) for r in rows],
    }


async def get_task(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """One task with its dossier and history. Every unit from the task's own up to the one holding it
    may look; only the holder's approvers act (the lower units see an escalated task read-only)."""
    q = TaskRef.model_validate(params)
    now = ctx.clock.now()
    async with ctx.engine.connect() as conn:
        row = await _load_task(conn, q.task_id)
        task = _task(row)
        nomination_row = await _nomination(conn, task.nomination_id)
        snapshot = nomination_row["snapshot"] if nomination_row else None
        path = NominationSnapshot.model_validate(snapshot).unit_path if snapshot else []
        chain = escalation_chain(path, task)
        moves = await timers.moves_of(conn, task.id)
        # Who may look: the units from the task's own up to its holder, and any unit it passed through
        # (a city that sent a task back down keeps sight of it).
        watchers = {u.code for u in chain} | {m[end]["code"] for m in moves for end in ("from_unit", "to_unit")}
        if not actor.sees_everything() and not any(_approves_code(actor, code) for code in watchers):
            require_approver(actor, task.holder)  # raises with the usual message
        history = (
            (
                await conn.execute(
                    sa.select(store.tasks)
                    .where(store.tasks.c.nomination_id == task.nomination_id)
                    .order_by(store.tasks.c.opened_at)
                )
            )
            .mappings()
            .all()
        )
        council = await councils.council_view(conn, task, NominationSnapshot.model_validate(snapshot) if snapshot else None)
        proposals = await proposals_of_nomination(conn, task.nomination_id)
    can_act = _approves(actor, task.holder) or actor.is_admin
    view = _view(row, now)
    view["nomination"] = snapshot
    view["history"] = [_view(h, now) for h in history]
    view["moves"] = moves
    view["can_admin"] = is_unit_admin(actor, task.holder)
    view["can_act"] = can_act
    view["can_send_back"] = can_act and task.is_escalated and task.is_active
    view["escalation_chain"] = [u.model_dump() for u in chain]
    view["eligibility_recheck"] = _recheck(snapshot, row)
    view["council"] = council
    view["can_record_council"] = can_act and task.is_active
    view["proposals"] = proposals
    return view


async def proposals_of_nomination(conn: AsyncConnection, nomination_id: str) -> list[dict[str, Any]]:
    """The tờ trình letters the nomination went up with (one per level that forwarded it in a batch)."""
    p, pt = store.proposals, store.proposal_tasks
    rows = (
        await conn.execute(
            sa.select(p.c.id, p.c.number_text, p.c.issued_on, p.c.unit, p.c.to_unit, p.c.signer_name)
            .join(pt, pt.c.proposal_id == p.c.id)
            .where(pt.c.nomination_id == nomination_id)
            .order_by(p.c.created_at)
        )
    ).mappings()
    return [
        {
            "id": r["id"],
            "number_text": r["number_text"],
            "issued_on": r["issued_on"].isoformat(),
            "issued_on_vn": f"{r['issued_on']:%d/%m/%Y}",
            "unit_name": r["unit"]["name"],
            "to_unit_name": r["to_unit"]["name"],
            "signer_name": r["signer_name"],
        }
        for r in rows
    ]


def _recheck(snapshot: Any, row: Any) -> list[dict[str, Any]] | None:
    """The award's criteria judged again at this level, against the catalogue in force when the task opened.

    Only what the snapshot holds: the declared facts. The rules that need registration's records (one achievement,
    toàn diện vs chuyên đề, titles granted through the system) and the quotas are not re-run here; their result at
    submission travels in the snapshot's `eligibility`.
    """
    if not snapshot:
        return None
    nom = NominationSnapshot.model_validate(snapshot)
    on = row["opened_at"].astimezone(VIETNAM_TZ).date()
    catalogs = catalogs_on(on)
    award = catalogs.get(nom.award_code)
    if award is None:
        return None

    def title_name(code: str) -> str:
        found = catalogs.get(code)
        return found.name if found else code

    return [c.model_dump() for c in evaluate_declared(award, nom.nominee, nom.period, title_name=title_name)]


async def list_notifications(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = NotificationsQuery.model_validate(params)
    n = store.notifications
    mine = n.c.user_id == actor.user_id
    async with ctx.engine.connect() as conn:
        unread = await conn.scalar(sa.select(sa.func.count()).select_from(n).where(mine, n.c.read_at.is_(None)))
        query = sa.select(n).where(mine)
        if q.unread_only:
            query = query.where(n.c.read_at.is_(None))
        rows = (await conn.execute(query.order_by(n.c.created_at.desc(), n.c.id.desc()).limit(q.limit))).mappings().all()
    return {
        "unread": unread or 0,
        "items": [
            {
                "id": r["id"],
                "kind": r["kind"],
                "task_id": r["task_id"],
                "nomination_id": r["nomination_id"],
                "unit_code": r["unit_code"],
                "text": r["text"],
                "due_at": _iso(r["due_at"]),
                "created_at": _iso(r["created_at"]),
                "read": r["read_at"] is not None,
            }
            for r in rows
        ],
    }


async def mark_notifications_read(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = MarkRead.model_validate(params)
    n = store.notifications
    where = [n.c.user_id == actor.user_id, n.c.read_at.is_(None)]
    if cmd.ids is not None:
        where.append(n.c.id.in_(cmd.ids))
    async with ctx.engine.begin() as conn:
        result = await conn.execute(n.update().where(*where).values(read_at=ctx.clock.now()))
    return {"marked": result.rowcount}


def _approves(actor: Actor, unit: UnitRef) -> bool:
    return _approves_code(actor, unit.code)


def _approves_code(actor: Actor, unit_code: str) -> bool:
    return actor.has_role("approver", unit_code) or actor.has_role("unit_admin", unit_code)


# Rows, domain objects and views


async def _nomination(conn: AsyncConnection, nomination_id: str, *, for_update: bool = False) -> Any:
    query = sa.select(store.nominations).where(store.nominations.c.id == nomination_id)
    if for_update:
        query = query.with_for_update()  # serialises concurrent consumers and commands on PostgreSQL
    return (await conn.execute(query)).mappings().first()


async def _load_task(conn: AsyncConnection, task_id: str, *, for_update: bool = False) -> Any:
    query = sa.select(store.tasks).where(store.tasks.c.id == task_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy nhiệm vụ", code="task_not_found")
    return row


async def _save(conn: AsyncConnection, task: ReviewTask, **extra: Any) -> None:
    await conn.execute(
        store.tasks.update()
        .where(store.tasks.c.id == task.id)
        .values(
            state=task.state.value,
            claimant_id=task.claimant_id,
            claimant_name=task.claimant_name,
            due_at=task.due_at,
            queue_unit_code=task.holder.code,
            queue_unit=task.holder.model_dump(),
            escalations=task.escalations,
            generation=task.generation,
            **extra,
        )
    )


def _task(row: Any) -> ReviewTask:
    return store.task_from_row(row)


def _snapshot(task: ReviewTask) -> TaskSnapshot:
    return task.snapshot()


def _unit_stub(code: str) -> UnitRef:
    return UnitRef(code=code, name=code, short_name=code, level="district")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _view(row: Any, now: datetime) -> dict[str, Any]:
    active = TaskState(row["state"]) in ACTIVE_STATES
    return {
        "id": row["id"],
        "nomination_id": row["nomination_id"],
        "unit_code": row["unit_code"],
        "unit_name": row["unit"]["name"],
        "unit_level": row["unit"]["level"],
        "state": row["state"],
        "state_label": STATE_LABELS_VI[TaskState(row["state"])],
        "round": row["round"],
        "claimant_id": row["claimant_id"],
        "claimant_name": row["claimant_name"],
        "award_code": row["award_code"],
        "award_name": row["award_name"],
        "nominee_name": row["nominee_name"],
        "nominee_kind": row["nominee_kind"],
        "origin_unit_code": row["origin_unit_code"],
        "origin_unit_name": row["origin_unit_name"],
        "period": row["period"],
        "opened_at": _iso(row["opened_at"]),
        "due_at": _iso(row["due_at"]),
        "claimed_at": _iso(row["claimed_at"]),
        "decided_at": _iso(row["decided_at"]),
        "decided_by_name": row["decided_by_name"],
        "comment": row["comment"],
        "queue_unit_code": row["queue_unit_code"],
        "queue_unit_name": row["queue_unit"]["name"],
        "escalations": row["escalations"],
        "escalated_at": _iso(row["escalated_at"]),
        "is_escalated": row["queue_unit_code"] != row["unit_code"],
        "overdue": active and row["due_at"] is not None and row["due_at"] < now,
    }
