"""Registration's commands and reactions: one function each, one transaction each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

from services.registration import attachments as files_
from services.registration import emulation
from services.registration.attachments import DossierFiles, Incoming
from services.registration.domain.emulation import supersede_declared_pledge
from services.registration.domain.nomination import (
    ACTIVE,
    OPEN,
    STATUS_LABELS_VI,
    STEP_LABELS_VI,
    Status,
    Step,
    active_key,
    next_status,
    require_transition,
    validate_intake,
)
from services.registration.domain.reorganisation import Plan, plan
from services.registration.store import AlreadyStored, SqlUnitOfWork, Store
from services.registration.store.records import (
    AttachmentRow,
    NominationCount,
    NominationRow,
    NominationSearch,
    ReorganisationRow,
    TimelineRow,
    Visibility,
)
from shared.contracts.commands import NominationDraft, NominationEdit, Reorganisation, StagedAttachment, Withdrawal
from shared.contracts.errors import Conflict, FieldError, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from shared.contracts.events import (
    Actor,
    AttachmentRef,
    AwardGranted,
    AwardProposed,
    CampaignRef,
    CouncilVote,
    CouncilVoteRecorded,
    DecisionRevoked,
    EligibilityCheck,
    Event,
    NominationApproved,
    NominationForwarded,
    NominationRejected,
    NominationResubmitted,
    NominationReturned,
    NominationsApproved,
    NominationSnapshot,
    NominationSubmitted,
    NominationWithdrawn,
    Nominee,
    TaskClaimed,
    TaskEscalated,
    TaskOpened,
    TaskReleased,
    TaskReorganised,
    TaskSentBack,
    UnitsReorganised,
)
from shared.contracts.values import LEVEL_RANK, VIETNAM_TZ, UnitRef
from shared.platform.observability import require_operations
from shared.platform.service import ServiceContext
from shared.rules import attachments as att
from shared.rules.catalog import Award, CatalogSet, Quota, catalog_version, catalogs_on
from shared.rules.eligibility import PriorNomination, QuotaUsage, evaluate, failures, quota_unit, rules_on
from shared.rules.reference import Unit

CONSUMER = "registration"


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class EditNomination(NominationEdit):
    id: str


class WithdrawNomination(Withdrawal):
    id: str


class NominationQuery(_Params):
    unit_code: str | None = None
    status: Status | None = None
    award_code: str | None = None
    period: str | None = None
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ById(_Params):
    id: str


class StuckQuery(_Params):
    older_than_seconds: int = Field(default=3 * 24 * 3600, ge=60)
    limit: int = Field(default=100, ge=1, le=1000)


# Reference data


def _uow(ctx: ServiceContext) -> SqlUnitOfWork:
    return SqlUnitOfWork(ctx.engine, ctx.outbox_written)


async def load_units(ctx: ServiceContext, units: list[Unit]) -> int:
    """Insert or update the unit tree from its data file (parents first). A unit a reorganisation has
    changed is left as the reorganisation made it: from then on the database is the record."""
    ordered = sorted(units, key=lambda u: -LEVEL_RANK[u.level])
    async with _uow(ctx).transaction() as store:
        changed_by = {u.code: u.reorganised_by for u in await store.units()}
        for u in ordered:
            if u.code in changed_by and changed_by[u.code] is not None:
                continue
            await store.save_unit(u, exists=u.code in changed_by, reorganised_by=None)
    return len(units)


async def list_units(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every unit, closed ones included (old names stay readable), with its validity."""
    async with _uow(ctx).reading() as store:
        rows = await store.units()
    return [
        {
            "code": r.code,
            "name": r.name,
            "short_name": r.short_name,
            "level": r.level,
            "parent_code": r.parent_code,
            "sector": r.sector,
            "valid_from": r.valid_from.isoformat() if r.valid_from else None,
            "valid_to": r.valid_to.isoformat() if r.valid_to else None,
        }
        for r in rows
    ]


# Authorisation, decided here where the data lives


def _require_submitter(actor: Actor, unit_code: str) -> None:
    if not (actor.is_admin or actor.has_role("submitter", unit_code)):
        raise Forbidden("Bạn không phải cán bộ nộp hồ sơ của đơn vị này", code="not_unit_submitter")


def _can_view(actor: Actor, row: NominationRow) -> bool:
    if actor.sees_everything():
        return True
    scoped = {g.unit_code for g in actor.roles if g.unit_code}
    if row.unit_code in actor.units_with("submitter"):
        return True
    reviewer_units = scoped - actor.units_with("submitter")
    return any(row.passes_through(u) for u in reviewer_units)


# Commands


