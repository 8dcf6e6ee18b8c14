"""Awards: a final approval becomes a numbered decision and a registry entry; queries over them."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from services.awards import store
from services.awards.domain.decision import number_for, prize_for
from services.awards.register import Entry, add_entries
from shared.catalog import CATALOG_NAMES_VI
from shared.clock import VIETNAM_TZ
from shared.contracts import Actor, AwardGranted, DecisionSnapshot, NominationApproved
from shared.eligibility import facts_needed
from shared.errors import Forbidden, NotFound
from shared.outbox import enqueue, first_delivery
from shared.reference import LEVEL_NAMES_VI, award_on, base_salary_on, catalogs_on
from shared.service import ServiceContext

CONSUMER = "awards"


class DecisionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str | None = None
    year: int | None = None
    award_code: str | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ById(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str


async def on_approved(ctx: ServiceContext, event: NominationApproved) -> None:
    nom = event.nomination
    issued_at = event.occurred_at
    on = issued_at.astimezone(VIETNAM_TZ).date()
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        if await conn.scalar(sa.select(store.registry.c.id).where(store.registry.c.nomination_id == nom.id)):
            return  # already granted (a second approval event for the same nomination)
        award = award_on(nom.award_code, on)  # the version in force on the decision date
        if award is None:
            raise LookupError(f"award {nom.award_code} not in the catalogue in force on {on}")
        prize = prize_for(award, nom.nominee.kind, base_salary_on(on, ctx.settings.base_salary_vnd), on)
        number = number_for(event.issuer, on.year, await _last_number(conn, event.issuer.code, on.year))
        decision_id = str(uuid4())
        await conn.execute(
            store.decisions.insert().values(
                id=decision_id,
                issuer_code=event.issuer.code,
                issuer=event.issuer.model_dump(),
                year=on.year,
                number=number.number,
                number_text=number.text,
                issued_at=issued_at,
                signed_by=event.actor.full_name or event.actor.username,
                award_code=award.code,
                award_name=award.name,
                catalog_version=nom.catalog_version,
                path_codes="|" + "|".join(u.code for u in nom.unit_path) + "|",
            )
        )
        await add_entries(
            conn,
            [
                Entry(
                    id=str(uuid4()),
                    source="pipeline",
                    award=award,
                    level=event.issuer.level,
                    nominee=nom.nominee.model_dump(),
                    unit_path=nom.unit_path,
                    sector=nom.unit_sector,
                    period=nom.period,
                    decided_on=on,
                    coefficient=prize.coefficient,
                    base_salary_vnd=prize.base_salary_vnd,
                    prize_amount_vnd=prize.amount_vnd,
                    decision_id=decision_id,
                    nomination_id=nom.id,
                )
            ],
        )
        granted = AwardGranted(
            occurred_at=issued_at,
            correlation_id=nom.id,
            actor=event.actor,
            nomination_id=nom.id,
            decision=DecisionSnapshot(
                decision_id=decision_id,
                number=number.number,
                number_text=number.text,
                year=on.year,
                issuer=event.issuer,
                issued_at=issued_at,
                award_code=award.code,
                award_name=award.name,
                prize_amount_vnd=prize.amount_vnd,
            ),
        )
        await enqueue(conn, store.outbox, granted)
    ctx.outbox_written()


async def _last_number(conn: AsyncConnection, issuer_code: str, year: int) -> int:
    """Lock the issuer's counter for this year and advance it; the number is used in this transaction."""
    c = store.decision_counters
    last = await conn.scalar(sa.select(c.c.last_number).where(c.c.issuer_code == issuer_code, c.c.year == year).with_for_update())
    if last is None:
        await conn.execute(c.insert().values(issuer_code=issuer_code, year=year, last_number=1))
        return 0
    await conn.execute(c.update().where(c.c.issuer_code == issuer_code, c.c.year == year).values(last_number=last + 1))
    return int(last)


# Queries


def _visible(actor: Actor) -> Any:
    if actor.sees_everything():
        return sa.true()
    units = {g.unit_code for g in actor.roles if g.unit_code}
    return sa.or_(sa.false(), *(store.decisions.c.path_codes.contains(f"|{u}|") for u in units))


