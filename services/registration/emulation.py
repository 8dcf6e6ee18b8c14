"""Registration's emulation commands: campaigns ("đợt thi đua"), pledges ("giao ước thi đua"), clusters ("cụm thi đua").

One function per command, one transaction each, rights decided here where the data lives; and the checks a
nomination gets from them at submission (`campaign_checks`, `pledge_check`, `cluster_check`), judged by the pure
rules of `services.registration.domain.emulation`.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncConnection

from services.registration import store
from services.registration.domain.emulation import (
    PLEDGE_STATUS_VI,
    ClusterStanding,
    PledgeRecord,
    cluster_rule_on,
    judge_campaign_quota,
    judge_campaign_window,
    judge_cluster_lead,
    judge_pledge,
    judge_unit_headroom,
    pledge_rule_on,
    registration_is_late,
)
from services.registration.domain.nomination import ACTIVE, Status
from shared.contracts.commands import (
    Campaign,
    CampaignTarget,
    ClusterVoteRecord,
    NewCampaign,
    NewCluster,
    PledgeDecision,
    PledgeRegistration,
    PledgeTarget,
)
from shared.contracts.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor, CampaignRef, EligibilityCheck
from shared.contracts.values import VIETNAM_TZ, UnitRef
from shared.platform.outbox import is_unique_violation
from shared.platform.service import ServiceContext
from shared.rules.catalog import Award, CatalogSet, catalogs_on

STILL_COUNTS = [s.value for s in (*ACTIVE, Status.GRANTED)]  # nominations that hold a campaign place


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ByCode(_Params):
    code: str = Field(min_length=1, max_length=64)


class PledgeQuery(_Params):
    year: int | None = Field(default=None, ge=2000, le=2100)
    unit_code: str | None = None
    status: str | None = None


class DecidePledge(PledgeDecision):
    id: str


class VoteInCluster(ClusterVoteRecord):
    cluster_code: str = Field(min_length=1, max_length=64)


def _today(ctx: ServiceContext) -> date:
    return ctx.clock.now().astimezone(VIETNAM_TZ).date()


def _actor_name(actor: Actor) -> str:
    return actor.full_name or actor.username


async def _unit_path(conn: AsyncConnection, code: str, on: date) -> list[UnitRef]:
    from services.registration.usecases import _unit_path as path_on  # one dated-tree walk for the whole service

    return await path_on(conn, code, on)


def _award_names(catalogs: CatalogSet) -> dict[str, str]:
    return {a.code: a.name for a in catalogs.awards}


# Campaigns


def _campaign_of(row: Any, targets: list[Any]) -> Campaign:
    return Campaign(
        code=row["code"],
        name=row["name"],
        plan_ref=row["plan_ref"],
        launching_unit_code=row["launching_unit_code"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        topic=row["topic"],
        source=row["source"],
        targets=[
            CampaignTarget(
                award_code=t["award_code"],
                quota=t["quota"],
                per_unit_quota=t["per_unit_quota"],
                proposing_level=t["proposing_level"] or "district",
            )
            for t in targets
        ],
    )


async def _load_campaign(conn: AsyncConnection, code: str) -> Campaign | None:
    c, t = store.campaigns, store.campaign_targets
    row = (await conn.execute(sa.select(c).where(c.c.code == code))).mappings().first()
    if row is None:
        return None
    targets = (await conn.execute(sa.select(t).where(t.c.campaign_code == code).order_by(t.c.award_code))).mappings().all()
    return _campaign_of(row, list(targets))


async def _insert_campaign(conn: AsyncConnection, campaign: Campaign, *, created_by: str, at: Any) -> None:
    await conn.execute(
        store.campaigns.insert().values(
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
    await conn.execute(
        store.campaign_targets.insert(),
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


async def load_campaigns(ctx: ServiceContext, campaigns: list[Campaign]) -> int:
    """The seed campaigns (`shared/data/campaigns.toml`), once: a code already there is left as it is."""
    now = ctx.clock.now()
    added = 0
    async with ctx.engine.begin() as conn:
        existing = set((await conn.execute(sa.select(store.campaigns.c.code))).scalars())
        for campaign in campaigns:
            if campaign.code not in existing:
                await _insert_campaign(conn, campaign, created_by="system", at=now)
                added += 1
    return added


async def create_campaign(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = NewCampaign.model_validate(params)
    if not (actor.is_admin or actor.has_role("approver", cmd.launching_unit_code)):
        raise Forbidden("Chỉ người duyệt của đơn vị phát động được tạo đợt thi đua", code="not_launching_unit")
    catalogs = catalogs_on(_today(ctx))
    unknown = [
        FieldError(field=f"targets.{i}.award_code", message=f"Không có hình thức “{t.award_code}” trong danh mục hiện hành")
        for i, t in enumerate(cmd.targets)
        if catalogs.get(t.award_code) is None
    ]
    if unknown:
        raise ValidationFailed("Đợt thi đua chưa hợp lệ", fields=unknown)
    try:
        async with ctx.engine.begin() as conn:
            if await conn.scalar(sa.select(store.units.c.code).where(store.units.c.code == cmd.launching_unit_code)) is None:
                raise ValidationFailed.on("launching_unit_code", "Không có đơn vị này")
            if await conn.scalar(sa.select(store.campaigns.c.code).where(store.campaigns.c.code == cmd.code)):
                raise _campaign_exists(cmd.code)
            await _insert_campaign(conn, Campaign.model_validate(cmd.model_dump()), created_by=actor.user_id, at=ctx.clock.now())
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise _campaign_exists(cmd.code) from exc
        raise
    return await get_campaign(ctx, actor, {"code": cmd.code})


def _campaign_exists(code: str) -> Conflict:
    return Conflict(f"Đã có đợt thi đua mã {code}", code="campaign_exists")


async def _usage(conn: AsyncConnection, code: str) -> dict[str, int]:
    n = store.nominations
    rows = await conn.execute(
        sa.select(n.c.award_code, sa.func.count())
        .where(n.c.campaign_code == code, n.c.status.in_(STILL_COUNTS))
        .group_by(n.c.award_code)
    )
    return {award: count for award, count in rows.all()}


def _campaign_view(
    campaign: Campaign, usage: dict[str, int], names: dict[str, str], today: date, launcher: str
) -> dict[str, Any]:
    return {
        **campaign.model_dump(mode="json"),
        "launching_unit_name": launcher,
        "open": campaign.open_on(today),
        "window_text": campaign.window_vi,
        "targets": [
            {
                "award_code": t.award_code,
                "award_name": names.get(t.award_code, t.award_code),
                "quota": t.quota,
                "per_unit_quota": t.per_unit_quota,
                "proposing_level": t.proposing_level,
                "used": usage.get(t.award_code, 0),
                "remaining": max(0, t.quota - usage.get(t.award_code, 0)),
            }
            for t in campaign.targets
        ],
    }


async def list_campaigns(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every campaign, newest window first, with each target's places taken (any signed-in user: reference data)."""
    today = _today(ctx)
    names = _award_names(catalogs_on(today))
    async with ctx.engine.connect() as conn:
        codes = list(
            (await conn.execute(sa.select(store.campaigns.c.code).order_by(store.campaigns.c.starts_on.desc()))).scalars()
        )
        units = dict((await conn.execute(sa.select(store.units.c.code, store.units.c.name))).all())
        views = []
        for code in codes:
            campaign = await _load_campaign(conn, code)
            assert campaign is not None
            views.append(
                _campaign_view(campaign, await _usage(conn, code), names, today, units.get(campaign.launching_unit_code, ""))
            )
    return views


