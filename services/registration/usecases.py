"""Registration's commands and reactions: one function each, one transaction each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.registration import attachments as files_
from services.registration import emulation, store
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
from shared.platform.outbox import enqueue, first_delivery, is_unique_violation
from shared.platform.service import ServiceContext
from shared.rules import attachments as att
from shared.rules.catalog import Award, CatalogSet, Quota, catalog_version, catalogs_on
from shared.rules.eligibility import PriorNomination, QuotaUsage, evaluate, failures, quota_unit, rules_on
from shared.rules.reference import ParentSpan, Unit, UnitTree
from shared.rules.text import normalize_name

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


async def load_units(ctx: ServiceContext, units: list[Unit]) -> int:
    """Insert or update the unit tree from its data file (parents first). A unit a reorganisation has
    changed is left as the reorganisation made it: from then on the database is the record."""
    ordered = sorted(units, key=lambda u: -LEVEL_RANK[u.level])
    async with ctx.engine.begin() as conn:
        changed_by = dict((await conn.execute(sa.select(store.units.c.code, store.units.c.reorganised_by))).all())
        for u in ordered:
            if u.code in changed_by and changed_by[u.code] is not None:
                continue
            await _save_unit(conn, u, exists=u.code in changed_by, reorganised_by=None)
    return len(units)


async def _save_unit(conn: AsyncConnection, u: Unit, *, exists: bool, reorganised_by: str | None) -> None:
    """The unit's row and its dated parents."""
    values = {
        "name": u.name,
        "short_name": u.short_name,
        "level": u.level,
        "parent_code": u.parent,
        "decision_suffix": u.decision_suffix,
        "sector": u.sector,
        "valid_from": u.valid_from,
        "valid_to": u.valid_to,
        "reorganised_by": reorganised_by,
    }
    if exists:
        await conn.execute(store.units.update().where(store.units.c.code == u.code).values(**values))
    else:
        await conn.execute(store.units.insert().values(code=u.code, **values))
    p = store.unit_parents
    spans = u.parent_history or ((ParentSpan(parent=u.parent, valid_from=u.valid_from),) if u.parent else ())
    await conn.execute(p.delete().where(p.c.unit_code == u.code))
    if spans:
        await conn.execute(
            p.insert(),
            [{"unit_code": u.code, "parent_code": s.parent, "valid_from": s.valid_from, "valid_to": s.valid_to} for s in spans],
        )


async def _tree(conn: AsyncConnection) -> UnitTree:
    """The whole dated tree as registration holds it."""
    p = store.unit_parents
    spans: dict[str, list[ParentSpan]] = {}
    for row in (await conn.execute(sa.select(p).order_by(p.c.unit_code, p.c.id))).mappings():
        spans.setdefault(row["unit_code"], []).append(
            ParentSpan(parent=row["parent_code"], valid_from=row["valid_from"], valid_to=row["valid_to"])
        )
    rows = (await conn.execute(sa.select(store.units))).mappings().all()
    return UnitTree(
        [
            Unit(
                code=r["code"],
                name=r["name"],
                short_name=r["short_name"],
                level=r["level"],
                decision_suffix=r["decision_suffix"],
                parent=r["parent_code"],
                sector=r["sector"],
                valid_from=r["valid_from"],
                valid_to=r["valid_to"],
                parent_history=tuple(sorted(spans.get(r["code"], []), key=lambda s: s.valid_from or date.min)),
            )
            for r in rows
        ]
    )