async def submit(ctx: ServiceContext, actor: Actor, params: dict[str, Any], files: DossierFiles | None = None) -> dict[str, Any]:
    cmd = NominationDraft.model_validate(params)
    _require_submitter(actor, cmd.unit_code)
    now = ctx.clock.now()
    today = now.astimezone(VIETNAM_TZ).date()
    catalogs = catalogs_on(today)
    award = catalogs.get(cmd.award_code)
    nomination_id = str(uuid4())
    rules = att.rules_on(today)
    incoming = await _take_staged(files, actor, cmd.attachments, rules)
    written: list[str] = []
    async with _cleaning_up(files, written), _writing(ctx) as store:
        path = await store.unit_path(cmd.unit_code, today)
        validate_intake(
            unit=path[0] if path else None,
            unit_path=path,
            award=award,
            nominee=cmd.nominee,
            period=cmd.period,
            achievements=cmd.achievements,
            council_vote=cmd.council_vote,
            current_year=now.astimezone(VIETNAM_TZ).year,
        )
        assert award is not None  # validate_intake refused a missing award
        _validate_topic(award, cmd.topic)
        key = active_key(cmd.unit_code, cmd.nominee, cmd.award_code, cmd.period)
        await _refuse_duplicate(store, key)
        campaign_checks: list[EligibilityCheck] = []
        campaign: CampaignRef | None = None
        if cmd.campaign_code:
            campaign_checks, campaign = await emulation.campaign_checks(store, award, path, cmd.campaign_code, on=today)
        checks = campaign_checks + await _eligibility(
            store,
            catalogs,
            award,
            path,
            cmd.unit_code,
            cmd.nominee,
            cmd.period,
            cmd.achievements,
            on=today,
            campaign_code=cmd.campaign_code,
            topic=cmd.topic,
        )
        nomination = NominationRow(
            id=nomination_id,
            unit_code=cmd.unit_code,
            unit_path=tuple(path),
            award_code=award.code,
            award_name=award.name,
            awarding_level=award.awarding_level,
            catalog_version=award.catalog_version,
            period=cmd.period,
            nominee=cmd.nominee,
            eligibility=tuple(checks),
            achievements=cmd.achievements,
            council_vote=cmd.council_vote,
            status=Status.SUBMITTED,
            round=1,
            active_key=key,
            current_unit_code=None,
            current_unit_name=None,
            last_reason=None,
            decision=None,
            campaign_code=cmd.campaign_code or None,
            topic=cmd.topic or None,
            submitted_by=actor.user_id,
            created_at=now,
            updated_at=now,
        )
        await store.add_nomination(nomination)
        names = att.document_names(catalogs.catalogs)
        _check_attachments(award, [], incoming, rules, names, required=True)
        await files_.record(store, files, nomination_id, incoming, names, actor=actor, round_=1, now=now, written=written)
        snapshot = await _with_sector(store, _snapshot(nomination, await _refs(store, nomination_id), campaign))
        event = NominationSubmitted(occurred_at=now, correlation_id=nomination_id, actor=actor, nomination=snapshot)
        await _record(store, nomination, Step.SUBMIT, event, unit=path[0], comment=_summary(checks))
        await store.enqueue(event)
    return await get_nomination(ctx, actor, {"id": nomination_id})


@asynccontextmanager
async def _writing(ctx: ServiceContext) -> AsyncIterator[Store]:
    """A write transaction; a concurrent duplicate caught by the unique index is the same 409."""
    try:
        async with _uow(ctx).transaction() as store:
            yield store
    except AlreadyStored as exc:
        raise _duplicate() from exc


def _duplicate() -> Conflict:
    return Conflict(
        "Đã có hồ sơ đang xét cho người/tập thể này với cùng hình thức khen thưởng và kỳ xét",
        code="duplicate_nomination",
    )


async def _refuse_duplicate(store: Store, key: str, *, except_id: str | None = None) -> None:
    if await store.active_nomination(key, except_id=except_id) is not None:
        raise _duplicate()


async def update(ctx: ServiceContext, actor: Actor, params: dict[str, Any], files: DossierFiles | None = None) -> dict[str, Any]:
    cmd = EditNomination.model_validate(params)
    await _edit(ctx, actor, cmd, resubmit=False, files=files)
    return await get_nomination(ctx, actor, {"id": cmd.id})


async def resubmit(
    ctx: ServiceContext, actor: Actor, params: dict[str, Any], files: DossierFiles | None = None
) -> dict[str, Any]:
    cmd = EditNomination.model_validate(params)
    await _edit(ctx, actor, cmd, resubmit=True, files=files)
    return await get_nomination(ctx, actor, {"id": cmd.id})


