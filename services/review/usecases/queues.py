"""What approvers read: a unit's queue, and one task with its dossier, history, council and letters."""

from __future__ import annotations

from datetime import datetime

from services.review.domain import authority
from services.review.domain.authority import SuperiorAction
from services.review.domain.task import escalation_chain, is_unit_admin, require_approver
from services.review.store.port import UnitOfWork
from services.review.store.records import QueueKey, SortedKey, TaskRecord, sort_key, sort_value
from services.review.usecases import councils, escalation, loading
from services.review.usecases.context import ReviewContext
from services.review.usecases.views import move_view, proposal_link, task_summary
from shared.contracts.errors import Conflict
from shared.contracts.events import Actor, EligibilityCheck, NominationSnapshot
from shared.contracts.operations.review import LIST_QUEUE, QueuePage, QueueQuery, QueueSort, QueueTask, TaskRef, TaskView
from shared.contracts.paging import CursorInvalid, cut_page, decode_cursor, encode_cursor, refuse_offset_with_cursor, scope_of
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.rules.eligibility import evaluate_declared
from shared.rules.rulebook import Rulebook


async def list_queue(review: ReviewContext, actor: Actor, query: QueueQuery) -> QueuePage:
    """A unit's queue: its own tasks; or, read-only, the tasks overdue at units below it whose superior it was alerted
    as (`escalated_in`, "Quá hạn ở cấp dưới"); `escalated_out`: its own overdue tasks with a superior alerted."""
    if not actor.sees_everything():
        require_approver(actor, _unit_stub(query.unit_code))
    refuse_offset_with_cursor(query.offset, query.cursor)
    # The filters and the order bind a cursor; "mine" and "sort" only when asked, so that the cursors of the queue's
    # own order handed out before they existed still work.
    unbound = (
        {"limit", "offset", "cursor"} | ({"mine"} if not query.mine else set()) | ({"sort"} if query.sort == "due" else set())
    )
    scope = scope_of(LIST_QUEUE.subject, query.model_dump(mode="json", exclude=unbound))
    after = _page_key(query, scope) if query.cursor else None
    now = review.clock.now()
    mine = actor.user_id if query.mine else None  # "Việc của tôi": what review records as claimed by this user
    async with review.reading() as uow:
        # one more than the page: is there a next one?
        rows = await uow.tasks.queue_page(query, now, after=after, limit=query.limit + 1, claimant_id=mine)
    page, next_cursor = cut_page(rows.items, query.limit, lambda r: _page_cursor(query.sort, r, scope))
    return QueuePage(
        unit_code=query.unit_code,
        total=rows.total,
        counts=rows.counts,
        items=[QueueTask.model_validate(task_summary(r, now).model_dump(exclude={"comment"})) for r in page],
        next_cursor=next_cursor,
    )


def _page_cursor(sort: QueueSort, record: TaskRecord, scope: str) -> str:
    key, _ = sort_key(sort)
    if key == "due":
        return _queue_cursor(QueueKey.of(record), scope)
    value = sort_value(record, key)
    return encode_cursor([value.isoformat() if isinstance(value, datetime) else value, record.id], scope)


def _page_key(query: QueueQuery, scope: str) -> QueueKey | SortedKey:
    assert query.cursor is not None
    key, _ = sort_key(query.sort)
    if key == "due":
        return _queue_key(query.cursor, scope)
    value, task_id = decode_cursor(query.cursor, scope, shape=(str, str))
    if key != "received":
        return SortedKey(str(value), str(task_id))
    try:
        opened = datetime.fromisoformat(str(value))
    except ValueError:
        raise CursorInvalid() from None
    if opened.tzinfo is None:
        raise CursorInvalid()
    return SortedKey(opened, str(task_id))


def _queue_cursor(key: QueueKey, scope: str) -> str:
    return encode_cursor(
        [int(key.undated), key.due_at.isoformat() if key.due_at else "", key.opened_at.isoformat(), key.id], scope
    )