async def get_campaign(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = ByCode.model_validate(params)
    today = _today(ctx)
    async with ctx.engine.connect() as conn:
        campaign = await _load_campaign(conn, q.code)
        if campaign is None:
            raise NotFound("Không có đợt thi đua này", code="campaign_not_found")
        launcher = await conn.scalar(sa.select(store.units.c.name).where(store.units.c.code == campaign.launching_unit_code))
        usage = await _usage(conn, q.code)
    return _campaign_view(campaign, usage, _award_names(catalogs_on(today)), today, launcher or "")


async def campaign_checks(
    conn: AsyncConnection,
    award: Award,
    path: list[UnitRef],
    campaign_code: str,
    *,
    on: date,
    except_id: str | None = None,
) -> tuple[list[EligibilityCheck], CampaignRef]:
    """The campaign's window and the award's quota for a submission; refuses (422, on `campaign_code`) outside
    the window, for an award the campaign does not target, a unit outside the launching unit, or a full quota.

    The quota is counted after taking the target's row lock (an UPDATE of its counter row), so two submissions
    for the last place are serialised: the second counts the first and is refused."""
    campaign = await _load_campaign(conn, campaign_code)
    if campaign is None:
        raise ValidationFailed.on("campaign_code", f"Không có đợt thi đua mã {campaign_code}", code="campaign_not_found")
    target = campaign.target(award.code)
    if target is None:
        raise ValidationFailed.on(
            "campaign_code", f"Đợt thi đua “{campaign.name}” không xét “{award.name}”", code="award_not_in_campaign"
        )
    if campaign.launching_unit_code not in {u.code for u in path}:
        raise ValidationFailed.on(
            "campaign_code", f"Đơn vị không thuộc phạm vi đợt thi đua “{campaign.name}”", code="unit_outside_campaign"
        )
    window = judge_campaign_window(campaign, on)
    if window.status == "fail":
        raise ValidationFailed.on("campaign_code", window.message, code="campaign_window_closed")
    t, n = store.campaign_targets, store.nominations
    await conn.execute(
        t.update().where(t.c.campaign_code == campaign.code, t.c.award_code == award.code).values(claims=t.c.claims + 1)
    )
    where = [n.c.campaign_code == campaign.code, n.c.award_code == award.code, n.c.status.in_(STILL_COUNTS)]
    if except_id is not None:
        where.append(n.c.id != except_id)
    used = await conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where)) or 0
    quota = judge_campaign_quota(campaign, target, used, award.name)
    if quota.status == "fail":
        raise ValidationFailed.on("campaign_code", quota.message, code="campaign_quota_reached")
    checks = [window, quota]
    proposing = next((u for u in path if u.level == target.proposing_level), None)
    if target.per_unit_quota is not None and proposing is not None:
        mine = await conn.scalar(
            sa.select(sa.func.count()).select_from(n).where(*where, n.c.path_codes.contains(f"|{proposing.code}|"))
        )
        headroom = judge_unit_headroom(campaign, target, proposing.short_name, mine or 0, award.name)
        if headroom is not None:
            if headroom.status == "fail":
                raise ValidationFailed.on("campaign_code", headroom.message, code="campaign_unit_quota_reached")
            checks.append(headroom)
    return checks, campaign_ref(campaign)


