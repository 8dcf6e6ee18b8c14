"""Rules that change on a date: of several versions, the one in force on a day is the latest already started.

Every dated rule file (catalogue, eligibility, attachments, deadlines, emulation, parameters) holds entries with
an `effective_from` date; this is the one place that picks among them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar


class Dated(Protocol):
    @property
    def effective_from(self) -> date: ...


D = TypeVar("D", bound=Dated)
T = TypeVar("T")


def latest_by(items: Iterable[T], on: date, started: Callable[[T], date]) -> T | None:
    """The item whose start (`started(item)`) is the latest on or before `on`; None when none has started."""
    in_force = [item for item in items if started(item) <= on]
    return max(in_force, key=started) if in_force else None


def in_force(items: Iterable[D], on: date) -> D | None:
    """The version in force on `on`: the latest whose `effective_from` is on or before it; None when none is."""
    return latest_by(items, on, lambda item: item.effective_from)


def most_specific(items: Iterable[D], on: date, specificity: Callable[[D], tuple[bool, ...]]) -> D | None:
    """Of the versions already started on `on`, the most specific (`specificity`: a rule for one level beats one for
    every level), then the latest; None when none has started."""
    started = [item for item in items if item.effective_from <= on]
    return max(started, key=lambda item: (*specificity(item), item.effective_from)) if started else None


@cache
def read_rule_file(path: Path) -> dict[str, Any]:
    """A TOML rule file, parsed once per path (a rule file changes with a release or an install, not per request)."""
    with path.open("rb") as f:
        return tomllib.load(f)


def require_in_force(items: Iterable[D], on: date, what: str) -> D:
    """As `in_force`, for a rule that must exist: a day before every version is a configuration error."""
    found = in_force(items, on)
    if found is None:
        raise LookupError(f"no {what} in force on {on.isoformat()}")
    return found
