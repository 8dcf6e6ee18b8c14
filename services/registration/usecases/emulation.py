"""Registration's emulation commands: campaigns ("đợt thi đua"), pledges ("giao ước thi đua"), clusters ("cụm thi đua").

One function per command, one transaction each, rights decided here where the data lives. The checks a nomination
gets from them at submission are in `eligibility`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

from services.registration.domain.emulation import (
    HOLDS_CAMPAIGN_PLACE,
    PLEDGE_STATUS_VI,
    registration_is_late,
)
from services.registration.store import AlreadyStored
from services.registration.store.records import ClusterMemberRow, ClusterRow, ClusterVoteRow, PledgeRow, PledgeSearch, UnitRow
from services.registration.usecases.access import actor_name, visibility
from services.registration.usecases.common import award_names
from services.registration.usecases.context import RegistrationContext, emulation_rules_of
from shared.contracts.commands import Campaign, NewCampaign, NewCluster, PledgeRegistration
from shared.contracts.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.registration import (
    LIST_PLEDGES,
    CampaignCode,
    CampaignList,
    CampaignTargetView,
    CampaignView,
    ClusterLeader,
    ClusterList,
    ClusterMemberView,
    ClusterView,
    ClusterVoteView,
    DecidePledge,
    IgnoredParams,
    PledgeList,
    PledgeQuery,
    PledgeTargetView,
    PledgeView,
    VoteInCluster,
)
from shared.contracts.paging import cut_page, decode_cursor, encode_cursor, scope_of


def _unit_names(units: list[UnitRow]) -> dict[str, str]:
    return {u.code: u.name for u in units}


def _roots(units: list[UnitRow]) -> frozenset[str]:
    """The top of the unit tree (the Tổng LĐLĐ): the units with no parent."""
    return frozenset(u.code for u in units if u.parent_code is None)


def _today(ctx: RegistrationContext) -> date:
    return ctx.today()


# Campaigns


async def load_campaigns(ctx: RegistrationContext, campaigns: list[Campaign]) -> int:
    """The seed campaigns (`shared/data/campaigns.toml`), once: a code already there is left as it is."""
    now = ctx.clock.now()
    added = 0
    async with ctx.uow.transaction() as store:
        existing = {c.code for c in await store.campaigns()}
        for campaign in campaigns:
            if campaign.code not in existing:
                await store.add_campaign(campaign, created_by="system", at=now)
                added += 1
    return added


async def create_campaign(ctx: RegistrationContext, actor: Actor, cmd: NewCampaign) -> CampaignView:
    if not (actor.is_admin or actor.has_role("approver", cmd.launching_unit_code)):
        raise Forbidden("Chỉ người duyệt của đơn vị phát động được tạo đợt thi đua", code="not_launching_unit")
    catalogs = ctx.rules.catalogs_on(_today(ctx))
    unknown = [
        FieldError(field=f"targets.{i}.award_code", message=f"Không có hình thức “{t.award_code}” trong danh mục hiện hành")
        for i, t in enumerate(cmd.targets)
        if catalogs.get(t.award_code) is None
    ]
    if unknown:
        raise ValidationFailed("Đợt thi đua chưa hợp lệ", fields=unknown)
    try:
        async with ctx.uow.transaction() as store:
            if await store.unit(cmd.launching_unit_code) is None:
                raise ValidationFailed.on("launching_unit_code", "Không có đơn vị này")
            if await store.campaign(cmd.code) is not None:
                raise _campaign_exists(cmd.code)
            await store.add_campaign(Campaign.model_validate(cmd.model_dump()), created_by=actor.user_id, at=ctx.clock.now())
    except AlreadyStored as exc:
        raise _campaign_exists(cmd.code) from exc
    return await get_campaign(ctx, actor, CampaignCode(code=cmd.code))


def _campaign_exists(code: str) -> Conflict:
    return Conflict(f"Đã có đợt thi đua mã {code}", code="campaign_exists")


def _campaign_view(campaign: Campaign, usage: dict[str, int], names: dict[str, str], today: date, launcher: str) -> CampaignView:
    return CampaignView(
        code=campaign.code,
        name=campaign.name,
        plan_ref=campaign.plan_ref,
        launching_unit_code=campaign.launching_unit_code,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        topic=campaign.topic,
        source=campaign.source,
        targets=[
            CampaignTargetView(
                award_code=t.award_code,
                award_name=names.get(t.award_code, t.award_code),
                quota=t.quota,
                per_unit_quota=t.per_unit_quota,
                proposing_level=t.proposing_level,
                used=usage.get(t.award_code, 0),
                remaining=max(0, t.quota - usage.get(t.award_code, 0)),
            )
            for t in campaign.targets
        ],
        launching_unit_name=launcher,
        open=campaign.open_on(today),
        window_text=campaign.window_vi,
    )


async def list_campaigns(ctx: RegistrationContext, actor: Actor, params: IgnoredParams) -> CampaignList:
    """Every campaign, newest window first, with each target's places taken (any signed-in user: reference data)."""
    today = _today(ctx)
    names = award_names(ctx.rules.catalogs_on(today))
    async with ctx.uow.reading() as store:
        units = _unit_names(await store.units())
        views = []
        for campaign in await store.campaigns():
            usage = await store.count_by_award(campaign.code, HOLDS_CAMPAIGN_PLACE)
            views.append(_campaign_view(campaign, usage, names, today, units.get(campaign.launching_unit_code, "")))
    return CampaignList(views)