def campaign_ref(campaign: Campaign) -> CampaignRef:
    return CampaignRef(
        code=campaign.code,
        name=campaign.name,
        plan_ref=campaign.plan_ref,
        launching_unit_code=campaign.launching_unit_code,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
    )


async def campaign_ref_of(conn: AsyncConnection, code: str | None) -> CampaignRef | None:
    if code is None:
        return None
    campaign = await _load_campaign(conn, code)
    return campaign_ref(campaign) if campaign else None


# Pledges


def _pledge_view(row: Any, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "unit_code": row["unit_code"],
        "superior_code": row["superior_code"],
        "superior_name": row["superior_name"],
        "year": row["year"],
        "status": row["status"],
        "status_label": PLEDGE_STATUS_VI[row["status"]],
        "targets": [{**t, "award_name": names.get(t["award_code"], t["award_code"])} for t in row["targets"]],
        "note": row["note"],
        "late": row["late"],
        "deadline": row["deadline"].isoformat(),
        "registered_by": row["registered_by"],
        "registered_at": row["registered_at"].isoformat(),
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "reason": row["reason"],
    }


async def register_pledge(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A CĐCS's submitter registers (or, after a return, corrects) the year's pledge before the deadline."""
    cmd = PledgeRegistration.model_validate(params)
    if not (actor.is_admin or actor.has_role("submitter", cmd.unit_code)):
        raise Forbidden("Bạn không phải cán bộ của công đoàn cơ sở này", code="not_unit_submitter")
    now = ctx.clock.now()
    today = _today(ctx)
    rule = pledge_rule_on(today)
    catalogs = catalogs_on(today)
    errors = [
        FieldError(field=f"targets.{i}.award_code", message=f"Không có hình thức “{t.award_code}” trong danh mục hiện hành")
        for i, t in enumerate(cmd.targets)
        if catalogs.get(t.award_code) is None
    ]
    codes = [t.award_code for t in cmd.targets]
    if len(set(codes)) != len(codes):
        errors.append(FieldError(field="targets", message="Mỗi danh hiệu chỉ đăng ký một dòng"))
    if errors:
        raise ValidationFailed("Giao ước thi đua chưa hợp lệ", fields=errors)
    deadline = rule.deadline(cmd.year)
    try:
        async with ctx.engine.begin() as conn:
            path = await _unit_path(conn, cmd.unit_code, today)
            if not path or path[0].level != "grassroots" or len(path) < 2:
                raise ValidationFailed.on("unit_code", "Chỉ công đoàn cơ sở đăng ký giao ước thi đua")
            p = store.pledges
            existing = (
                (await conn.execute(sa.select(p).where(p.c.unit_code == cmd.unit_code, p.c.year == cmd.year).with_for_update()))
                .mappings()
                .first()
            )
            if existing is not None and existing["status"] != "returned":
                raise Conflict(
                    f"Công đoàn cơ sở đã đăng ký giao ước thi đua năm {cmd.year} "
                    f"({PLEDGE_STATUS_VI[existing['status']].lower()})",
                    code="pledge_exists",
                )
            # A returned pledge keeps the date it was first registered: correcting it is not a late registration.
            late = existing["late"] if existing is not None else registration_is_late(rule, cmd.year, today)
            if existing is None and late and rule.late == "refuse":
                raise ValidationFailed.on(
                    "year",
                    f"Đã quá hạn đăng ký giao ước thi đua năm {cmd.year} (hạn {deadline:%d/%m/%Y})",
                    code="pledge_deadline_passed",
                )
            values = {
                "path_codes": "|" + "|".join(u.code for u in path) + "|",
                "superior_code": path[1].code,
                "superior_name": path[1].name,
                "status": "submitted",
                "targets": [t.model_dump() for t in cmd.targets],
                "note": cmd.note,
                "registered_by": actor.user_id,
                "decided_by": None,
                "decided_at": None,
            }
            if existing is None:
                pledge_id = str(uuid4())
                await conn.execute(
                    p.insert().values(
                        id=pledge_id,
                        unit_code=cmd.unit_code,
                        year=cmd.year,
                        late=late,
                        deadline=deadline,
                        registered_at=now,
                        reason=None,
                        **values,
                    )
                )
            else:
                pledge_id = existing["id"]
                await conn.execute(p.update().where(p.c.id == pledge_id).values(**values))
            row = (await conn.execute(sa.select(p).where(p.c.id == pledge_id))).mappings().one()
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"Công đoàn cơ sở đã đăng ký giao ước thi đua năm {cmd.year}", code="pledge_exists") from exc
        raise
    return _pledge_view(row, _award_names(catalogs))


async def decide_pledge(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The direct superior's approver confirms a registered pledge, or returns it with a reason."""
    cmd = DecidePledge.model_validate(params)
    if cmd.action == "return" and not cmd.reason:
        raise ValidationFailed.on("reason", "Cần ghi lý do trả lại", code="reason_required")
    now = ctx.clock.now()
    p = store.pledges
    async with ctx.engine.begin() as conn:
        row = (await conn.execute(sa.select(p).where(p.c.id == cmd.id).with_for_update())).mappings().first()
        if row is None:
            raise NotFound("Không có giao ước thi đua này", code="pledge_not_found")
        if not (actor.is_admin or actor.has_role("approver", row["superior_code"])):
            raise Forbidden("Chỉ người duyệt của công đoàn cấp trên trực tiếp được xác nhận giao ước", code="not_direct_superior")
        if row["status"] != "submitted":
            raise Conflict(f"Giao ước đang ở trạng thái “{PLEDGE_STATUS_VI[row['status']]}”", code="pledge_not_pending")
        await conn.execute(
            p.update()
            .where(p.c.id == cmd.id)
            .values(
                status="confirmed" if cmd.action == "confirm" else "returned",
                decided_by=_actor_name(actor),
                decided_at=now,
                reason=cmd.reason or None,
            )
        )
        row = (await conn.execute(sa.select(p).where(p.c.id == cmd.id))).mappings().one()
    return _pledge_view(row, _award_names(catalogs_on(_today(ctx))))


async def list_pledges(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Pledges the actor may see: their CĐCS's, and those under the units they approve for."""
    q = PledgeQuery.model_validate(params)
    p = store.pledges
    where: list[Any] = []
    if not actor.sees_everything():
        scopes: list[Any] = [p.c.unit_code.in_(actor.units_with("submitter"))]
        scopes += [p.c.path_codes.contains(f"|{u}|") for u in actor.units_with("approver") | actor.units_with("unit_admin")]
        where.append(sa.or_(*scopes))
    if q.year:
        where.append(p.c.year == q.year)
    if q.unit_code:
        where.append(p.c.path_codes.contains(f"|{q.unit_code}|"))
    if q.status:
        where.append(p.c.status == q.status)
    async with ctx.engine.connect() as conn:
        rows = (await conn.execute(sa.select(p).where(*where).order_by(p.c.year.desc(), p.c.unit_code))).mappings().all()
    today = _today(ctx)
    rule = pledge_rule_on(today)
    names = _award_names(catalogs_on(today))
    return {
        "items": [_pledge_view(r, names) for r in rows],
        "deadline": rule.deadline(today.year).isoformat(),
        "late_policy": rule.late,
        "source": rule.source,
        "confirmed": rule.confirmed,
    }


async def pledge_check(
    conn: AsyncConnection, catalogs: CatalogSet, award: Award, unit_code: str, period: str, *, on: date
) -> tuple[EligibilityCheck | None, bool]:
    """The pledge check for a nomination, and whether the system holds a pledge of the unit for that year."""
    year = int(period[:4])
    p = store.pledges
    row = (await conn.execute(sa.select(p).where(p.c.unit_code == unit_code, p.c.year == year))).mappings().first()
    record = None
    if row is not None:
        record = PledgeRecord(
            year=year,
            status=row["status"],
            targets=tuple(PledgeTarget.model_validate(t) for t in row["targets"]),
            late=row["late"],
            superior_name=row["superior_name"],
            decided_on=row["decided_at"].astimezone(VIETNAM_TZ).date() if row["decided_at"] else None,
        )
    names = _award_names(catalogs)
    return judge_pledge(pledge_rule_on(on), award, year, record, lambda code: names.get(code, code)), record is not None


# Clusters


async def create_cluster(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """A superior groups units under it into a cluster (a national cluster hangs under TLD)."""
    cmd = NewCluster.model_validate(params)
    if not (
        actor.is_admin or actor.has_role("approver", cmd.parent_unit_code) or actor.has_role("unit_admin", cmd.parent_unit_code)
    ):
        raise Forbidden("Chỉ đơn vị cấp trên tổ chức cụm được lập cụm thi đua", code="not_cluster_parent")
    if len(set(cmd.members)) != len(cmd.members):
        raise ValidationFailed.on("members", "Mỗi đơn vị chỉ một lần trong cụm")
    try:
        async with ctx.engine.begin() as conn:
            errors = []
            for i, code in enumerate(cmd.members):
                path = await _unit_path(conn, code, cmd.valid_from)
                if cmd.parent_unit_code not in {u.code for u in path[1:]}:
                    errors.append(FieldError(field=f"members.{i}", message=f"{code} không thuộc đơn vị tổ chức cụm"))
            if errors:
                raise ValidationFailed("Cụm thi đua chưa hợp lệ", fields=errors)
            if await conn.scalar(sa.select(store.clusters.c.code).where(store.clusters.c.code == cmd.code)):
                raise Conflict(f"Đã có cụm thi đua mã {cmd.code}", code="cluster_exists")
            await conn.execute(
                store.clusters.insert().values(
                    code=cmd.code,
                    name=cmd.name,
                    parent_unit_code=cmd.parent_unit_code,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    created_by=actor.user_id,
                    created_at=ctx.clock.now(),
                )
            )
            await conn.execute(
                store.cluster_members.insert(),
                [
                    {"cluster_code": cmd.code, "unit_code": u, "valid_from": cmd.valid_from, "valid_to": cmd.valid_to}
                    for u in cmd.members
                ],
            )
    except sa.exc.IntegrityError as exc:
        if is_unique_violation(exc):
            raise Conflict(f"Đã có cụm thi đua mã {cmd.code}", code="cluster_exists") from exc
        raise
    return next(c for c in (await list_clusters(ctx, actor, {})) if c["code"] == cmd.code)


async def list_clusters(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cluster with its members and its votes (reference data for any signed-in user)."""
    c, m, v = store.clusters, store.cluster_members, store.cluster_votes
    async with ctx.engine.connect() as conn:
        units = dict((await conn.execute(sa.select(store.units.c.code, store.units.c.name))).all())
        clusters = (await conn.execute(sa.select(c).order_by(c.c.parent_unit_code, c.c.code))).mappings().all()
        members = (await conn.execute(sa.select(m).order_by(m.c.id))).mappings().all()
        votes = (await conn.execute(sa.select(v).order_by(v.c.year.desc()))).mappings().all()
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "parent_unit_code": r["parent_unit_code"],
            "parent_unit_name": units.get(r["parent_unit_code"], ""),
            "national": r["parent_unit_code"] == "TLD",
            "valid_from": r["valid_from"].isoformat(),
            "valid_to": r["valid_to"].isoformat() if r["valid_to"] else None,
            "members": [
                {
                    "unit_code": x["unit_code"],
                    "unit_name": units.get(x["unit_code"], x["unit_code"]),
                    "valid_from": x["valid_from"].isoformat(),
                }
                for x in members
                if x["cluster_code"] == r["code"]
            ],
            "votes": [
                {
                    "year": x["year"],
                    "leaders": [{"unit_code": u, "unit_name": units.get(u, u)} for u in x["leaders"]],
                    "note": x["note"],
                    "recorded_by": x["recorded_by"],
                    "recorded_at": x["recorded_at"].isoformat(),
                }
                for x in votes
                if x["cluster_code"] == r["code"]
            ],
        }
        for r in clusters
    ]


async def record_cluster_vote(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The year's vote of a cluster: the member units voted leading. Recorded by the superior that organises it."""
    cmd = VoteInCluster.model_validate(params)
    c, m, v = store.clusters, store.cluster_members, store.cluster_votes
    async with ctx.engine.begin() as conn:
        cluster = (await conn.execute(sa.select(c).where(c.c.code == cmd.cluster_code))).mappings().first()
        if cluster is None:
            raise NotFound("Không có cụm thi đua này", code="cluster_not_found")
        if not (actor.is_admin or actor.has_role("approver", cluster["parent_unit_code"])):
            raise Forbidden("Chỉ người duyệt của đơn vị tổ chức cụm được ghi kết quả suy tôn", code="not_cluster_parent")
        in_year = [m.c.valid_from <= date(cmd.year, 12, 31), sa.or_(m.c.valid_to.is_(None), m.c.valid_to > date(cmd.year, 1, 1))]
        members = set(
            (await conn.execute(sa.select(m.c.unit_code).where(m.c.cluster_code == cmd.cluster_code, *in_year))).scalars()
        )
        outside = [
            FieldError(field=f"leaders.{i}", message=f"{code} không là thành viên cụm năm {cmd.year}")
            for i, code in enumerate(cmd.leaders)
            if code not in members
        ]
        if outside:
            raise ValidationFailed("Kết quả suy tôn chưa hợp lệ", fields=outside)
        if await conn.scalar(sa.select(v.c.year).where(v.c.cluster_code == cmd.cluster_code, v.c.year == cmd.year)):
            raise Conflict(f"Cụm đã có kết quả suy tôn năm {cmd.year}", code="cluster_vote_exists")
        await conn.execute(
            v.insert().values(
                cluster_code=cmd.cluster_code,
                year=cmd.year,
                leaders=list(dict.fromkeys(cmd.leaders)),
                note=cmd.note,
                recorded_by=_actor_name(actor),
                recorded_at=ctx.clock.now(),
            )
        )
    return next(x for x in await list_clusters(ctx, actor, {}) if x["code"] == cmd.cluster_code)


async def cluster_check(conn: AsyncConnection, award: Award, unit: UnitRef, period: str, *, on: date) -> EligibilityCheck | None:
    """For a Cờ thi đua: the nominating unit was voted leading in a cluster it belonged to that year."""
    rule = cluster_rule_on(award.code, on)
    if rule is None:
        return None
    year = int(period[:4])
    c, m, v = store.clusters, store.cluster_members, store.cluster_votes
    in_year = [m.c.valid_from <= date(year, 12, 31), sa.or_(m.c.valid_to.is_(None), m.c.valid_to > date(year, 1, 1))]
    rows = (
        await conn.execute(
            sa.select(c.c.code, c.c.name).join(m, m.c.cluster_code == c.c.code).where(m.c.unit_code == unit.code, *in_year)
        )
    ).all()
    units = dict((await conn.execute(sa.select(store.units.c.code, store.units.c.name))).all())
    standings = []
    for code, name in rows:
        leaders = await conn.scalar(sa.select(v.c.leaders).where(v.c.cluster_code == code, v.c.year == year))
        standings.append(
            ClusterStanding(
                cluster_name=name,
                voted=leaders is not None,
                leaders=tuple(units.get(u, u) for u in leaders or ()),
                leading=unit.code in (leaders or ()),
            )
        )
    return judge_cluster_lead(rule, unit.name, year, standings)
