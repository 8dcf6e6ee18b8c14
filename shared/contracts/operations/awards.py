"""Awards' RPC operations: the register of decisions and tờ trình, their documents, the catalogue in force,
the grassroots register and the reports over it."""

from __future__ import annotations

from pydantic import BaseModel


class DecisionFrame(BaseModel):
    """What a document printed around its list, chosen on its date and stored with it so it never changes."""

    place: str
    basis: list[str]
    authority: str
    signer_role: list[str]
    unconfirmed: list[str] = []
    issuer_parent_name: str = ""