async def _edit(
    ctx: ServiceContext, actor: Actor, cmd: EditNomination, *, resubmit: bool, files: DossierFiles | None = None
) -> None:
    now = ctx.clock.now()
    rules = att.rules_on(now.astimezone(VIETNAM_TZ).date())
    step = Step.RESUBMIT if resubmit else Step.EDIT
    async with _uow(ctx).reading() as store:  # who may edit, and whether it may be edited now, before any file is read
        current = await _load(store, cmd.id)
        _require_submitter(actor, current.unit_code)
        require_transition(current.status, step)
    incoming = await _take_staged(files, actor, cmd.attachments, rules)
    written: list[str] = []
    async with _cleaning_up(files, written), _writing(ctx) as store:
        row = await _load(store, cmd.id, for_update=True)
        _require_submitter(actor, row.unit_code)
        new_status = require_transition(row.status, step)
        nominee = cmd.nominee or row.nominee
        period = cmd.period or row.period
        achievements = cmd.achievements or row.achievements
        council_vote = cmd.council_vote or row.council_vote
        path = list(row.unit_path)
        today = now.astimezone(VIETNAM_TZ).date()
        catalogs = catalogs_on(today)
        award = catalogs.get(row.award_code)
        validate_intake(
            unit=path[0],
            unit_path=path,
            award=award,
            nominee=nominee,
            period=period,
            achievements=achievements,
            council_vote=council_vote,
            current_year=now.astimezone(VIETNAM_TZ).year,
        )
        key = active_key(row.unit_code, nominee, row.award_code, period)
        await _refuse_duplicate(store, key, except_id=cmd.id)
        checks = list(row.eligibility)
        if resubmit:
            assert award is not None  # validate_intake refused a missing award
            # The campaign's window and place were judged when it was first submitted; they travel unchanged.
            campaign_checks = [c for c in checks if c.rule in CAMPAIGN_RULES]
            checks = campaign_checks + await _eligibility(
                store,
                catalogs,
                award,
                path,
                row.unit_code,
                nominee,
                period,
                achievements,
                on=today,
                except_id=cmd.id,
                campaign_code=row.campaign_code,
                topic=row.topic,
            )
        updated = replace(
            row,
            nominee=nominee,
            eligibility=tuple(checks),
            period=period,
            achievements=achievements,
            council_vote=council_vote,
            active_key=key,
            status=new_status,
            updated_at=now,
            round=row.round + 1 if resubmit else row.round,
        )
        assert award is not None  # validate_intake refused a missing award
        names = att.document_names(catalogs.catalogs)
        kept = await store.attachments(cmd.id)
        removed = set(cmd.remove_attachments)
        unknown = removed - {a.id for a in kept}
        if unknown:
            raise ValidationFailed.on(
                "remove_attachments",
                "Tài liệu cần bỏ không có trong hồ sơ: " + ", ".join(sorted(unknown)),
                code="attachment_not_found",
            )
        kept = [a for a in kept if a.id not in removed]
        _check_attachments(award, kept, incoming, rules, names, required=resubmit)
        if removed:
            await store.remove_attachments(frozenset(removed), at=now, by=actor.user_id)
        # files added to a returned dossier come with its next round (the resubmission)
        await files_.record(store, files, cmd.id, incoming, names, actor=actor, round_=row.round + 1, now=now, written=written)
        await store.save_nomination(updated)
        changes = _files_changed(len(incoming), len(removed))
        if resubmit:
            campaign = await emulation.campaign_ref_of(store, updated.campaign_code)
            snapshot = await _with_sector(store, _snapshot(updated, await _refs(store, cmd.id), campaign))
            event: Event = NominationResubmitted(
                occurred_at=now, correlation_id=cmd.id, actor=actor, nomination=snapshot, comment=cmd.comment
            )
            comment = "; ".join(c for c in (cmd.comment, changes, _summary(checks)) if c)
            await _record(store, updated, Step.RESUBMIT, event, unit=path[0], comment=comment)
            await store.enqueue(event)
        else:
            comment = "; ".join(c for c in (cmd.comment, changes) if c)
            await _add_timeline(store, cmd.id, Step.EDIT, actor, now, unit=path[0], comment=comment or None)