async def get_campaign(ctx: RegistrationContext, actor: Actor, q: CampaignCode) -> CampaignView:
    today = _today(ctx)
    async with ctx.uow.reading() as store:
        campaign = await store.campaign(q.code)
        if campaign is None:
            raise NotFound("Không có đợt thi đua này", code="campaign_not_found")
        launcher = await store.unit(campaign.launching_unit_code)
        usage = await store.count_by_award(q.code, HOLDS_CAMPAIGN_PLACE)
    return _campaign_view(campaign, usage, award_names(ctx.rules.catalogs_on(today)), today, launcher.name if launcher else "")


# Pledges


def _pledge_view(row: PledgeRow, names: dict[str, str]) -> PledgeView:
    return PledgeView(
        id=row.id,
        unit_code=row.unit_code,
        superior_code=row.superior_code,
        superior_name=row.superior_name,
        year=row.year,
        status=row.status,
        status_label=PLEDGE_STATUS_VI[row.status],
        targets=[
            PledgeTargetView(award_code=t.award_code, count=t.count, award_name=names.get(t.award_code, t.award_code))
            for t in row.targets
        ],
        note=row.note,
        late=row.late,
        deadline=row.deadline,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


async def register_pledge(ctx: RegistrationContext, actor: Actor, cmd: PledgeRegistration) -> PledgeView:
    """A CĐCS's submitter registers (or, after a return, corrects) the year's pledge before the deadline."""
    if not (actor.is_admin or actor.has_role("submitter", cmd.unit_code)):
        raise Forbidden("Bạn không phải cán bộ của công đoàn cơ sở này", code="not_unit_submitter")
    now = ctx.clock.now()
    today = _today(ctx)
    rule = emulation_rules_of(ctx.rules).pledge_on(today)
    catalogs = ctx.rules.catalogs_on(today)
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
        async with ctx.uow.transaction() as store:
            path = await store.unit_path(cmd.unit_code, today)
            if not path or path[0].level != "grassroots" or len(path) < 2:
                raise ValidationFailed.on("unit_code", "Chỉ công đoàn cơ sở đăng ký giao ước thi đua")
            existing = await store.pledge_of(cmd.unit_code, cmd.year, for_update=True)
            if existing is not None and existing.status != "returned":
                raise Conflict(
                    f"Công đoàn cơ sở đã đăng ký giao ước thi đua năm {cmd.year} ({PLEDGE_STATUS_VI[existing.status].lower()})",
                    code="pledge_exists",
                )
            # A returned pledge keeps the date it was first registered: correcting it is not a late registration.
            late = existing.late if existing is not None else registration_is_late(rule, cmd.year, today)
            if existing is None and late and rule.late_policy == "refuse":
                raise ValidationFailed.on(
                    "year",
                    f"Đã quá hạn đăng ký giao ước thi đua năm {cmd.year} (hạn {deadline:%d/%m/%Y})",
                    code="pledge_deadline_passed",
                )
            if existing is None:
                pledge = PledgeRow(
                    id=str(uuid4()),
                    unit_code=cmd.unit_code,
                    path=tuple(u.code for u in path),
                    superior_code=path[1].code,
                    superior_name=path[1].name,
                    year=cmd.year,
                    status="submitted",
                    targets=tuple(cmd.targets),
                    note=cmd.note,
                    late=late,
                    deadline=deadline,
                    registered_by=actor.user_id,
                    registered_at=now,
                    decided_by=None,
                    decided_at=None,
                    reason=None,
                )
                await store.add_pledge(pledge)
            else:
                pledge = replace(
                    existing,
                    path=tuple(u.code for u in path),
                    superior_code=path[1].code,
                    superior_name=path[1].name,
                    status="submitted",
                    targets=tuple(cmd.targets),
                    note=cmd.note,
                    registered_by=actor.user_id,
                    decided_by=None,
                    decided_at=None,
                )
                await store.save_pledge(pledge)
            stored = await store.pledge(pledge.id)
            assert stored is not None
    except AlreadyStored as exc:
        raise Conflict(f"Công đoàn cơ sở đã đăng ký giao ước thi đua năm {cmd.year}", code="pledge_exists") from exc
    return _pledge_view(stored, award_names(catalogs))


async def decide_pledge(ctx: RegistrationContext, actor: Actor, cmd: DecidePledge) -> PledgeView:
    """The direct superior's approver confirms a registered pledge, or returns it with a reason."""
    if cmd.action == "return" and not cmd.reason:
        raise ValidationFailed.on("reason", "Cần ghi lý do trả lại", code="reason_required")
    now = ctx.clock.now()
    async with ctx.uow.transaction() as store:
        row = await store.pledge(cmd.id, for_update=True)
        if row is None:
            raise NotFound("Không có giao ước thi đua này", code="pledge_not_found")
        if not (actor.is_admin or actor.has_role("approver", row.superior_code)):
            raise Forbidden("Chỉ người duyệt của công đoàn cấp trên trực tiếp được xác nhận giao ước", code="not_direct_superior")
        if row.status != "submitted":
            raise Conflict(f"Giao ước đang ở trạng thái “{PLEDGE_STATUS_VI[row.status]}”", code="pledge_not_pending")
        decided = replace(
            row,
            status="confirmed" if cmd.action == "confirm" else "returned",
            decided_by=actor_name(actor),
            decided_at=now,
            reason=cmd.reason or None,
        )
        await store.save_pledge(decided)
        stored = await store.pledge(cmd.id)
        assert stored is not None
    return _pledge_view(stored, award_names(ctx.rules.catalogs_on(_today(ctx))))


async def list_pledges(ctx: RegistrationContext, actor: Actor, q: PledgeQuery) -> PledgeList:
    """Pledges the actor may see: their CĐCS's, and those under the units they approve for."""
    scope = scope_of(LIST_PLEDGES.subject, q.model_dump(include={"year", "unit_code", "status"}))
    after = None
    if q.cursor:
        year, unit_code = decode_cursor(q.cursor, scope, shape=(int, str))
        after = (int(year), str(unit_code))
    search = PledgeSearch(
        visible=visibility(actor), year=q.year, under_unit=q.unit_code, status=q.status, limit=q.limit + 1, after=after
    )
    async with ctx.uow.reading() as store:
        rows = await store.pledges(search)
    page, next_cursor = cut_page(rows, q.limit, lambda r: encode_cursor([r.year, r.unit_code], scope))
    today = _today(ctx)
    rule = emulation_rules_of(ctx.rules).pledge_on(today)
    names = award_names(ctx.rules.catalogs_on(today))
    return PledgeList(
        items=[_pledge_view(r, names) for r in page],
        next_cursor=next_cursor,
        deadline=rule.deadline(today.year),
        late_policy=rule.late_policy,
        source=rule.source,
        confirmed=rule.confirmed,
    )


# Clusters


async def create_cluster(ctx: RegistrationContext, actor: Actor, cmd: NewCluster) -> ClusterView:
    """A superior groups units under it into a cluster (a national cluster hangs under the root of the unit tree)."""
    if not (
        actor.is_admin or actor.has_role("approver", cmd.parent_unit_code) or actor.has_role("unit_admin", cmd.parent_unit_code)
    ):
        raise Forbidden("Chỉ đơn vị cấp trên tổ chức cụm được lập cụm thi đua", code="not_cluster_parent")
    if len(set(cmd.members)) != len(cmd.members):
        raise ValidationFailed.on("members", "Mỗi đơn vị chỉ một lần trong cụm")
    try:
        async with ctx.uow.transaction() as store:
            errors = []
            for i, code in enumerate(cmd.members):
                path = await store.unit_path(code, cmd.valid_from)
                if cmd.parent_unit_code not in {u.code for u in path[1:]}:
                    errors.append(FieldError(field=f"members.{i}", message=f"{code} không thuộc đơn vị tổ chức cụm"))
            if errors:
                raise ValidationFailed("Cụm thi đua chưa hợp lệ", fields=errors)
            if await store.cluster(cmd.code) is not None:
                raise _cluster_exists(cmd.code)
            await store.add_cluster(
                ClusterRow(
                    code=cmd.code,
                    name=cmd.name,
                    parent_unit_code=cmd.parent_unit_code,
                    valid_from=cmd.valid_from,
                    valid_to=cmd.valid_to,
                    created_by=actor.user_id,
                    created_at=ctx.clock.now(),
                    members=tuple(
                        ClusterMemberRow(unit_code=u, valid_from=cmd.valid_from, valid_to=cmd.valid_to) for u in cmd.members
                    ),
                )
            )
    except AlreadyStored as exc:
        raise _cluster_exists(cmd.code) from exc
    return await _read_cluster(ctx, cmd.code)


def _cluster_exists(code: str) -> Conflict:
    return Conflict(f"Đã có cụm thi đua mã {code}", code="cluster_exists")


def _cluster_view(cluster: ClusterRow, units: dict[str, str], roots: frozenset[str]) -> ClusterView:
    return ClusterView(
        code=cluster.code,
        name=cluster.name,
        parent_unit_code=cluster.parent_unit_code,
        parent_unit_name=units.get(cluster.parent_unit_code, ""),
        national=cluster.parent_unit_code in roots,
        valid_from=cluster.valid_from,
        valid_to=cluster.valid_to,
        members=[
            ClusterMemberView(unit_code=m.unit_code, unit_name=units.get(m.unit_code, m.unit_code), valid_from=m.valid_from)
            for m in cluster.members
        ],
        votes=[
            ClusterVoteView(
                year=v.year,
                leaders=[ClusterLeader(unit_code=u, unit_name=units.get(u, u)) for u in v.leaders],
                note=v.note,
                recorded_by=v.recorded_by,
                recorded_at=v.recorded_at,
            )
            for v in cluster.votes
        ],
    )


async def list_clusters(ctx: RegistrationContext, actor: Actor, params: IgnoredParams) -> ClusterList:
    """Every cluster with its members and its votes (reference data for any signed-in user)."""
    async with ctx.uow.reading() as store:
        rows = await store.units()
        clusters = await store.clusters()
    units, roots = _unit_names(rows), _roots(rows)
    return ClusterList([_cluster_view(c, units, roots) for c in clusters])


async def _read_cluster(ctx: RegistrationContext, code: str) -> ClusterView:
    async with ctx.uow.reading() as store:
        rows = await store.units()
        cluster = await store.cluster(code)
    assert cluster is not None  # just written
    return _cluster_view(cluster, _unit_names(rows), _roots(rows))


async def record_cluster_vote(ctx: RegistrationContext, actor: Actor, cmd: VoteInCluster) -> ClusterView:
    """The year's vote of a cluster: the member units voted leading. Recorded by the superior that organises it."""
    async with ctx.uow.transaction() as store:
        cluster = await store.cluster(cmd.cluster_code)
        if cluster is None:
            raise NotFound("Không có cụm thi đua này", code="cluster_not_found")
        if not (actor.is_admin or actor.has_role("approver", cluster.parent_unit_code)):
            raise Forbidden("Chỉ người duyệt của đơn vị tổ chức cụm được ghi kết quả suy tôn", code="not_cluster_parent")
        members = {m.unit_code for m in cluster.members if m.in_year(cmd.year)}
        outside = [
            FieldError(field=f"leaders.{i}", message=f"{code} không là thành viên cụm năm {cmd.year}")
            for i, code in enumerate(cmd.leaders)
            if code not in members
        ]
        if outside:
            raise ValidationFailed("Kết quả suy tôn chưa hợp lệ", fields=outside)
        if cluster.vote_of(cmd.year) is not None:
            raise Conflict(f"Cụm đã có kết quả suy tôn năm {cmd.year}", code="cluster_vote_exists")
        vote = ClusterVoteRow(
            year=cmd.year,
            leaders=tuple(dict.fromkeys(cmd.leaders)),
            note=cmd.note,
            recorded_by=actor_name(actor),
            recorded_at=ctx.clock.now(),
        )
        await store.add_cluster_vote(cmd.cluster_code, vote)
    return await _read_cluster(ctx, cmd.cluster_code)
