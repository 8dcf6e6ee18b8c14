"""Reorganising the unit tree from a date ("sắp xếp tổ chức"): check what a reorganisation file would change, or apply
it: units, dated parents and the open nominations' paths in one transaction, with one `UnitsReorganised` event."""

from __future__ import annotations

from dataclasses import replace

from services.registration.domain.nomination import OPEN, Step
from services.registration.domain.reorganisation import Plan, plan
from services.registration.store import Store
from services.registration.store.records import ReorganisationRow
from services.registration.usecases.common import record_step, writing
from services.registration.usecases.context import RegistrationContext
from shared.contracts.errors import Conflict, Forbidden, ValidationFailed
from shared.contracts.events import Actor, UnitsReorganised
from shared.contracts.operations.registration import (
    ReorganisationResult,
    ReorganisationSummary,
    Reorganise,
    UnitCreated,
    UnitMoved,
    UnitNamed,
    UnitRenamed,
    UnitsMerged,
)
from shared.contracts.values import LEVEL_RANK, VIETNAM_TZ


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Chỉ quản trị hệ thống được sắp xếp lại cây đơn vị", code="admin_only")


async def reorganise(ctx: RegistrationContext, actor: Actor, cmd: Reorganise) -> ReorganisationResult:
    require_admin(actor)
    r = cmd.reorganisation
    now = ctx.clock.now()
    async with writing(ctx) as store:
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
        summary = _summary(checked, repathed)
        if cmd.apply:
            await store.add_reorganisation(
                ReorganisationRow(
                    id=r.id,
                    title=r.title,
                    effective_on=r.effective_on,
                    applied_at=now,
                    applied_by=actor.user_id,
                    summary=summary.model_dump(mode="json"),
                )
            )
            await store.enqueue(event)
    return ReorganisationResult(applied=cmd.apply, summary=summary, event=event)


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
            await record_step(store, row.id, Step.REORGANISE, event, unit=new_superior, comment=comment)
    return repathed


def _summary(checked: Plan, repathed: list[tuple[str, str, str]]) -> ReorganisationSummary:
    r = checked.reorganisation
    per_superior: dict[str, int] = {}
    for _, _, new_superior in repathed:
        per_superior[new_superior] = per_superior.get(new_superior, 0) + 1
    return ReorganisationSummary(
        reorganisation_id=r.id,
        title=r.title,
        effective_on=r.effective_on,
        closed=[UnitNamed(code=u.code, name=u.name) for u in checked.closed],
        created=[UnitCreated(code=u.code, name=u.name, level=u.level) for u in checked.created],
        renamed=[UnitRenamed(code=n.before.code, before=n.before.name, after=n.after.name) for n in checked.renamed],
        merged=[UnitsMerged(units=[u.code for u in m.units], into=m.into.code) for m in checked.merged],
        moved=[
            UnitMoved(code=m.unit.code, name=m.unit.name, level=m.unit.level, from_=m.from_parent.code, to=m.to_parent.code)
            for m in checked.moved
        ],
        cdcs_moved=sum(1 for m in checked.moved if m.unit.level == "grassroots"),
        nominations_repathed=len(repathed),
        nominations_per_new_superior=dict(sorted(per_superior.items())),
    )
