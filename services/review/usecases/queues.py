"""What approvers read: a unit's queue, and one task with its dossier, history, council and letters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from services.review.domain.task import escalation_chain, is_unit_admin, require_approver
from services.review.store.port import UnitOfWork
from services.review.store.records import QueueFilter
from services.review.usecases import councils, loading
from services.review.usecases.context import Params, unit_of_work
from services.review.usecases.views import iso, task_summary
from shared.contracts.events import Actor, NominationSnapshot
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.service import ServiceContext
from shared.rules.catalog import catalogs_on
from shared.rules.eligibility import evaluate_declared


class QueueQuery(Params):
    unit_code: str
    state: Literal["open", "claimed", "overdue", "escalated_in", "escalated_out", "active", "done", "all"] = "active"
    award_code: str | None = None
    due_before: date | None = None
    origin_unit_code: str | None = None
    period: str | None = None
    q: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class TaskRef(Params):
    task_id: str


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
    record = await loading.load_task(uow, task_id)
    task = record.task
    nomination = await uow.nominations.get(task.nomination_id)
    nom = nomination.snapshot if nomination is not None else None
    chain = escalation_chain(nom.unit_path if nom else [], task)
    moves = await uow.moves.of_task(task.id)
    # Who may look: the units from the task's own up to its holder, and any unit it passed through
    # (a city that sent a task back down keeps sight of it).
    watchers = {u.code for u in chain} | {unit.code for m in moves for unit in (m.from_unit, m.to_unit)}
    if not actor.sees_everything() and not any(loading.approves_code(actor, code) for code in watchers):
        require_approver(actor, task.holder)  # raises with the usual message
    history = await uow.tasks.of_nomination(task.nomination_id)
    council = await councils.council_view(uow, task, nom)
    proposals = await uow.proposals.of_nomination(task.nomination_id)
    can_act = loading.approves(actor, task.holder) or actor.is_admin
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
            "was_due_at": iso(m.was_due_at),
            "new_due_at": iso(m.new_due_at),
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


def _unit_stub(code: str) -> UnitRef:
    return UnitRef(code=code, name=code, short_name=code, level="district")