async def list_units(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every unit, closed ones included (old names stay readable), with its validity."""
    async with ctx.engine.connect() as conn:
        rows = (await conn.execute(sa.select(store.units).order_by(store.units.c.code))).mappings().all()
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "short_name": r["short_name"],
            "level": r["level"],
            "parent_code": r["parent_code"],
            "sector": r["sector"],
            "valid_from": r["valid_from"].isoformat() if r["valid_from"] else None,
            "valid_to": r["valid_to"].isoformat() if r["valid_to"] else None,
        }
        for r in rows
    ]


async def _unit_path(conn: AsyncConnection, code: str, on: date) -> list[UnitRef]:
    """The unit and its superiors as the tree stands on `on` (empty if the unit does not exist then)."""
    u, p = store.units, store.unit_parents
    path: list[UnitRef] = []
    current: str | None = code
    while current is not None and len(path) < 10:
        row = (await conn.execute(sa.select(u).where(u.c.code == current))).mappings().first()
        if row is None or not _in_force(row, on):
            break
        path.append(
            UnitRef(
                code=row["code"],
                name=row["name"],
                short_name=row["short_name"],
                level=row["level"],
                decision_suffix=row["decision_suffix"],
            )
        )
        current = await conn.scalar(sa.select(p.c.parent_code).where(p.c.unit_code == current, *_dated(p, on)))
    return path


def _in_force(row: Any, on: date) -> bool:
    return (row["valid_from"] is None or row["valid_from"] <= on) and (row["valid_to"] is None or on < row["valid_to"])


def _dated(table: sa.Table, on: date) -> list[Any]:
    return [
        sa.or_(table.c.valid_from.is_(None), table.c.valid_from <= on),
        sa.or_(table.c.valid_to.is_(None), table.c.valid_to > on),
    ]


# Authorisation, decided here where the data lives


def _require_submitter(actor: Actor, unit_code: str) -> None:
    if not (actor.is_admin or actor.has_role("submitter", unit_code)):
        raise Forbidden("Bạn không phải cán bộ nộp hồ sơ của đơn vị này", code="not_unit_submitter")


def _can_view(actor: Actor, row: Any) -> bool:
    if actor.sees_everything():
        return True
    scoped = {g.unit_code for g in actor.roles if g.unit_code}
    if row["unit_code"] in actor.units_with("submitter"):
        return True
    reviewer_units = scoped - actor.units_with("submitter")
    return any(f"|{u}|" in row["path_codes"] for u in reviewer_units)


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
    async with _cleaning_up(files, written), _writing(ctx) as conn:
        path = await _unit_path(conn, cmd.unit_code, now.astimezone(VIETNAM_TZ).date())
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
        await _refuse_duplicate(conn, key)
        campaign_checks: list[EligibilityCheck] = []
        campaign: CampaignRef | None = None
        if cmd.campaign_code:
            campaign_checks, campaign = await emulation.campaign_checks(conn, award, path, cmd.campaign_code, on=today)
        checks = campaign_checks + await _eligibility(
            conn,
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
        await conn.execute(
            store.nominations.insert().values(
                id=nomination_id,
                unit_code=cmd.unit_code,
                path_codes="|" + "|".join(u.code for u in path) + "|",
                unit_path=[u.model_dump() for u in path],
                award_code=award.code,
                award_name=award.name,
                awarding_level=award.awarding_level,
                catalog_version=award.catalog_version,
                period=cmd.period,
                nominee=_stored_nominee(cmd.nominee, checks),
                nominee_search=normalize_name(cmd.nominee.name),
                achievements=cmd.achievements,
                council_vote=cmd.council_vote.model_dump() if cmd.council_vote else None,
                campaign_code=cmd.campaign_code or None,
                topic=cmd.topic or None,
                status=Status.SUBMITTED,
                round=1,
                active_key=key,
                submitted_by=actor.user_id,
                created_at=now,
                updated_at=now,
            )
        )
        names = att.document_names(catalogs.catalogs)
        _check_attachments(award, [], incoming, rules, names, required=True)
        await files_.record(conn, files, nomination_id, incoming, names, actor=actor, round_=1, now=now, written=written)
        row = await _load(conn, nomination_id)
        snapshot = await _with_sector(conn, _snapshot(row, await _refs(conn, nomination_id), campaign))
        event = NominationSubmitted(occurred_at=now, correlation_id=nomination_id, actor=actor, nomination=snapshot)
        await _record(conn, row, Step.SUBMIT, event, unit=path[0], comment=_summary(checks))
        await enqueue(conn, store.outbox, event)
    ctx.outbox_written()
    return await get_nomination(ctx, actor, {"id": nomination_id})


@asynccontextmanager
async def _writing(ctx: ServiceContext) -> AsyncIterator[AsyncConnection]:
    """A write transaction; a concurrent duplicate caught by the unique index is the same 409."""
    try:
        async with ctx.engine.begin() as conn:
            yield conn
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise _duplicate() from exc
        raise


def _duplicate() -> Conflict:
    return Conflict(
        "Đã có hồ sơ đang xét cho người/tập thể này với cùng hình thức khen thưởng và kỳ xét",
        code="duplicate_nomination",
    )


async def _refuse_duplicate(conn: AsyncConnection, key: str, *, except_id: str | None = None) -> None:
    query = sa.select(store.nominations.c.id).where(store.nominations.c.active_key == key)
    if except_id is not None:
        query = query.where(store.nominations.c.id != except_id)
    existing = await conn.scalar(query)
    if existing is not None:
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
    async with ctx.engine.connect() as conn:  # who may edit, and whether it may be edited now, before any file is read
        current = await _load(conn, cmd.id)
        _require_submitter(actor, current["unit_code"])
        require_transition(Status(current["status"]), step)
    incoming = await _take_staged(files, actor, cmd.attachments, rules)
    written: list[str] = []
    async with _cleaning_up(files, written), _writing(ctx) as conn:
        row = await _load(conn, cmd.id, for_update=True)
        _require_submitter(actor, row["unit_code"])
        new_status = require_transition(Status(row["status"]), step)
        nominee = cmd.nominee or Nominee.model_validate(row["nominee"])
        period = cmd.period or row["period"]
        achievements = cmd.achievements or row["achievements"]
        council_vote = cmd.council_vote or (CouncilVote.model_validate(row["council_vote"]) if row["council_vote"] else None)
        path = [UnitRef.model_validate(u) for u in row["unit_path"]]
        today = now.astimezone(VIETNAM_TZ).date()
        catalogs = catalogs_on(today)
        award = catalogs.get(row["award_code"])
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
        key = active_key(row["unit_code"], nominee, row["award_code"], period)
        await _refuse_duplicate(conn, key, except_id=cmd.id)
        checks = _eligibility_of(row)
        if resubmit:
            assert award is not None  # validate_intake refused a missing award
            # The campaign's window and place were judged when it was first submitted; they travel unchanged.
            campaign_checks = [c for c in checks if c.rule in CAMPAIGN_RULES]
            checks = campaign_checks + await _eligibility(
                conn,
                catalogs,
                award,
                path,
                row["unit_code"],
                nominee,
                period,
                achievements,
                on=today,
                except_id=cmd.id,
                campaign_code=row["campaign_code"],
                topic=row["topic"],
            )
        values: dict[str, Any] = {
            "nominee": _stored_nominee(nominee, checks),
            "nominee_search": normalize_name(nominee.name),
            "period": period,
            "achievements": achievements,
            "council_vote": council_vote.model_dump() if council_vote else None,
            "active_key": key,
            "status": new_status,
            "updated_at": now,
        }
        if resubmit:
            values["round"] = row["round"] + 1
        assert award is not None  # validate_intake refused a missing award
        names = att.document_names(catalogs.catalogs)
        kept = await files_.current(conn, cmd.id)
        removed = set(cmd.remove_attachments)
        unknown = removed - {a["id"] for a in kept}
        if unknown:
            raise ValidationFailed.on(
                "remove_attachments",
                "Tài liệu cần bỏ không có trong hồ sơ: " + ", ".join(sorted(unknown)),
                code="attachment_not_found",
            )
        kept = [a for a in kept if a["id"] not in removed]
        _check_attachments(award, kept, incoming, rules, names, required=resubmit)
        if removed:
            a = store.attachments
            await conn.execute(a.update().where(a.c.id.in_(removed)).values(removed_at=now, removed_by=actor.user_id))
        # files added to a returned dossier come with its next round (the resubmission)
        await files_.record(conn, files, cmd.id, incoming, names, actor=actor, round_=row["round"] + 1, now=now, written=written)
        await conn.execute(store.nominations.update().where(store.nominations.c.id == cmd.id).values(**values))
        row = await _load(conn, cmd.id)
        changes = _files_changed(len(incoming), len(removed))
        if resubmit:
            campaign = await emulation.campaign_ref_of(conn, row["campaign_code"])
            snapshot = await _with_sector(conn, _snapshot(row, await _refs(conn, cmd.id), campaign))
            event: Event = NominationResubmitted(
                occurred_at=now, correlation_id=cmd.id, actor=actor, nomination=snapshot, comment=cmd.comment
            )
            comment = "; ".join(c for c in (cmd.comment, changes, _summary(checks)) if c)
            await _record(conn, row, Step.RESUBMIT, event, unit=path[0], comment=comment)
            await enqueue(conn, store.outbox, event)
        else:
            comment = "; ".join(c for c in (cmd.comment, changes) if c)
            await _add_timeline(conn, cmd.id, Step.EDIT, actor, now, unit=path[0], comment=comment or None)
    if resubmit:
        ctx.outbox_written()


async def withdraw(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    cmd = WithdrawNomination.model_validate(params)
    now = ctx.clock.now()
    async with ctx.engine.begin() as conn:
        row = await _load(conn, cmd.id, for_update=True)
        _require_submitter(actor, row["unit_code"])
        new_status = require_transition(Status(row["status"]), Step.WITHDRAW)
        await conn.execute(
            store.nominations.update()
            .where(store.nominations.c.id == cmd.id)
            .values(status=new_status, active_key=None, updated_at=now, last_reason=cmd.reason or None)
        )
        event = NominationWithdrawn(occurred_at=now, correlation_id=cmd.id, actor=actor, nomination_id=cmd.id, reason=cmd.reason)
        await _record(conn, row, Step.WITHDRAW, event, unit=UnitRef.model_validate(row["unit_path"][0]), comment=cmd.reason)
        await enqueue(conn, store.outbox, event)
    ctx.outbox_written()
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
    async with _writing(ctx) as conn:
        if await conn.scalar(sa.select(store.reorganisations.c.id).where(store.reorganisations.c.id == r.id)):
            raise Conflict(f"Đợt sắp xếp “{r.id}” đã được áp dụng", code="reorganisation_applied")
        checked = plan(await _tree(conn), r)
        event = checked.event(now, actor)
        if cmd.apply and r.effective_on > now.astimezone(VIETNAM_TZ).date():
            raise ValidationFailed.on(
                "effective_on", f"Chưa đến ngày hiệu lực {r.effective_on:%d/%m/%Y}: chỉ kiểm tra được", code="not_yet_effective"
            )
        if cmd.apply:
            await _write_units(conn, checked)
        repathed = await _repath_nominations(conn, event, write=cmd.apply)
        summary = _reorganisation_summary(checked, repathed)
        if cmd.apply:
            await conn.execute(
                store.reorganisations.insert().values(
                    id=r.id, title=r.title, effective_on=r.effective_on, applied_at=now, applied_by=actor.user_id, summary=summary
                )
            )
            await enqueue(conn, store.outbox, event)
    if cmd.apply:
        ctx.outbox_written()
    return {"applied": cmd.apply, "summary": summary, "event": event.model_dump(mode="json")}


async def _write_units(conn: AsyncConnection, checked: Plan) -> None:
    existing = set((await conn.execute(sa.select(store.units.c.code))).scalars())
    for unit in sorted(checked.changed_units, key=lambda u: -LEVEL_RANK[u.level]):  # new parents before their children
        await _save_unit(conn, unit, exists=unit.code in existing, reorganised_by=checked.reorganisation.id)


async def _repath_nominations(conn: AsyncConnection, event: UnitsReorganised, *, write: bool) -> list[tuple[str, str, str]]:
    """Open nominations whose path changes get the path as of the effective date; returns (id, old, new superior)."""
    codes = {m.unit.code for m in event.moved} | {r.before.code for r in event.renamed}
    if not codes:
        return []
    n = store.nominations
    query = sa.select(n).where(
        n.c.status.in_([s.value for s in OPEN]), sa.or_(*(n.c.path_codes.contains(f"|{code}|") for code in sorted(codes)))
    )
    rows = (await conn.execute(query.order_by(n.c.id).with_for_update())).mappings().all()
    repathed = []
    for row in rows:
        old = [UnitRef.model_validate(u) for u in row["unit_path"]]
        new = event.new_path(old)
        if new == old:
            continue
        old_superior, new_superior = (old[1] if len(old) > 1 else old[0]), (new[1] if len(new) > 1 else new[0])
        repathed.append((row["id"], old_superior.code, new_superior.code))
        if not write:
            continue
        await conn.execute(
            n.update()
            .where(n.c.id == row["id"])
            .values(
                unit_path=[u.model_dump() for u in new],
                path_codes="|" + "|".join(u.code for u in new) + "|",
                updated_at=event.occurred_at,
            )
        )
        if old_superior.code != new_superior.code:
            comment = (
                f"Từ {old_superior.short_name} sang {new_superior.short_name} "
                f"(hiệu lực {event.effective_on:%d/%m/%Y}; {event.title})"
            )
            await _record(conn, row, Step.REORGANISE, event, unit=new_superior, comment=comment)
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
STILL_COUNTS = [s.value for s in (*ACTIVE, Status.GRANTED, Status.PROPOSED)]


async def _eligibility(
    conn: AsyncConnection,
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
    prior = await _prior_nominations(conn, catalogs, unit_code, nominee, except_id)
    if any(p.status == "active" and p.award_code == award.code and p.period == period for p in prior):
        raise _duplicate()  # a concurrent duplicate committed since `_refuse_duplicate` looked: the same 409
    quotas = [
        await _quota_usage(conn, q, award, path, period, except_id, campaign_code=campaign_code, topic=topic)
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
    pledge, held = await emulation.pledge_check(conn, catalogs, award, unit_code, period, on=on)
    checks = supersede_declared_pledge(checks, pledge, held=held)
    cluster = await emulation.cluster_check(conn, award, path[0], period, on=on)
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
    conn: AsyncConnection, catalogs: CatalogSet, unit_code: str, nominee: Nominee, except_id: str | None
) -> list[PriorNomination]:
    """The same nominee's other nominations that are in progress or granted: same unit, kind and name (any spelling)."""
    n = store.nominations
    query = sa.select(n).where(
        n.c.unit_code == unit_code, n.c.nominee_search == normalize_name(nominee.name), n.c.status.in_(STILL_COUNTS)
    )
    if except_id is not None:
        query = query.where(n.c.id != except_id)
    rows = (await conn.execute(query)).mappings().all()
    return [
        PriorNomination(
            id=r["id"],
            award_code=r["award_code"],
            award_name=r["award_name"],
            award=catalogs.get(r["award_code"]),
            period=r["period"],
            status="granted" if r["status"] == Status.GRANTED else "active",
            achievements=r["achievements"],
        )
        for r in rows
        if r["nominee"]["kind"] == nominee.kind
    ]


async def _quota_usage(
    conn: AsyncConnection,
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
    n = store.nominations
    where = [
        n.c.award_code == award.code,
        n.c.status.in_(STILL_COUNTS),
        n.c.path_codes.contains(f"|{unit.code}|"),
    ]
    exact = False
    if quota.per == "campaign" and campaign_code and campaign_code == quota.campaign:
        where.append(n.c.campaign_code == campaign_code)
        exact = True
    else:
        where.append(n.c.period == period)
    if quota.per == "topic_year" and topic:
        where.append(n.c.topic == topic)
        exact = True
    if except_id is not None:
        where.append(n.c.id != except_id)
    used = await conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where))
    return QuotaUsage(quota=quota, unit=unit, used=used or 0, exact=exact)


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


