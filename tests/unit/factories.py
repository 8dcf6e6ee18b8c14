"""Small builders shared by the unit tests: actors with role grants, the demo unit tree, the catalogue."""

from __future__ import annotations

from datetime import date

from shared.contracts.events import Actor, Role, RoleGrant
from shared.contracts.values import UnitRef
from shared.rules.catalog import Award, catalog_on
from shared.rules.reference import UnitTree, load_units

TREE = UnitTree(load_units())
CATALOG = catalog_on(date(2025, 6, 1))


def unit(code: str) -> UnitRef:
    found = TREE.get(code)
    assert found is not None, f"demo tree has no unit {code}"
    return found.ref()


def path(code: str) -> list[UnitRef]:
    return TREE.path(code)


def award(code: str) -> Award:
    found = CATALOG.get(code)
    assert found is not None, f"catalogue has no award {code}"
    return found


def actor(user_id: str, *grants: tuple[Role, str | None], full_name: str = "") -> Actor:
    return Actor(
        user_id=user_id,
        username=f"{user_id}-login",
        full_name=full_name,
        roles=tuple(RoleGrant(role=role, unit_code=code) for role, code in grants),
    )
