"""The store's queries on emulation: campaigns and their targets, pledges, clusters with their members and votes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from services.registration.store.records import ClusterRow, ClusterVoteRow, PledgeRow, PledgeSearch
from services.registration.store.rows import (
    OnConnection,
    campaign_of,
    cluster_row,
    pledge_row,
    pledge_values,
    under,
    visible_to,
)
from services.registration.store.tables import campaign_targets, campaigns, cluster_members, cluster_votes, clusters, pledges
from shared.contracts.commands import Campaign


class EmulationQueries(OnConnection):
    # Campaigns

    async def campaign(self, code: str) -> Campaign | None:
        c, t = campaigns, campaign_targets
        found = await self.mappings(sa.select(c).where(c.c.code == code))
        if not found:
            return None
        targets = await self.mappings(sa.select(t).where(t.c.campaign_code == code).order_by(t.c.award_code))
        return campaign_of(found[0], targets)

    async def campaigns(self) -> list[Campaign]:
        c, t = campaigns, campaign_targets
        rows = await self.mappings(sa.select(c).order_by(c.c.starts_on.desc(), c.c.code))
        targets: dict[str, list[Any]] = {}
        for target in await self.mappings(sa.select(t).order_by(t.c.campaign_code, t.c.award_code)):
            targets.setdefault(target["campaign_code"], []).append(target)
        return [campaign_of(r, targets.get(r["code"], [])) for r in rows]

    async def add_campaign(self, campaign: Campaign, *, created_by: str, at: datetime) -> None:
        await self.conn.execute(
            campaigns.insert().values(
                code=campaign.code,
                name=campaign.name,
                plan_ref=campaign.plan_ref,
                launching_unit_code=campaign.launching_unit_code,
                starts_on=campaign.starts_on,
                ends_on=campaign.ends_on,
                topic=campaign.topic,
                source=campaign.source,
                created_by=created_by,
                created_at=at,
            )
        )
        await self.conn.execute(
            campaign_targets.insert(),
            [
                {
                    "campaign_code": campaign.code,
                    "award_code": t.award_code,
                    "quota": t.quota,
                    "per_unit_quota": t.per_unit_quota,
                    "proposing_level": t.proposing_level,
                }
                for t in campaign.targets
            ],
        )

    async def claim_campaign_place(self, campaign_code: str, award_code: str) -> None:
        t = campaign_targets
        await self.conn.execute(
            t.update().where(t.c.campaign_code == campaign_code, t.c.award_code == award_code).values(claims=t.c.claims + 1)
        )

    # Pledges

    async def pledge(self, pledge_id: str, *, for_update: bool = False) -> PledgeRow | None:
        query = sa.select(pledges).where(pledges.c.id == pledge_id)
        found = await self.mappings(query.with_for_update() if for_update else query)
        return pledge_row(found[0]) if found else None

    async def pledge_of(self, unit_code: str, year: int, *, for_update: bool = False) -> PledgeRow | None:
        query = sa.select(pledges).where(pledges.c.unit_code == unit_code, pledges.c.year == year)
        found = await self.mappings(query.with_for_update() if for_update else query)
        return pledge_row(found[0]) if found else None

    async def add_pledge(self, pledge: PledgeRow) -> None:
        await self.conn.execute(pledges.insert().values(id=pledge.id, **pledge_values(pledge)))

    async def save_pledge(self, pledge: PledgeRow) -> None:
        await self.conn.execute(pledges.update().where(pledges.c.id == pledge.id).values(**pledge_values(pledge)))

    async def pledges(self, search: PledgeSearch) -> list[PledgeRow]:
        p = pledges
        where: list[sa.ColumnElement[bool]] = []
        if search.visible is not None:
            where.append(visible_to(p.c.unit_code, p.c.path_codes, search.visible))
        if search.year:
            where.append(p.c.year == search.year)
        if search.under_unit:
            where.append(under(p.c.path_codes, search.under_unit))
        if search.status:
            where.append(p.c.status == search.status)
        if search.after is not None:
            year, unit_code = search.after
            where.append(sa.or_(p.c.year < year, sa.and_(p.c.year == year, p.c.unit_code > unit_code)))
        query = sa.select(p).where(*where).order_by(p.c.year.desc(), p.c.unit_code).limit(search.limit)
        return [pledge_row(r) for r in await self.mappings(query)]

    # Clusters

    async def cluster(self, code: str) -> ClusterRow | None:
        c, m, v = clusters, cluster_members, cluster_votes
        found = await self.mappings(sa.select(c).where(c.c.code == code))
        if not found:
            return None
        members = await self.mappings(sa.select(m).where(m.c.cluster_code == code).order_by(m.c.id))
        votes = await self.mappings(sa.select(v).where(v.c.cluster_code == code).order_by(v.c.year.desc()))
        return cluster_row(found[0], members, votes)

    async def clusters(self) -> list[ClusterRow]:
        c, m, v = clusters, cluster_members, cluster_votes
        rows = await self.mappings(sa.select(c).order_by(c.c.parent_unit_code, c.c.code))
        members = await self.mappings(sa.select(m).order_by(m.c.id))
        votes = await self.mappings(sa.select(v).order_by(v.c.year.desc()))
        return [
            cluster_row(
                r, (x for x in members if x["cluster_code"] == r["code"]), (x for x in votes if x["cluster_code"] == r["code"])
            )
            for r in rows
        ]

    async def add_cluster(self, cluster: ClusterRow) -> None:
        await self.conn.execute(
            clusters.insert().values(
                code=cluster.code,
                name=cluster.name,
                parent_unit_code=cluster.parent_unit_code,
                valid_from=cluster.valid_from,
                valid_to=cluster.valid_to,
                created_by=cluster.created_by,
                created_at=cluster.created_at,
            )
        )
        await self.conn.execute(
            cluster_members.insert(),
            [
                {"cluster_code": cluster.code, "unit_code": m.unit_code, "valid_from": m.valid_from, "valid_to": m.valid_to}
                for m in cluster.members
            ],
        )

    async def add_cluster_vote(self, cluster_code: str, vote: ClusterVoteRow) -> None:
        await self.conn.execute(
            cluster_votes.insert().values(
                cluster_code=cluster_code,
                year=vote.year,
                leaders=list(vote.leaders),
                note=vote.note,
                recorded_by=vote.recorded_by,
                recorded_at=vote.recorded_at,
            )
        )
