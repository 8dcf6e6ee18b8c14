"""Escalation by authority: who may act on a task overdue at a unit below them, and how.

A task overdue at its unit stays in that unit's queue. The superiors alerted to it (`ReviewTask.alerted`) may urge
the unit, set a new due date within the rule's bound, or, only where the award's route passes through them anyway
(the unit's step is a forward, not the final decision), receive the dossier directly. A final decision is always made
by the unit the catalogue names, in its own name. What each may do, and the periods, are dated rules
(`shared/data/escalation.toml`, the file the Rulebook names; `parse_rules` reads its entries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.review.domain.task import ReviewTask, parent_in_path
from shared.contracts.errors import Conflict, Forbidden, InvalidTransition
from shared.contracts.events import Actor
from shared.contracts.values import UnitRef
from shared.rules.dated import most_specific

SuperiorAction = Literal["urge", "set_due_date", "receive_directly"]
ACTION_LABELS_VI: dict[SuperiorAction, str] = {
    "urge": "đôn đốc",
    "set_due_date": "đặt hạn mới",
    "receive_directly": "nhận trực tiếp (xét vượt cấp)",
}


class AuthorityRule(BaseModel):
    effective_from: date
    level: str | None = None  # the level of the task's unit; None: every level
    award_kind: str | None = None
    actions: frozenset[SuperiorAction]
    max_new_due_working_days: int = Field(ge=1)
    lapse_working_days: int = Field(ge=1)
    source: str
    confirmed: bool


def parse_rules(raw: Mapping[str, Any]) -> tuple[AuthorityRule, ...]:
    """The rules of an escalation file's `[[rules]]` entries."""
    return tuple(AuthorityRule.model_validate(r) for r in raw["rules"])


def rule_for(level: str, award_kind: str, on: date, rules: tuple[AuthorityRule, ...]) -> AuthorityRule:
    """The rule for a task at this level and award kind in force on `on`: the most specific, then the latest."""
    candidates = [r for r in rules if r.level in (None, level) and r.award_kind in (None, award_kind)]
    best = most_specific(candidates, on, lambda r: (r.award_kind is not None, r.level is not None))
    if best is None:
        raise LookupError(f"no escalation rule for level {level}, award kind {award_kind} on {on.isoformat()}")
    return best


def next_to_alert(task: ReviewTask, path: list[UnitRef]) -> UnitRef | None:
    """The unit above the highest alerted so far (the task's own unit's parent at first); None at the top."""
    return parent_in_path(path, (task.alerted_top or task.unit).code)


def acting_superior(task: ReviewTask, actor: Actor) -> UnitRef | None:
    """The alerted superior the actor approves for (the lowest, if several); None if none. Operators and
    administrators read only: they act for no unit."""
    for unit in task.alerted:
        if actor.has_role("approver", unit.code) or actor.has_role("unit_admin", unit.code):
            return unit
    return None


def may_act(task: ReviewTask, actor: Actor, action: SuperiorAction, rule: AuthorityRule) -> UnitRef:
    """The superior unit the actor acts for on this overdue task, or the refusal, with a stable code."""
    if not task.is_active:
        raise InvalidTransition("Nhiệm vụ đã kết thúc, cấp trên không còn gì để xử lý", code="task_closed")
    if not task.is_escalated:
        raise Conflict("Nhiệm vụ chưa quá hạn ở cấp dưới, hoặc đã có hạn mới", code="not_overdue_below")
    superior = acting_superior(task, actor)
    if superior is None:
        raise Forbidden(
            f"Chỉ người duyệt của đơn vị cấp trên đã được báo quá hạn được {ACTION_LABELS_VI[action]} hồ sơ này",
            code="not_alerted_superior",
        )
    if action not in rule.actions:
        raise Forbidden(
            f"Quy định hiện hành không cho phép cấp trên {ACTION_LABELS_VI[action]} với loại hồ sơ này",
            code="action_not_allowed",
        )
    return superior


def require_forward_step(task: ReviewTask, superior: UnitRef, path: list[UnitRef], awarding_level: str) -> None:
    """Receiving directly is only for a step the dossier would pass through the superior after anyway: never the
    final decision (the unit the catalogue names decides in its own name), and only by the direct superior."""
    if task.unit.level == awarding_level:
        raise Conflict(
            f"{task.unit.name} là cấp quyết định khen thưởng này; cấp trên chỉ được đôn đốc hoặc đặt hạn mới, "
            "không được nhận trực tiếp để quyết định thay",
            code="final_decision_is_lower_units",
        )
    parent = parent_in_path(path, task.unit.code)
    if parent is None or parent.code != superior.code:
        raise Forbidden(
            "Chỉ cấp trên trực tiếp (cấp tiếp theo trên tuyến hồ sơ) được nhận hồ sơ vượt cấp", code="not_direct_superior"
        )


def actions_for(
    task: ReviewTask, actor: Actor, rule: AuthorityRule, path: list[UnitRef], awarding_level: str | None
) -> list[SuperiorAction]:
    """What the reader may do as a superior alerted to this overdue task, in the page's order (empty: nothing)."""
    superior = acting_superior(task, actor)
    if superior is None or not (task.is_active and task.is_escalated):
        return []
    parent = parent_in_path(path, task.unit.code)
    forward_step = awarding_level is not None and task.unit.level != awarding_level
    receivable = forward_step and parent is not None and parent.code == superior.code
    order: tuple[SuperiorAction, ...] = ("urge", "set_due_date", "receive_directly")
    return [a for a in order if a in rule.actions and (a != "receive_directly" or receivable)]
