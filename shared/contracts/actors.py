"""Who acts: the actor carried in every RPC request, command and event, with the roles it holds in which unit.

Kept apart from the events so that a caller that only needs the envelope (a command line, the RPC contract) does not
build every event model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# signer: an officer who signs the unit's documents (awards checks the roster of người ký for the name and the term)
Role = Literal["submitter", "approver", "unit_admin", "signer", "ops", "admin"]


class RoleGrant(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Role
    unit_code: str | None = None  # None for system-wide roles (ops, admin)


class Actor(BaseModel):
    """Who caused a message; carried in every command and event so the owning service can decide."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    username: str
    full_name: str = ""
    roles: tuple[RoleGrant, ...] = ()

    def has_role(self, role: Role, unit_code: str | None = None) -> bool:
        return any(g.role == role and (unit_code is None or g.unit_code == unit_code) for g in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def is_ops(self) -> bool:
        return self.has_role("ops")

    def sees_everything(self) -> bool:
        return self.is_admin or self.is_ops

    def units_with(self, role: Role) -> set[str]:
        return {g.unit_code for g in self.roles if g.role == role and g.unit_code is not None}


SYSTEM_ACTOR = Actor(user_id="system", username="system", full_name="Hệ thống")
