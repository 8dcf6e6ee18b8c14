"""Who may see and do what, decided here where the data lives."""

from __future__ import annotations

from services.registration.store.records import NominationRow, Visibility
from shared.contracts.errors import Forbidden
from shared.contracts.events import Actor


def require_submitter(actor: Actor, unit_code: str) -> None:
    if not (actor.is_admin or actor.has_role("submitter", unit_code)):
        raise Forbidden("Bạn không phải cán bộ nộp hồ sơ của đơn vị này", code="not_unit_submitter")


def can_view(actor: Actor, nomination: NominationRow) -> bool:
    if actor.sees_everything():
        return True
    scoped = {g.unit_code for g in actor.roles if g.unit_code}
    if nomination.unit_code in actor.units_with("submitter"):
        return True
    reviewer_units = scoped - actor.units_with("submitter")
    return any(nomination.passes_through(u) for u in reviewer_units)


def require_view(actor: Actor, nomination: NominationRow) -> None:
    if not can_view(actor, nomination):
        raise Forbidden("Hồ sơ này không thuộc đơn vị của bạn", code="not_your_unit")


def visibility(actor: Actor) -> Visibility | None:
    """What a list shows the actor: their CĐCS's, and what is under the units they review for (None: everything)."""
    if actor.sees_everything():
        return None
    return Visibility(
        own_units=frozenset(actor.units_with("submitter")),
        units_reviewed=frozenset(actor.units_with("approver") | actor.units_with("unit_admin")),
    )


def actor_name(actor: Actor) -> str:
    return actor.full_name or actor.username
