"""Loading what a command acts on, or refusing with the error the caller sees; who approves for a unit."""

from __future__ import annotations

from collections.abc import Sequence

from services.review.domain.task import ReviewTask
from services.review.store.port import UnitOfWork
from services.review.store.records import TaskRecord
from shared.contracts.errors import NotFound
from shared.contracts.events import Actor, NominationSnapshot
from shared.contracts.values import UnitRef


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


async def lock_tasks(uow: UnitOfWork, task_ids: Sequence[str]) -> dict[str, TaskRecord]:
    """The tasks, locked in id order (the same order everywhere, so concurrent batches cannot deadlock)."""
    found = await uow.tasks.lock_many(task_ids)
    missing = [i for i in task_ids if i not in found]
    if missing:
        raise NotFound(f"Không tìm thấy nhiệm vụ {', '.join(missing)}", code="task_not_found")
    return found


def approves(actor: Actor, unit: UnitRef) -> bool:
    return approves_code(actor, unit.code)


def approves_code(actor: Actor, unit_code: str) -> bool:
    return actor.has_role("approver", unit_code) or actor.has_role("unit_admin", unit_code)
