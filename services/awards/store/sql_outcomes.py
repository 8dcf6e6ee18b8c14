"""Awards' queries of the state's answers to tờ trình (a part of `SqlAwardsStore`, which inherits them): the record
itself, and what it does to the register's entries and to the rows reports count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards.domain.outcomes import STATE_LEVEL, StateDecision
from services.awards.store.tables import registry, registry_scopes, state_outcomes
from shared.contracts.values import UnitRef


class SqlOutcomes:
    """On the store's connection inside the caller's transaction."""

    conn: AsyncConnection

    async def state_outcome(self, decision_id: str) -> StateDecision | None:
        query = sa.select(state_outcomes).where(state_outcomes.c.decision_id == decision_id)
        row = (await self.conn.execute(query)).mappings().first()
        if row is None:
            return None
        return StateDecision(
            decision_id=row["decision_id"],
            authority=row["authority"],
            number_text=row["number_text"],
            decided_on=row["decided_on"],
            note=row["note"],
            recorded_by=row["recorded_by"],
            recorded_by_id=row["recorded_by_id"],
            recorded_at=row["recorded_at"],
            granted={str(k): bool(v) for k, v in row["granted"].items()},
        )

    async def record_state_outcome(self, outcome: StateDecision, paths: Mapping[str, Sequence[UnitRef]]) -> None:
        """The record; each granted entry becomes an award the state gave on its date (counted by the reports at the
        level "state", on each unit of `paths[nomination id]`, the CĐCS first), each other one `not_granted`."""
        await self.conn.execute(
            state_outcomes.insert().values(
                decision_id=outcome.decision_id,
                authority=outcome.authority,
                number_text=outcome.number_text,
                decided_on=outcome.decided_on,
                note=outcome.note,
                granted=dict(outcome.granted),
                recorded_by=outcome.recorded_by,
                recorded_by_id=outcome.recorded_by_id,
                recorded_at=outcome.recorded_at,
            )
        )
        r = registry
        granted = [nid for nid, g in outcome.granted.items() if g]
        declined = [nid for nid, g in outcome.granted.items() if not g]
        listed = r.c.decision_id == outcome.decision_id
        if declined:
            await self.conn.execute(r.update().where(listed, r.c.nomination_id.in_(declined)).values(status="not_granted"))
        if not granted:
            return
        on = outcome.decided_on
        await self.conn.execute(
            r.update()
            .where(listed, r.c.nomination_id.in_(granted))
            .values(status="granted", level=STATE_LEVEL, decided_on=on, year=on.year)
        )
        rows = (await self.conn.execute(sa.select(r).where(listed, r.c.nomination_id.in_(granted)))).mappings().all()
        scopes = [s for row in rows for s in _state_scope_rows(row, paths.get(row["nomination_id"], ()), on)]
        if scopes:
            await self.conn.execute(registry_scopes.insert(), scopes)


def _state_scope_rows(row: sa.RowMapping, path: Sequence[UnitRef], on: date) -> list[dict[str, object]]:
    """The report rows of an entry the state granted, one per unit on its path (as `_scope_rows` writes a decision's):
    the path its nomination travelled, or, for a tờ trình issued before drafts kept it, the codes the entry stored."""
    units = [(u.code, u.name) for u in path] or [
        (code, code) for code in (row["path_codes"] or f"|{row['unit_code']}|").strip("|").split("|")
    ]
    return [
        {
            "unit_code": code,
            "entry_id": row["id"],
            "child_code": units[i - 1][0] if i > 0 else None,
            "child_name": units[i - 1][1] if i > 0 else None,
            "decided_on": on,
            "award_code": row["award_code"],
            "award_name": row["award_name"],
            "award_category": row["award_category"] or row["nominee"].get("kind", "individual"),
            "level": STATE_LEVEL,
            "nominee_kind": row["nominee_kind"] or row["nominee"].get("kind", "individual"),
            "sector": row["sector"],
            "prize_amount_vnd": 0,
            "period": row["period"],
        }
        for i, (code, _) in enumerate(units)
    ]
