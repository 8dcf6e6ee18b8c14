"""The award catalogues in force today, with each award's prize at today's base salary and what it asks for."""

from __future__ import annotations

from services.awards.domain.decision import prize_for
from services.awards.usecases.context import AwardsContext
from services.awards.usecases.ports import UnitDirectory
from shared.contracts.events import Actor
from shared.contracts.operations.awards import CatalogAward, CatalogQuery, CatalogVersion, CatalogView
from shared.contracts.values import LEVEL_NAMES_VI, VIETNAM_TZ
from shared.rules.catalog import CATALOG_NAMES_VI
from shared.rules.eligibility import facts_needed
from shared.rules.reference import base_salary_on


async def list_catalog(ctx: AwardsContext, units: UnitDirectory, actor: Actor, q: CatalogQuery) -> CatalogView:
    on = ctx.clock.now().astimezone(VIETNAM_TZ).date()
    # the units above the one asked about, by level: who would issue each award for it today
    above = (await units.paths(actor, q.unit_code, {on})).paths.get(on, []) if q.unit_code else []
    issuers = {u.level: u for u in reversed(above)}  # the nearest unit of each level
    catalogs = ctx.rules.catalogs_on(on)
    base = base_salary_on(on, ctx.base_salary_vnd)
    union = catalogs.union
    return CatalogView(
        # `version`/`effective_from`: the union catalogue's, as before the state catalogue existed.
        version=union.version if union else "",
        effective_from=union.effective_from.isoformat() if union else "",
        catalogs=[
            CatalogVersion(
                catalog=c.catalog, name=CATALOG_NAMES_VI[c.catalog], version=c.version, effective_from=c.effective_from
            )
            for c in catalogs.catalogs
        ],
        base_salary_vnd=base,
        awards=[
            CatalogAward.model_validate(
                {
                    **a.model_dump(mode="json"),
                    "outcome": a.outcome,
                    "submittable": a.submittable,
                    "awarding_level_name": LEVEL_NAMES_VI[a.awarding_level],
                    "prize_vnd": {k: prize_for(a, k, base, on).amount_vnd for k in a.nominee_kinds},
                    "prize_kind": a.prize_kind,
                    "council_text": a.council.describe() if a.council else "",
                    "declared_facts": {k: facts_needed(a, k) for k in a.nominee_kinds},
                    "issued_as": a.name_for(issuer.name) if (issuer := issuers.get(a.awarding_level)) else a.name,
                }
            )
            for a in catalogs.awards
        ],
    )