async def list_decisions(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = DecisionQuery.model_validate(params)
    d = store.decisions
    where = [_visible(actor)]
    if q.issuer:
        where.append(d.c.issuer_code == q.issuer)
    if q.year:
        where.append(d.c.year == q.year)
    if q.award_code:
        where.append(d.c.award_code == q.award_code)
    async with ctx.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(d).where(*where))
        rows = (
            (
                await conn.execute(
                    _decision_with_nominee()
                    .join(store.registry, store.registry.c.decision_id == d.c.id)
                    .where(*where)
                    .order_by(d.c.issuer_code, d.c.year.desc(), d.c.number.desc())
                    .limit(q.limit)
                    .offset(q.offset)
                )
            )
            .mappings()
            .all()
        )
    return {"total": total or 0, "items": [_view(r) for r in rows]}


async def get_decision(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ById.model_validate(params)
    d = store.decisions
    async with ctx.engine.connect() as conn:
        row = (
            (
                await conn.execute(
                    _decision_with_nominee().join(store.registry, store.registry.c.decision_id == d.c.id).where(d.c.id == q.id)
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound("Không tìm thấy quyết định", code="decision_not_found")
        visible = await conn.scalar(sa.select(sa.func.count()).select_from(d).where(d.c.id == q.id, _visible(actor)))
    if not visible:
        raise Forbidden("Quyết định này không thuộc đơn vị của bạn", code="not_your_unit")
    return _view(row)


async def list_catalog(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    on = ctx.clock.now().astimezone(VIETNAM_TZ).date()
    catalogs = catalogs_on(on)
    base = base_salary_on(on, ctx.settings.base_salary_vnd)
    union = catalogs.union
    return {
        # `version`/`effective_from`: the union catalogue's, as before the state catalogue existed.
        "version": union.version if union else "",
        "effective_from": union.effective_from.isoformat() if union else "",
        "catalogs": [
            {
                "catalog": c.catalog,
                "name": CATALOG_NAMES_VI[c.catalog],
                "version": c.version,
                "effective_from": c.effective_from.isoformat(),
            }
            for c in catalogs.catalogs
        ],
        "base_salary_vnd": base,
        "awards": [
            {
                **a.model_dump(mode="json"),
                "outcome": a.outcome,
                "submittable": a.submittable,
                "awarding_level_name": LEVEL_NAMES_VI[a.awarding_level],
                "prize_vnd": {k: prize_for(a, k, base, on).amount_vnd for k in a.nominee_kinds},
                "council_text": a.council.describe() if a.council else "",
                "declared_facts": {k: facts_needed(a, k) for k in a.nominee_kinds},
            }
            for a in catalogs.awards
        ],
    }


def _decision_with_nominee() -> sa.Select[Any]:
    r = store.registry
    return sa.select(
        store.decisions,
        r.c.nomination_id,
        r.c.nominee,
        r.c.nominee_name,
        r.c.unit_code,
        r.c.unit_name,
        r.c.period,
        r.c.coefficient,
        r.c.base_salary_vnd,
        r.c.prize_amount_vnd,
    )


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "number": row["number"],
        "number_text": row["number_text"],
        "year": row["year"],
        "issuer_code": row["issuer_code"],
        "issuer_name": row["issuer"]["name"],
        "issued_at": row["issued_at"].isoformat(),
        "signed_by": row["signed_by"],
        "award_code": row["award_code"],
        "award_name": row["award_name"],
        "catalog_version": row["catalog_version"],
        "nominees": [
            {
                "nomination_id": row["nomination_id"],
                "name": row["nominee_name"],
                "kind": row["nominee"]["kind"],
                "unit_code": row["unit_code"],
                "unit_name": row["unit_name"],
                "period": row["period"],
                "coefficient": row["coefficient"],
                "base_salary_vnd": row["base_salary_vnd"],
                "prize_amount_vnd": row["prize_amount_vnd"],
            }
        ],
        "total_prize_vnd": row["prize_amount_vnd"],
    }
