"""The unit tree as the console reads it (registration's `list_units`, by code)."""

from __future__ import annotations

from typing import Any


def is_below(units: dict[str, dict[str, Any]], code: str, ancestor: str) -> bool:
    """Whether unit `code` is under `ancestor` in the unit tree (at any depth)."""
    current = units.get(code)
    while current is not None:
        if current["parent_code"] == ancestor:
            return True
        current = units.get(current["parent_code"] or "")
    return False