async def withdraw(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = WithdrawNomination.model_validate(params)
    now = ctx.clock.now()
    async with _uow(ctx).transaction() as store:
        row = await _load(store, cmd.id, for_update=True)
        _require_submitter(actor, row.unit_code)
        new_status = require_transition(row.status, Step.WITHDRAW)
        await store.save_nomination(
            replace(row, status=new_status, active_key=None, updated_at=now, last_reason=cmd.reason or None)
        )
        event = NominationWithdrawn(occurred_at=now, correlation_id=cmd.id, actor=actor, nomination_id=cmd.id, reason=cmd.reason)
        await _record(store, row, Step.WITHDRAW, event, unit=row.unit_path[0], comment=cmd.reason)
        await store.enqueue(event)
    return await get_nomination(ctx, actor, {"id": cmd.id})


# Reorganising the tree


class Reorganise(_Params):
    reorganisation: Reorganisation
    apply: bool = False


async def reorganise(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Check a reorganisation (what it would change) or apply it: units, dated parents and the open
    nominations' paths in one transaction, with one `UnitsReorganised` event through the outbox."""
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống được sắp xếp lại cây đơn vị", code="admin_only")
    cmd = Reorganise.model_validate(params)
    r = cmd.reorganisation
    now = ctx.clock.now()
    async with _writing(ctx) as store:
        if await store.reorganisation_applied(r.id):
            raise Conflict(f"Đợt sắp xếp “{r.id}” đã được áp dụng", code="reorganisation_applied")
        checked = plan(await store.tree(), r)
        event = checked.event(now, actor)
        if cmd.apply and r.effective_on > now.astimezone(VIETNAM_TZ).date():
            raise ValidationFailed.on(
                "effective_on", f"Chưa đến ngày hiệu lực {r.effective_on:%d/%m/%Y}: chỉ kiểm tra được", code="not_yet_effective"
            )
        if cmd.apply:
            await _write_units(store, checked)
        repathed = await _repath_nominations(store, event, write=cmd.apply)
        summary = _reorganisation_summary(checked, repathed)
        if cmd.apply:
            await store.add_reorganisation(
                ReorganisationRow(
                    id=r.id, title=r.title, effective_on=r.effective_on, applied_at=now, applied_by=actor.user_id, summary=summary
                )
            )
            await store.enqueue(event)
    return {"applied": cmd.apply, "summary": summary, "event": event.model_dump(mode="json")}


async def _write_units(store: Store, checked: Plan) -> None:
    existing = {u.code for u in await store.units()}
    for unit in sorted(checked.changed_units, key=lambda u: -LEVEL_RANK[u.level]):  # new parents before their children
        await store.save_unit(unit, exists=unit.code in existing, reorganised_by=checked.reorganisation.id)


async def _repath_nominations(store: Store, event: UnitsReorganised, *, write: bool) -> list[tuple[str, str, str]]:
    """Open nominations whose path changes get the path as of the effective date; returns (id, old, new superior)."""
    codes = {m.unit.code for m in event.moved} | {r.before.code for r in event.renamed}
    if not codes:
        return []
    repathed = []
    for row in await store.open_nominations_through(frozenset(codes), OPEN):
        old = list(row.unit_path)
        new = event.new_path(old)
        if new == old:
            continue
        old_superior, new_superior = (old[1] if len(old) > 1 else old[0]), (new[1] if len(new) > 1 else new[0])
        repathed.append((row.id, old_superior.code, new_superior.code))
        if not write:
            continue
        await store.save_nomination(replace(row, unit_path=tuple(new), updated_at=event.occurred_at))
        if old_superior.code != new_superior.code:
            comment = (
                f"Từ {old_superior.short_name} sang {new_superior.short_name} "
                f"(hiệu lực {event.effective_on:%d/%m/%Y}; {event.title})"
            )
            await _record(store, row, Step.REORGANISE, event, unit=new_superior, comment=comment)
    return repathed


def _reorganisation_summary(checked: Plan, repathed: list[tuple[str, str, str]]) -> dict[str, Any]:
    r = checked.reorganisation
    per_superior: dict[str, int] = {}
    for _, _, new_superior in repathed:
        per_superior[new_superior] = per_superior.get(new_superior, 0) + 1
    return {
        "reorganisation_id": r.id,
        "title": r.title,
        "effective_on": r.effective_on.isoformat(),
        "closed": [{"code": u.code, "name": u.name} for u in checked.closed],
        "created": [{"code": u.code, "name": u.name, "level": u.level} for u in checked.created],
        "renamed": [{"code": n.before.code, "before": n.before.name, "after": n.after.name} for n in checked.renamed],
        "merged": [{"units": [u.code for u in m.units], "into": m.into.code} for m in checked.merged],
        "moved": [
            {"code": m.unit.code, "name": m.unit.name, "level": m.unit.level, "from": m.from_parent.code, "to": m.to_parent.code}
            for m in checked.moved
        ],
        "cdcs_moved": sum(1 for m in checked.moved if m.unit.level == "grassroots"),
        "nominations_repathed": len(repathed),
        "nominations_per_new_superior": dict(sorted(per_superior.items())),
    }


# Eligibility (issue 7): judged at submission and resubmission, stored with the nomination


# Nominations that hold a quota place or an award (a proposed state title waits for the state's decision).
STILL_COUNTS = frozenset({*ACTIVE, Status.GRANTED, Status.PROPOSED})


async def _eligibility(
    store: Store,
    catalogs: CatalogSet,
    award: Award,
    path: list[UnitRef],
    unit_code: str,
    nominee: Nominee,
    period: str,
    achievements: str,
    *,
    on: date,
    except_id: str | None = None,
    campaign_code: str | None = None,
    topic: str | None = None,
) -> list[EligibilityCheck]:
    """Every check; a failed one refuses the submission (422) with the reasons, each on the field it judged."""
    prior = await _prior_nominations(store, catalogs, unit_code, nominee, except_id)
    if any(p.status == "active" and p.award_code == award.code and p.period == period for p in prior):
        raise _duplicate()  # a concurrent duplicate committed since `_refuse_duplicate` looked: the same 409
    quotas = [
        await _quota_usage(store, q, award, path, period, except_id, campaign_code=campaign_code, topic=topic)
        for q in award.quotas
    ]

    def title_name(code: str) -> str:
        found = catalogs.get(code)
        return found.name if found else code

    checks = evaluate(
        award=award,
        nominee=nominee,
        period=period,
        achievements=achievements,
        prior=prior,
        quotas=quotas,
        rules=rules_on(on),
        title_name=title_name,
    )
    pledge, held = await emulation.pledge_check(store, catalogs, award, unit_code, period, on=on)
    checks = supersede_declared_pledge(checks, pledge, held=held)
    cluster = await emulation.cluster_check(store, award, path[0], period, on=on)
    if cluster is not None:
        checks.append(cluster)
    failed = failures(checks)
    if failed:
        raise ValidationFailed(
            "Hồ sơ chưa đủ điều kiện khen thưởng",
            fields=[FieldError(field=c.field or "eligibility", message=f"{c.message} (Nguồn: {c.source})") for c in failed],
            code="not_eligible",
        )
    return checks


async def _prior_nominations(
    store: Store, catalogs: CatalogSet, unit_code: str, nominee: Nominee, except_id: str | None
) -> list[PriorNomination]:
    """The same nominee's other nominations that are in progress or granted: same unit, kind and name (any spelling)."""
    rows = await store.nominations_of(unit_code, nominee.name, STILL_COUNTS, except_id=except_id)
    return [
        PriorNomination(
            id=r.id,
            award_code=r.award_code,
            award_name=r.award_name,
            award=catalogs.get(r.award_code),
            period=r.period,
            status="granted" if r.status == Status.GRANTED else "active",
            achievements=r.achievements,
        )
        for r in rows
        if r.nominee.kind == nominee.kind
    ]


async def _quota_usage(
    store: Store,
    quota: Quota,
    award: Award,
    path: list[UnitRef],
    period: str,
    except_id: str | None,
    *,
    campaign_code: str | None = None,
    topic: str | None = None,
) -> QuotaUsage:
    """Nominations of the award in the period under the quota's unit that still hold a place (not this one); a
    per-topic or per-campaign quota counts exactly when the nomination names its topic or that campaign."""
    unit = quota_unit(quota, award, path)
    if unit is None:
        return QuotaUsage(quota=quota)
    count = NominationCount(award_code=award.code, statuses=STILL_COUNTS, under_unit=unit.code, except_id=except_id)
    exact = False
    if quota.per == "campaign" and campaign_code and campaign_code == quota.campaign:
        count = replace(count, campaign_code=campaign_code)
        exact = True
    else:
        count = replace(count, period=period)
    if quota.per == "topic_year" and topic:
        count = replace(count, topic=topic)
        exact = True
    return QuotaUsage(quota=quota, unit=unit, used=await store.count_nominations(count), exact=exact)


CAMPAIGN_RULES = ("campaign_window", "campaign_quota", "campaign_unit_quota")


def _validate_topic(award: Award, topic: str | None) -> None:
    if topic and topic not in {t.code for t in award.topics}:
        offered = ", ".join(t.name for t in award.topics) or "không có chuyên đề"
        raise ValidationFailed.on("topic", f"“{award.name}” không có chuyên đề này ({offered})", code="unknown_topic")


def _summary(checks: list[EligibilityCheck]) -> str | None:
    warnings = [c for c in checks if c.status == "warning"]
    if not checks:
        return None
    passed = sum(c.status == "pass" for c in checks)
    return f"Kiểm tra điều kiện: {passed} đạt, {len(warnings)} lưu ý"


# Queries


async def get_nomination(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    query = ById.model_validate(params)
    async with _uow(ctx).reading() as store:
        row = await _load(store, query.id)
        if not _can_view(actor, row):
            raise Forbidden("Hồ sơ này không thuộc đơn vị của bạn", code="not_your_unit")
        steps = await store.timeline(query.id)
        attachments = await store.attachments(query.id)
    view = _view(row)
    view["attachments"] = [_attachment_view(a) for a in attachments]
    view["missing_documents"] = _missing_documents(row, [a.document_type for a in attachments])
    view["timeline"] = [
        {
            "at": s.at.isoformat(),
            "step": s.step.value,
            "label": STEP_LABELS_VI.get(s.step, s.step),
            "actor_id": s.actor_id,
            "actor_name": s.actor_name,
            "unit_code": s.unit_code,
            "unit_name": s.unit_name,
            "comment": s.comment,
        }
        for s in steps
    ]
    return view


def _visibility(actor: Actor) -> Visibility | None:
    if actor.sees_everything():
        return None
    return Visibility(
        own_units=frozenset(actor.units_with("submitter")),
        units_reviewed=frozenset(actor.units_with("approver") | actor.units_with("unit_admin")),
    )


async def list_nominations(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = NominationQuery.model_validate(params)
    search = NominationSearch(
        visible=_visibility(actor),
        under_unit=q.unit_code,
        status=q.status,
        award_code=q.award_code,
        period=q.period,
        limit=q.limit,
        offset=q.offset,
    )
    async with _uow(ctx).reading() as store:
        total, rows = await store.search_nominations(search)
    return {"total": total, "items": [_view(r) for r in rows]}


async def stuck_nominations(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Nominations not yet decided whose last step is older than the threshold, oldest first, with that step."""
    require_operations(actor)
    q = StuckQuery.model_validate(params)
    now = ctx.clock.now()
    cutoff = now - timedelta(seconds=q.older_than_seconds)
    async with _uow(ctx).reading() as store:
        total, rows = await store.stuck_nominations(ACTIVE, cutoff, q.limit)
    items = []
    for r in rows:
        n, last = r.nomination, r.last_step
        items.append(
            {
                "id": n.id,
                "status": n.status.value,
                "status_label": STATUS_LABELS_VI[n.status],
                "unit_code": n.unit_code,
                "award_code": n.award_code,
                "nominee_name": n.nominee.name,
                "current_unit_code": n.current_unit_code,
                "current_unit_name": n.current_unit_name,
                "step": {
                    "step": last.step.value,
                    "label": STEP_LABELS_VI.get(last.step, last.step),
                    "unit_code": last.unit_code,
                    "unit_name": last.unit_name,
                    "actor_name": last.actor_name,
                    "at": last.at.isoformat(),
                },
                "waiting_seconds": int((now - last.at).total_seconds()),
            }
        )
    return {"older_than_seconds": q.older_than_seconds, "now": now.isoformat(), "total": total, "items": items}


# Reactions to review and awards events


async def on_review_event(ctx: ServiceContext, event: Event) -> None:
    step, nomination_id, unit, comment = _review_step(event)
    async with _uow(ctx).transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        row = await store.nomination(nomination_id, for_update=True)
        if row is None:
            return  # not ours (e.g. a test nomination from another registration database)
        updated = replace(row, updated_at=event.occurred_at)
        new_status = next_status(row.status, step)
        if new_status is not None:
            updated = replace(updated, status=new_status, active_key=updated.active_key if new_status in ACTIVE else None)
            if step is Step.QUEUE:
                updated = replace(updated, current_unit_code=unit.code, current_unit_name=unit.name)
            if isinstance(event, TaskEscalated | TaskSentBack | TaskReorganised):
                updated = replace(updated, current_unit_code=event.to_unit.code, current_unit_name=event.to_unit.name)
        if step in (Step.RETURN, Step.REJECT):
            updated = replace(updated, last_reason=comment)
        if isinstance(event, AwardGranted):
            decision = {**event.decision.model_dump(mode="json"), "kind": "decision"}
            updated = replace(updated, decision=decision, current_unit_code=None, current_unit_name=None)
        if isinstance(event, AwardProposed):
            decision = {**event.proposal.model_dump(mode="json"), "kind": "proposal", "decided_by": event.decided_by}
            updated = replace(updated, decision=decision, current_unit_code=None, current_unit_name=None)
        await store.save_nomination(updated)
        await _record(store, row, step, event, unit=unit, comment=comment)


async def on_decision_revoked(ctx: ServiceContext, event: DecisionRevoked) -> None:
    """Each nomination the revoked decision granted: status "Đã thu hồi quyết định", a timeline line with the reason,
    and the decision it keeps carries the revocation."""
    async with _uow(ctx).transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        for entry in event.entries:
            row = await store.nomination(entry.nomination_id, for_update=True)
            if row is None:
                continue  # not ours
            updated = replace(row, updated_at=event.occurred_at)
            new_status = next_status(row.status, Step.REVOKE)
            if new_status is not None:
                updated = replace(updated, status=new_status)
            if row.decision and row.decision.get("decision_id") == event.decision_id:
                revoked = {
                    "reason": event.reason,
                    "at": event.occurred_at.isoformat(),
                    "by": event.actor.full_name or event.actor.username,
                    "prize_to_recover_vnd": entry.prize_amount_vnd,
                }
                updated = replace(updated, decision={**row.decision, "revoked": revoked})
            await store.save_nomination(updated)
            comment = f"Quyết định số {event.number_text}. Lý do: {event.reason}"
            if entry.prize_amount_vnd:
                comment += f". Phải thu hồi tiền thưởng {entry.prize_amount_vnd:,} đồng".replace(",", ".")
            await _record(store, row, Step.REVOKE, event, unit=event.issuer, comment=comment)


def _review_step(event: Event) -> tuple[Step, str, UnitRef, str | None]:
    match event:
        case TaskOpened(task=t):
            due = f"Hạn xử lý {_date_vn(t.due_at)}" if t.due_at else None
            return Step.QUEUE, t.nomination_id, t.unit, due
        case TaskClaimed(task=t):
            return Step.CLAIM, t.nomination_id, t.queue_unit or t.unit, None
        case TaskReleased(task=t, comment=c):
            return Step.RELEASE, t.nomination_id, t.unit, c or None
        case TaskEscalated(task=t, from_unit=u, to_unit=to, reason=reason, was_due_at=was):
            why = f"quá hạn {_date_vn(was)}" if reason == "overdue" and was else "đơn vị không có người duyệt"
            return Step.ESCALATE, t.nomination_id, u, f"Chuyển lên {to.short_name} ({why}); hạn mới {_date_vn(t.due_at)}"
        case TaskSentBack(task=t, from_unit=u, to_unit=to, comment=c):
            return Step.SEND_BACK, t.nomination_id, u, f"Trả về {to.short_name}, hạn mới {_date_vn(t.due_at)}: {c}"
        case TaskReorganised(task=t, from_unit=u, to_unit=to, effective_on=on, released_claimant=released):
            released_text = f"; {released} không còn nhận xử lý" if released else ""
            return (
                Step.REHOME,
                t.nomination_id,
                to,
                f"Từ hộp việc {u.short_name} sang {to.short_name} (sắp xếp tổ chức từ {on:%d/%m/%Y}); "
                f"hạn xử lý giữ nguyên {_date_vn(t.due_at)}{released_text}",
            )
        case NominationForwarded(nomination_id=nid, from_unit=u, to_unit=to, comment=c, proposal_number=number):
            text = c or f"Chuyển {to.short_name}"
            if number and number not in text:
                text += f" (Tờ trình số {number})"
            return Step.FORWARD, nid, u, text
        case CouncilVoteRecorded(nomination_id=nid, unit=u, vote=v, passed=passed, held_on=on):
            return Step.COUNCIL, nid, u, council_line(u, v, passed, on)
        case NominationReturned(nomination_id=nid, unit=u, reason=r):
            return Step.RETURN, nid, u, r
        case NominationRejected(nomination_id=nid, unit=u, reason=r):
            return Step.REJECT, nid, u, r
        case NominationApproved(nomination=nom, issuer=u, comment=c):
            return Step.APPROVE, nom.id, u, c or None
        case AwardGranted(nomination_id=nid, decision=d):
            return Step.GRANT, nid, d.issuer, f"Quyết định số {d.number_text}"
        case AwardProposed(nomination_id=nid, proposal=p, decided_by=by):
            return Step.PROPOSE, nid, p.issuer, f"Tờ trình số {p.number_text}: đã đề nghị {by}"
    raise TypeError(f"registration does not react to {type(event).__name__}")


def council_line(unit: UnitRef, vote: CouncilVote, passed: bool, held_on: date) -> str:
    """'Hội đồng TĐKT LĐLĐ thị xã Sơn Tây biểu quyết: Đạt (7/9 đồng ý, 1 không đồng ý; có mặt 9/11,
    bỏ phiếu kín), họp ngày 02/03/2026'."""
    ballot = "bỏ phiếu kín" if vote.secret_ballot else "biểu quyết công khai"
    return (
        f"Hội đồng TĐKT {unit.short_name} biểu quyết: {'Đạt' if passed else 'Không đạt'} "
        f"({vote.votes_for}/{vote.present} đồng ý, {vote.votes_against} không đồng ý; có mặt {vote.present}/{vote.members}, "
        f"{ballot}), họp ngày {held_on:%d/%m/%Y}"
    )


async def on_nominations_approved(ctx: ServiceContext, event: NominationsApproved) -> None:
    """A batch approval: each nomination of ours gets what a single `NominationApproved` gives it (status, timeline)."""
    async with _uow(ctx).transaction() as store:
        if not await store.first_delivery(CONSUMER, event, ctx.clock.now()):
            return
        for nom in sorted(event.nominations, key=lambda n: n.id):  # lock order
            row = await store.nomination(nom.id, for_update=True)
            if row is None:
                continue
            updated = replace(row, updated_at=event.occurred_at)
            new_status = next_status(row.status, Step.APPROVE)
            if new_status is not None:
                updated = replace(updated, status=new_status, active_key=updated.active_key if new_status in ACTIVE else None)
            await store.save_nomination(updated)
            await _record(store, row, Step.APPROVE, event, unit=event.issuer, comment=event.comment or None)


def _date_vn(at: datetime | None) -> str:
    return f"{at.astimezone(VIETNAM_TZ):%d/%m/%Y}" if at else "—"


# Rows and views


async def _load(store: Store, nomination_id: str, *, for_update: bool = False) -> NominationRow:
    row = await store.nomination(nomination_id, for_update=for_update)
    if row is None:
        raise NotFound("Không tìm thấy hồ sơ", code="nomination_not_found")
    return row


async def _record(
    store: Store, row: NominationRow, step: Step, event: Event, *, unit: UnitRef | None, comment: str | None = None
) -> None:
    await _add_timeline(
        store, row.id, step, event.actor, event.occurred_at, unit=unit, comment=comment, event_id=str(event.event_id)
    )


async def _add_timeline(
    store: Store,
    nomination_id: str,
    step: Step,
    actor: Actor,
    at: datetime,
    *,
    unit: UnitRef | None,
    comment: str | None,
    event_id: str | None = None,
) -> None:
    await store.add_timeline(
        TimelineRow(
            nomination_id=nomination_id,
            at=at,
            step=step,
            actor_id=actor.user_id,
            actor_name=actor.full_name or actor.username,
            unit_code=unit.code if unit else None,
            unit_name=unit.name if unit else None,
            comment=comment,
            event_id=event_id,
        )
    )


async def _with_sector(store: Store, snapshot: NominationSnapshot) -> NominationSnapshot:
    """The snapshot with the submitting unit's sector, which awards' reports count by."""
    unit = await store.unit(snapshot.unit.code)
    return snapshot.model_copy(update={"unit_sector": unit.sector if unit else None})


def _snapshot(row: NominationRow, attachments: list[AttachmentRef], campaign: CampaignRef | None = None) -> NominationSnapshot:
    return NominationSnapshot(
        id=row.id,
        unit_path=list(row.unit_path),
        award_code=row.award_code,
        award_name=row.award_name,
        awarding_level=row.awarding_level,
        catalog_version=row.catalog_version,
        period=row.period,
        nominee=row.nominee,
        achievements=row.achievements,
        council_vote=row.council_vote,
        round=row.round,
        eligibility=list(row.eligibility),
        campaign=campaign,
        topic=row.topic,
        attachments=attachments,
    )


def _view(row: NominationRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status.value,
        "status_label": STATUS_LABELS_VI[row.status],
        "unit_code": row.unit_code,
        "unit_name": row.unit_path[0].name,
        "unit_path": [u.model_dump() for u in row.unit_path],
        "award_code": row.award_code,
        "award_name": row.award_name,
        "awarding_level": row.awarding_level,
        "catalog_version": row.catalog_version,
        "period": row.period,
        "nominee": row.nominee.model_dump(mode="json"),
        "eligibility": [c.model_dump() for c in row.eligibility],
        "achievements": row.achievements,
        "council_vote": row.council_vote.model_dump() if row.council_vote else None,
        "round": row.round,
        "current_unit_code": row.current_unit_code,
        "current_unit_name": row.current_unit_name,
        "last_reason": row.last_reason,
        "decision": row.decision,
        "campaign_code": row.campaign_code,
        "topic": row.topic,
        "submitted_by": row.submitted_by,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


# Attachments (the dossier's files)


async def _take_staged(
    files: DossierFiles | None, actor: Actor, staged: list[StagedAttachment], rules: att.AttachmentRules
) -> list[Incoming]:
    if not staged:
        return []
    if files is None:
        raise ServiceUnavailable("Kho tệp chưa sẵn sàng, vui lòng thử lại sau")
    return await files.take_staged(actor, staged, rules)


@asynccontextmanager
async def _cleaning_up(files: DossierFiles | None, written: list[str]) -> AsyncIterator[None]:
    """Objects put for a transaction that then failed are deleted again (the rows never existed)."""
    try:
        yield
    except BaseException:
        if files is not None:
            await files.forget(written)
        raise


def _check_attachments(
    award: Award | None,
    kept: list[AttachmentRow],
    incoming: list[Incoming],
    rules: att.AttachmentRules,
    names: dict[str, str],
    *,
    required: bool,
) -> None:
    """The award's documents only; the limits on the whole dossier; the required documents when `required` and the
    rules in force enforce them (otherwise the missing ones are listed on the dossier)."""
    if award is None:
        return
    att.check_document_types(award, [i.document_type for i in incoming], names)
    att.check_totals([a.size for a in kept] + [i.file.size for i in incoming], rules)
    if required:
        att.require_documents(award, [a.document_type for a in kept] + [i.document_type for i in incoming], rules, names)


def _files_changed(added: int, removed: int) -> str:
    parts = ([f"thêm {added} tệp"] if added else []) + ([f"bỏ {removed} tệp"] if removed else [])
    return ("Tài liệu: " + ", ".join(parts)) if parts else ""


async def _refs(store: Store, nomination_id: str) -> list[AttachmentRef]:
    return [files_.ref(a) for a in await store.attachments(nomination_id)]


def _attachment_view(a: AttachmentRow) -> dict[str, Any]:
    return {
        **files_.ref(a).model_dump(mode="json"),
        "size_text": att.format_size(a.size),
        "round": a.round,
        "uploaded_by": a.uploaded_by,
    }


def _missing_documents(row: NominationRow, present: list[str]) -> list[dict[str, str]]:
    """The award's required documents the dossier does not carry, as the catalogue version that judged it names them."""
    try:
        catalog = catalog_version(row.catalog_version)
    except LookupError:
        return []
    award = catalog.get(row.award_code)
    if award is None:
        return []
    return [{"code": d, "name": catalog.document_name(d)} for d in att.missing_documents(award, present)]


class AttachmentQuery(_Params):
    nomination_id: str
    attachment_id: str


async def attachment(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Where one of the dossier's files is and its checksum, for whoever may see the nomination (the portal then
    reads the object and checks the SHA-256 on the way out). A removed file stays readable for the record."""
    q = AttachmentQuery.model_validate(params)
    async with _uow(ctx).reading() as store:
        row = await _load(store, q.nomination_id)
        if not _can_view(actor, row):
            raise Forbidden("Hồ sơ này không thuộc đơn vị của bạn", code="not_your_unit")
        found = await store.attachment(q.nomination_id, q.attachment_id)
    if found is None:
        raise NotFound("Không tìm thấy tài liệu này trong hồ sơ", code="attachment_not_found")
    return {**_attachment_view(found), "bucket": found.bucket, "object_name": found.object_name}


class RequirementsQuery(_Params):
    award_code: str


async def document_requirements(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """The award's documents (required or not), the limits in force and whether missing documents refuse a submission."""
    q = RequirementsQuery.model_validate(params)
    today = ctx.clock.now().astimezone(VIETNAM_TZ).date()
    catalogs = catalogs_on(today)
    award = catalogs.get(q.award_code)
    if award is None:
        raise NotFound("Không có hình thức khen thưởng này trong danh mục đang áp dụng", code="award_not_found")
    rules = att.rules_on(today)
    names = att.document_names(catalogs.catalogs)
    required = set(att.required_documents(award))
    return {
        "award_code": award.code,
        "documents": [{"code": d, "name": names.get(d, d), "required": d in required} for d in award.documents],
        "enforced": rules.require_documents,
        "max_file_bytes": rules.max_file_bytes,
        "max_files": rules.max_files,
        "max_total_bytes": rules.max_total_bytes,
        "allowed_types": list(rules.allowed_types),
        "accept": ",".join(ext for k in rules.allowed_types for ext in att.EXTENSIONS[k]),
        "limits_text": (
            f"Tối đa {att.format_size(rules.max_file_bytes)} mỗi tệp, {rules.max_files} tệp, "
            f"tổng {att.format_size(rules.max_total_bytes)}; định dạng: "
            + ", ".join(att.KIND_NAMES_VI[k] for k in rules.allowed_types)
        ),
    }
