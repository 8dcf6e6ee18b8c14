"""Awards' queries of the roster of signing officers (a part of `SqlAwardsStore`, which inherits them): who signs a
unit's decisions, in which term, and with which account."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards.domain.signers import SigningOfficer
from services.awards.store.tables import signing_officers


class SqlOfficers:
    """On the store's connection inside the caller's transaction."""

    conn: AsyncConnection

    async def signing_officers(self, unit_code: str) -> list[SigningOfficer]:
        """Every term of the unit's signing officers, the latest appointment first."""
        o = signing_officers
        rows = (
            await self.conn.execute(
                sa.select(o).where(o.c.unit_code == unit_code).order_by(o.c.valid_from.desc(), o.c.full_name, o.c.id)
            )
        ).mappings()
        return [_officer(row) for row in rows]

    async def signing_officer(self, officer_id: str, *, for_update: bool = False) -> SigningOfficer | None:
        o = signing_officers
        q = sa.select(o).where(o.c.id == officer_id)
        row = (await self.conn.execute(q.with_for_update() if for_update else q)).mappings().first()
        return _officer(row) if row is not None else None

    async def add_signing_officer(self, officer: SigningOfficer) -> None:
        await self.conn.execute(
            sa.insert(signing_officers).values(
                id=officer.id,
                unit_code=officer.unit_code,
                full_name=officer.full_name,
                position=officer.position,
                valid_from=officer.valid_from,
                valid_to=officer.valid_to,
                username=officer.username,
            )
        )

    async def set_signing_account(self, officer_id: str, username: str) -> None:
        o = signing_officers
        await self.conn.execute(sa.update(o).where(o.c.id == officer_id).values(username=username))

    async def end_signing_term(self, officer_id: str, last_day: date) -> None:
        o = signing_officers
        await self.conn.execute(sa.update(o).where(o.c.id == officer_id).values(valid_to=last_day))


def _officer(row: sa.RowMapping) -> SigningOfficer:
    return SigningOfficer(
        id=row["id"],
        unit_code=row["unit_code"],
        full_name=row["full_name"],
        position=row["position"],
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        username=row["username"],
    )
