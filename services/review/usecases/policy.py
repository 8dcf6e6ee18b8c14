"""Review's own dated rules — deadlines and reminders, and what superiors may do about an overdue task — read from
the files the composition root's Rulebook names, once per Rulebook, and handed to the pure domain functions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from services.review.domain import authority, deadlines
from shared.rules.calendar import WorkingCalendar
from shared.rules.rulebook import Rulebook


@dataclass(frozen=True, eq=False)
class ReviewPolicy:
    deadlines: deadlines.DeadlinePolicy
    authority: tuple[authority.AuthorityRule, ...]
    calendar: WorkingCalendar


@cache
def policy_of(rules: Rulebook) -> ReviewPolicy:
    return ReviewPolicy(
        deadlines=deadlines.parse_policy(rules.rule_file(rules.deadline_rules)),
        authority=authority.parse_rules(rules.rule_file(rules.escalation_rules)),
        calendar=rules.working_calendar(),
    )