def _queue_key(cursor: str, scope: str) -> QueueKey:
    undated, due_at, opened_at, task_id = decode_cursor(cursor, scope, shape=(int, str, str, str))
    try:
        due = datetime.fromisoformat(str(due_at)) if due_at else None
        opened = datetime.fromisoformat(str(opened_at))
    except ValueError:
        raise CursorInvalid() from None
    if undated not in (0, 1) or (due is None) != bool(undated) or opened.tzinfo is None or (due and due.tzinfo is None):
        raise CursorInvalid()
    return QueueKey(bool(undated), due, opened, str(task_id))


async def get_task(review: ReviewContext, actor: Actor, request: TaskRef) -> TaskView:
    async with review.reading() as uow:
        return await task_view(uow, actor, request.task_id, review.clock.now(), review.rules)


async def task_view(uow: UnitOfWork, actor: Actor, task_id: str, now: datetime, rules: Rulebook) -> TaskView:
    """One task with its dossier and history. The task's own unit acts on it; the superiors alerted that it is
    overdue (and any unit it passed through) read it, and may urge, set a new due date or receive it directly."""
    record = await loading.load_task(uow, task_id)
    task = record.task
    nomination = await uow.nominations.get(task.nomination_id)
    nom = nomination.snapshot if nomination is not None else None
    chain = escalation_chain(task)
    moves = await uow.moves.of_task(task.id)
    # Who may look: the task's own unit, the superiors alerted, and any unit on its timeline
    # (a city that set a new due date keeps sight of it).
    watchers = {u.code for u in chain} | {unit.code for m in moves for unit in (m.from_unit, m.to_unit)}
    if not actor.sees_everything() and not any(loading.approves_code(actor, code) for code in watchers):
        require_approver(actor, task.holder)  # raises with the usual message
    history = await uow.tasks.of_nomination(task.nomination_id)
    council = await councils.council_view(uow, task, nom, rules, now.astimezone(VIETNAM_TZ).date())
    proposals = await uow.proposals.of_nomination(task.nomination_id)
    can_act = loading.approves(actor, task.holder) or actor.is_admin
    return TaskView(
        **dict(task_summary(record, now)),
        nomination=nom,
        history=[task_summary(h, now) for h in history],
        moves=[move_view(m) for m in moves],
        can_admin=is_unit_admin(actor, task.holder),
        can_act=can_act,
        superior_actions=_superior_actions(record, actor, nom, now, rules),
        escalation_chain=chain,
        eligibility_recheck=_recheck(nom, record.opened_at, rules),
        council=council,
        can_record_council=can_act and task.is_active,
        proposals=[proposal_link(p) for p in proposals],
    )


def _superior_actions(
    record: TaskRecord, actor: Actor, nom: NominationSnapshot | None, now: datetime, rules: Rulebook
) -> list[SuperiorAction]:
    """What the reader may do as a superior alerted to the task (nothing unless one is, or without a rule in force)."""
    if authority.acting_superior(record.task, actor) is None or not record.task.is_escalated:
        return []
    try:
        rule = escalation.authority_rule(record, now, rules)
    except Conflict:
        return []
    return authority.actions_for(record.task, actor, rule, nom.unit_path if nom else [], nom.awarding_level if nom else None)


def _recheck(nom: NominationSnapshot | None, opened_at: datetime, rules: Rulebook) -> list[EligibilityCheck] | None:
    """The award's criteria judged again at this level, against the catalogue in force when the task opened.

    Only what the snapshot holds: the declared facts. The rules that need registration's records (one achievement,
    toàn diện vs chuyên đề, titles granted through the system) and the quotas are not re-run here; their result at
    submission travels in the snapshot's `eligibility`.
    """
    if nom is None:
        return None
    catalogs = rules.catalogs_on(opened_at.astimezone(VIETNAM_TZ).date())
    award = catalogs.get(nom.award_code)
    if award is None:
        return None

    def title_name(code: str) -> str:
        found = catalogs.get(code)
        return found.name if found else code

    return evaluate_declared(award, nom.nominee, nom.period, title_name=title_name)


def _unit_stub(code: str) -> UnitRef:
    return UnitRef(code=code, name=code, short_name=code, level="district")
