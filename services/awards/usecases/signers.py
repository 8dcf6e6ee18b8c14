"""Người ký văn bản: a unit's roster of signing officers, kept by its unit admin (or an administrator) and read by
everyone of the unit; issuing takes each document's signature block from it."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from uuid import NAMESPACE_URL, uuid4, uuid5

from services.awards.domain.signers import (
    NO_SIGNER_WARNING_VI,
    POSITIONS,
    SigningOfficer,
    check_end_of_term,
    check_new_term,
    may_keep_roster,
    require_keeper,
    require_reader,
)
from services.awards.usecases.context import AwardsContext
from shared.contracts.errors import NotFound
from shared.contracts.events import Actor
from shared.contracts.operations.awards import AddSigner, EndSignerTerm, SignerRoster, SignersQuery, SignerView
from shared.contracts.values import VIETNAM_TZ

log = logging.getLogger("thidua.awards")
DEMO_ROSTER_FILE = Path(__file__).resolve().parents[1] / "demo_signers.toml"


def _today(ctx: AwardsContext) -> date:
    return ctx.clock.now().astimezone(VIETNAM_TZ).date()


async def list_signers(ctx: AwardsContext, actor: Actor, q: SignersQuery) -> SignerRoster:
    require_reader(actor, q.unit_code)
    async with ctx.reading() as uow:
        officers = await uow.store.signing_officers(q.unit_code)
    return roster_view(q.unit_code, officers, actor, _today(ctx))


async def add_signer(ctx: AwardsContext, actor: Actor, cmd: AddSigner) -> SignerRoster:
    require_keeper(actor, cmd.unit_code)
    name, position = check_new_term(
        full_name=cmd.full_name, position=cmd.position, valid_from=cmd.valid_from, valid_to=cmd.valid_to
    )
    officer = SigningOfficer(
        id=str(uuid4()),
        unit_code=cmd.unit_code,
        full_name=name,
        position=position,
        valid_from=cmd.valid_from,
        valid_to=cmd.valid_to,
        username=(cmd.username or "").strip() or None,
    )
    async with ctx.unit_of_work() as uow:
        await uow.store.add_signing_officer(officer)
        officers = await uow.store.signing_officers(cmd.unit_code)
        await uow.commit()
    log.info("awards.signer_added", extra={"unit_id": cmd.unit_code, "signer_id": officer.id})
    return roster_view(cmd.unit_code, officers, actor, _today(ctx))


async def end_signer_term(ctx: AwardsContext, actor: Actor, cmd: EndSignerTerm) -> SignerRoster:
    require_keeper(actor, cmd.unit_code)
    today = _today(ctx)
    async with ctx.unit_of_work() as uow:
        officer = await uow.store.signing_officer(cmd.id, for_update=True)
        if officer is None or officer.unit_code != cmd.unit_code:
            raise NotFound("Không có người ký này trong danh sách của đơn vị", code="signer_not_found")
        last_day = check_end_of_term(officer, cmd.last_day or today)
        await uow.store.end_signing_term(officer.id, last_day)
        officers = await uow.store.signing_officers(cmd.unit_code)
        await uow.commit()
    log.info("awards.signer_term_ended", extra={"unit_id": cmd.unit_code, "signer_id": cmd.id})
    return roster_view(cmd.unit_code, officers, actor, today)


def roster_view(unit_code: str, officers: Sequence[SigningOfficer], actor: Actor, today: date) -> SignerRoster:
    views = [_view(o, today) for o in officers]
    return SignerRoster(
        unit_code=unit_code,
        signers=views,
        positions=list(POSITIONS),
        can_edit=may_keep_roster(actor, unit_code),
        warning="" if any(v.in_force for v in views) else NO_SIGNER_WARNING_VI,
    )


def _view(o: SigningOfficer, today: date) -> SignerView:
    if o.in_force(today):
        label = "Đang ký"
    elif today < o.valid_from:
        label = "Chưa đến nhiệm kỳ"
    else:
        label = "Đã hết nhiệm kỳ"
    return SignerView(
        id=o.id,
        unit_code=o.unit_code,
        full_name=o.full_name,
        position=o.position,
        valid_from=o.valid_from,
        valid_to=o.valid_to,
        username=o.username,
        in_force=o.in_force(today),
        status_label=label,
    )


def load_demo_roster(path: Path = DEMO_ROSTER_FILE) -> list[SigningOfficer]:
    """The demo roster (made-up names), each term with an id derived from it so that loading twice adds nothing."""
    with path.open("rb") as f:
        rows = tomllib.load(f)["officers"]
    officers: list[SigningOfficer] = []
    for row in rows:
        name, position = check_new_term(
            full_name=row["full_name"], position=row["position"], valid_from=row["valid_from"], valid_to=row.get("valid_to")
        )
        key = f"thidua:signer:{row['unit_code']}:{position}:{name}:{row['valid_from']}"
        officers.append(
            SigningOfficer(
                id=str(uuid5(NAMESPACE_URL, key)),
                unit_code=row["unit_code"],
                full_name=name,
                position=position,
                valid_from=row["valid_from"],
                valid_to=row.get("valid_to"),
                username=row.get("username"),
            )
        )
    return officers


async def seed_roster(ctx: AwardsContext, officers: Sequence[SigningOfficer]) -> int:
    """The officers of each unit whose roster is still empty (a unit's own roster is never overwritten); how many.
    A demo term loaded before terms named accounts (the same term: the same id) gets its demo account, so that the
    demo's signing officers can sign on a var dir made by an earlier version."""
    added = 0
    async with ctx.unit_of_work() as uow:
        for unit_code in dict.fromkeys(o.unit_code for o in officers):
            kept = {o.id: o for o in await uow.store.signing_officers(unit_code)}
            if kept:
                for officer in (o for o in officers if o.unit_code == unit_code and o.username):
                    same = kept.get(officer.id)
                    if same is not None and same.username is None:
                        await uow.store.set_signing_account(officer.id, officer.username or "")
                continue
            for officer in (o for o in officers if o.unit_code == unit_code):
                await uow.store.add_signing_officer(officer)
                added += 1
        await uow.commit()
    return added
