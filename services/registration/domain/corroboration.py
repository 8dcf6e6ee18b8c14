"""Events checked against the nomination registration holds: an approval or a decision must be for the nomination's
own award, by a unit of the level that awards it. One that is not is no step of its review: it is refused
(`InconsistentEvent`, dead-lettered by the consumer) and the nomination is left as it was."""

from __future__ import annotations

from typing import Protocol

from shared.contracts.errors import InconsistentEvent
from shared.contracts.events import (
    AwardGranted,
    AwardProposed,
    DecisionDrafted,
    Event,
    NominationApproved,
    NominationSnapshot,
    StateOutcomeRecorded,
)
from shared.contracts.values import UnitRef


class NominationFacts(Protocol):
    """What the check needs of a nomination (registration's own row)."""

    @property
    def id(self) -> str: ...
    @property
    def award_code(self) -> str: ...
    @property
    def awarding_level(self) -> str: ...


def _check(facts: NominationFacts, award_code: str, unit: UnitRef, what: str) -> None:
    if award_code != facts.award_code:
        raise InconsistentEvent(f"{what} for award {award_code}, nomination {facts.id} asks for {facts.award_code}")
    if unit.level != facts.awarding_level:
        raise InconsistentEvent(
            f"{what} by {unit.code} ({unit.level}), nomination {facts.id} is awarded at {facts.awarding_level}"
        )


def check_approval(facts: NominationFacts, nomination: NominationSnapshot, issuer: UnitRef) -> None:
    _check(facts, nomination.award_code, issuer, "approval")


def corroborate(facts: NominationFacts, event: Event) -> None:
    """Raises `InconsistentEvent` when `event` contradicts the nomination; other events are not checked here."""
    if isinstance(event, NominationApproved):
        check_approval(facts, event.nomination, event.issuer)
    elif isinstance(event, AwardGranted):
        _check(facts, event.decision.award_code, event.decision.issuer, f"decision {event.decision.number_text}")
    elif isinstance(event, DecisionDrafted):
        _check(facts, event.draft.award_code, event.draft.issuer, f"draft {event.draft.draft_id}")
    elif isinstance(event, AwardProposed | StateOutcomeRecorded):
        _check(facts, event.proposal.award_code, event.proposal.issuer, f"proposal {event.proposal.number_text}")