# The report lives in the nominee JSON under ELIGIBILITY_KEY (no schema change in this branch); views strip it.
ELIGIBILITY_KEY = "eligibility"


def _stored_nominee(nominee: Nominee, checks: list[EligibilityCheck]) -> dict[str, Any]:
    return {**nominee.model_dump(mode="json"), ELIGIBILITY_KEY: [c.model_dump() for c in checks]}


def _eligibility_of(row: Any) -> list[EligibilityCheck]:
    return [EligibilityCheck.model_validate(c) for c in row["nominee"].get(ELIGIBILITY_KEY) or ()]


def _nominee_view(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row["nominee"].items() if k != ELIGIBILITY_KEY}


# Queries


async def get_nomination(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    query = ById.model_validate(params)
    async with ctx.engine.connect() as conn:
        row = await _load(conn, query.id)
        if not _can_view(actor, row):
            raise Forbidden("Hồ sơ này không thuộc đơn vị của bạn", code="not_your_unit")
        steps = (
            (
                await conn.execute(
                    sa.select(store.timeline)
                    .where(store.timeline.c.nomination_id == query.id)
                    .order_by(store.timeline.c.at, _OUTCOME_LAST, store.timeline.c.id)
                )
            )
            .mappings()
            .all()
        )
        attachments = await files_.current(conn, query.id)
    view = _view(row)
    view["attachments"] = [_attachment_view(a) for a in attachments]
    view["missing_documents"] = _missing_documents(row, [a["document_type"] for a in attachments])
    view["timeline"] = [
        {
            "at": s["at"].isoformat(),
            "step": s["step"],
            "label": STEP_LABELS_VI.get(Step(s["step"]), s["step"]),
            "actor_id": s["actor_id"],
            "actor_name": s["actor_name"],
            "unit_code": s["unit_code"],
            "unit_name": s["unit_name"],
            "comment": s["comment"],
        }
        for s in steps
    ]
    return view


async def list_nominations(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    q = NominationQuery.model_validate(params)
    n = store.nominations
    where: list[Any] = []
    if not actor.sees_everything():
        scopes: list[Any] = [n.c.unit_code.in_(actor.units_with("submitter"))]
        for unit in actor.units_with("approver") | actor.units_with("unit_admin"):
            scopes.append(n.c.path_codes.contains(f"|{unit}|"))
        where.append(sa.or_(*scopes))
    if q.unit_code:
        where.append(n.c.path_codes.contains(f"|{q.unit_code}|"))
    if q.status:
        where.append(n.c.status == q.status.value)
    if q.award_code:
        where.append(n.c.award_code == q.award_code)
    if q.period:
        where.append(n.c.period == q.period)
    async with ctx.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(n).where(*where))
        rows = (
            (
                await conn.execute(
                    sa.select(n).where(*where).order_by(n.c.created_at.desc(), n.c.id).limit(q.limit).offset(q.offset)
                )
            )
            .mappings()
            .all()
        )
    return {"total": total or 0, "items": [_view(r) for r in rows]}


async def stuck_nominations(ctx: ServiceContext, actor: Actor, params: dict[str, Any]) -> dict[str, Any]:
    """Nominations not yet decided whose last step is older than the threshold, oldest first, with that step."""
    require_operations(actor)
    q = StuckQuery.model_validate(params)
    now = ctx.clock.now()
    cutoff = now - timedelta(seconds=q.older_than_seconds)
    n, t = store.nominations, store.timeline
    ranked = sa.select(
        t.c.nomination_id,
        t.c.at,
        t.c.step,
        t.c.unit_code,
        t.c.unit_name,
        t.c.actor_name,
        sa.func.row_number().over(partition_by=t.c.nomination_id, order_by=(t.c.at.desc(), t.c.id.desc())).label("rank"),
    ).subquery()
    last = sa.select(ranked).where(ranked.c.rank == 1).subquery()
    query = (
        sa.select(
            n,
            last.c.at.label("step_at"),
            last.c.step,
            last.c.unit_code.label("step_unit_code"),
            last.c.unit_name.label("step_unit_name"),
            last.c.actor_name.label("step_actor_name"),
        )
        .join(last, last.c.nomination_id == n.c.id)
        .where(n.c.status.in_([s.value for s in ACTIVE]), last.c.at < cutoff)
        .order_by(last.c.at, n.c.id)
    )
    async with ctx.engine.connect() as conn:
        total = await conn.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = (await conn.execute(query.limit(q.limit))).mappings().all()
    items = []
    for r in rows:
        step_at = _as_utc(r["step_at"])
        items.append(
            {
                "id": r["id"],
                "status": r["status"],
                "status_label": STATUS_LABELS_VI[Status(r["status"])],
                "unit_code": r["unit_code"],
                "award_code": r["award_code"],
                "nominee_name": r["nominee"]["name"],
                "current_unit_code": r["current_unit_code"],
                "current_unit_name": r["current_unit_name"],
                "step": {
                    "step": r["step"],
                    "label": STEP_LABELS_VI.get(Step(r["step"]), r["step"]),
                    "unit_code": r["step_unit_code"],
                    "unit_name": r["step_unit_name"],
                    "actor_name": r["step_actor_name"],
                    "at": step_at.isoformat(),
                },
                "waiting_seconds": int((now - step_at).total_seconds()),
            }
        )
    return {"older_than_seconds": q.older_than_seconds, "now": now.isoformat(), "total": total or 0, "items": items}


def _as_utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# Reactions to review and awards events


async def on_review_event(ctx: ServiceContext, event: Event) -> None:
    step, nomination_id, unit, comment = _review_step(event)
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        row = await _load_or_none(conn, nomination_id, for_update=True)
        if row is None:
            return  # not ours (e.g. a test nomination from another registration database)
        values: dict[str, Any] = {"updated_at": event.occurred_at}
        new_status = next_status(Status(row["status"]), step)
        if new_status is not None:
            values["status"] = new_status
            if new_status not in ACTIVE:
                values["active_key"] = None
        if step is Step.QUEUE and new_status is not None:
            values.update(current_unit_code=unit.code, current_unit_name=unit.name)
        if isinstance(event, TaskEscalated | TaskSentBack | TaskReorganised) and new_status is not None:
            values.update(current_unit_code=event.to_unit.code, current_unit_name=event.to_unit.name)
        if step in (Step.RETURN, Step.REJECT):
            values["last_reason"] = comment
        if isinstance(event, AwardGranted):
            values["decision"] = {**event.decision.model_dump(mode="json"), "kind": "decision"}
            values["current_unit_code"] = None
            values["current_unit_name"] = None
        if isinstance(event, AwardProposed):
            values["decision"] = {**event.proposal.model_dump(mode="json"), "kind": "proposal", "decided_by": event.decided_by}
            values["current_unit_code"] = None
            values["current_unit_name"] = None
        await conn.execute(store.nominations.update().where(store.nominations.c.id == nomination_id).values(**values))
        await _record(conn, row, step, event, unit=unit, comment=comment)


async def on_decision_revoked(ctx: ServiceContext, event: DecisionRevoked) -> None:
    """Each nomination the revoked decision granted: status "Đã thu hồi quyết định", a timeline line with the reason,
    and the decision it keeps carries the revocation."""
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        for entry in event.entries:
            row = await _load_or_none(conn, entry.nomination_id, for_update=True)
            if row is None:
                continue  # not ours
            values: dict[str, Any] = {"updated_at": event.occurred_at}
            new_status = next_status(Status(row["status"]), Step.REVOKE)
            if new_status is not None:
                values["status"] = new_status
            if row["decision"] and row["decision"].get("decision_id") == event.decision_id:
                values["decision"] = {
                    **row["decision"],
                    "revoked": {
                        "reason": event.reason,
                        "at": event.occurred_at.isoformat(),
                        "by": event.actor.full_name or event.actor.username,
                        "prize_to_recover_vnd": entry.prize_amount_vnd,
                    },
                }
            await conn.execute(store.nominations.update().where(store.nominations.c.id == entry.nomination_id).values(**values))
            comment = f"Quyết định số {event.number_text}. Lý do: {event.reason}"
            if entry.prize_amount_vnd:
                comment += f". Phải thu hồi tiền thưởng {entry.prize_amount_vnd:,} đồng".replace(",", ".")
            await _record(conn, row, Step.REVOKE, event, unit=event.issuer, comment=comment)


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
    async with ctx.engine.begin() as conn:
        if not await first_delivery(conn, store.inbox, CONSUMER, event, ctx.clock.now()):
            return
        for nom in sorted(event.nominations, key=lambda n: n.id):  # lock order
            row = await _load_or_none(conn, nom.id, for_update=True)
            if row is None:
                continue
            values: dict[str, Any] = {"updated_at": event.occurred_at}
            new_status = next_status(Status(row["status"]), Step.APPROVE)
            if new_status is not None:
                values["status"] = new_status
                if new_status not in ACTIVE:
                    values["active_key"] = None
            await conn.execute(store.nominations.update().where(store.nominations.c.id == nom.id).values(**values))
            await _record(conn, row, Step.APPROVE, event, unit=event.issuer, comment=event.comment or None)


# A decision is dated with the approval it follows, and awards' event may reach registration before review's (two
# streams): at the same instant, the outcome goes after the approval whatever order they were recorded in, and a
# revocation after the decision it revokes.
_OUTCOME_LAST = sa.case(
    (store.timeline.c.step.in_([Step.GRANT, Step.PROPOSE]), 1),
    (store.timeline.c.step == Step.REVOKE, 2),
    else_=0,
)


def _date_vn(at: datetime | None) -> str:
    return f"{at.astimezone(VIETNAM_TZ):%d/%m/%Y}" if at else "—"


# Rows and views


async def _load_or_none(conn: AsyncConnection, nomination_id: str, *, for_update: bool = False) -> Any:
    """The nomination row; `for_update` locks it so that concurrent consumers cannot lose an update (PostgreSQL)."""
    query = sa.select(store.nominations).where(store.nominations.c.id == nomination_id)
    if for_update:
        query = query.with_for_update()
    return (await conn.execute(query)).mappings().first()


async def _load(conn: AsyncConnection, nomination_id: str, *, for_update: bool = False) -> Any:
    row = await _load_or_none(conn, nomination_id, for_update=for_update)
    if row is None:
        raise NotFound("Không tìm thấy hồ sơ", code="nomination_not_found")
    return row


async def _record(
    conn: AsyncConnection, row: Any, step: Step, event: Event, *, unit: UnitRef | None, comment: str | None = None
) -> None:
    await _add_timeline(
        conn, row["id"], step, event.actor, event.occurred_at, unit=unit, comment=comment, event_id=str(event.event_id)
    )


async def _add_timeline(
    conn: AsyncConnection,
    nomination_id: str,
    step: Step,
    actor: Actor,
    at: Any,
    *,
    unit: UnitRef | None,
    comment: str | None,
    event_id: str | None = None,
) -> None:
    await conn.execute(
        store.timeline.insert().values(
            nomination_id=nomination_id,
            at=at,
            step=step.value,
            actor_id=actor.user_id,
            actor_name=actor.full_name or actor.username,
            unit_code=unit.code if unit else None,
            unit_name=unit.name if unit else None,
            comment=comment,
            event_id=event_id,
        )
    )


async def _with_sector(conn: AsyncConnection, snapshot: NominationSnapshot) -> NominationSnapshot:
    """The snapshot with the submitting unit's sector, which awards' reports count by."""
    sector = await conn.scalar(sa.select(store.units.c.sector).where(store.units.c.code == snapshot.unit.code))
    return snapshot.model_copy(update={"unit_sector": sector})


def _snapshot(row: Any, attachments: list[AttachmentRef], campaign: CampaignRef | None = None) -> NominationSnapshot:
    return NominationSnapshot(
        id=row["id"],
        unit_path=[UnitRef.model_validate(u) for u in row["unit_path"]],
        award_code=row["award_code"],
        award_name=row["award_name"],
        awarding_level=row["awarding_level"],
        catalog_version=row["catalog_version"],
        period=row["period"],
        nominee=Nominee.model_validate(row["nominee"]),
        achievements=row["achievements"],
        council_vote=CouncilVote.model_validate(row["council_vote"]) if row["council_vote"] else None,
        round=row["round"],
        eligibility=_eligibility_of(row),
        campaign=campaign,
        topic=row["topic"],
        attachments=attachments,
    )


def _view(row: Any) -> dict[str, Any]:
    path = row["unit_path"]
    return {
        "id": row["id"],
        "status": row["status"],
        "status_label": STATUS_LABELS_VI[Status(row["status"])],
        "unit_code": row["unit_code"],
        "unit_name": path[0]["name"],
        "unit_path": path,
        "award_code": row["award_code"],
        "award_name": row["award_name"],
        "awarding_level": row["awarding_level"],
        "catalog_version": row["catalog_version"],
        "period": row["period"],
        "nominee": _nominee_view(row),
        "eligibility": [c.model_dump() for c in _eligibility_of(row)],
        "achievements": row["achievements"],
        "council_vote": row["council_vote"],
        "round": row["round"],
        "current_unit_code": row["current_unit_code"],
        "current_unit_name": row["current_unit_name"],
        "last_reason": row["last_reason"],
        "decision": row["decision"],
        "campaign_code": row["campaign_code"],
        "topic": row["topic"],
        "submitted_by": row["submitted_by"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
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
    kept: list[Any],
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
    att.check_totals([a["size"] for a in kept] + [i.file.size for i in incoming], rules)
    if required:
        att.require_documents(award, [a["document_type"] for a in kept] + [i.document_type for i in incoming], rules, names)


def _files_changed(added: int, removed: int) -> str:
    parts = ([f"thêm {added} tệp"] if added else []) + ([f"bỏ {removed} tệp"] if removed else [])
    return ("Tài liệu: " + ", ".join(parts)) if parts else ""


async def _refs(conn: AsyncConnection, nomination_id: str) -> list[AttachmentRef]:
    return [files_.ref(a) for a in await files_.current(conn, nomination_id)]


def _attachment_view(a: Any) -> dict[str, Any]:
    return {
        **files_.ref(a).model_dump(mode="json"),
        "size_text": att.format_size(a["size"]),
        "round": a["round"],
        "uploaded_by": a["uploaded_by"],
    }


def _missing_documents(row: Any, present: list[str]) -> list[dict[str, str]]:
    """The award's required documents the dossier does not carry, as the catalogue version that judged it names them."""
    try:
        catalog = catalog_version(row["catalog_version"])
    except LookupError:
        return []
    award = catalog.get(row["award_code"])
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
    async with ctx.engine.connect() as conn:
        row = await _load(conn, q.nomination_id)
        if not _can_view(actor, row):
            raise Forbidden("Hồ sơ này không thuộc đơn vị của bạn", code="not_your_unit")
        a = store.attachments
        found = (
            (await conn.execute(sa.select(a).where(a.c.id == q.attachment_id, a.c.nomination_id == q.nomination_id)))
            .mappings()
            .first()
        )
    if found is None:
        raise NotFound("Không tìm thấy tài liệu này trong hồ sơ", code="attachment_not_found")
    return {**_attachment_view(found), "bucket": found["bucket"], "object_name": found["object_name"]}


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
