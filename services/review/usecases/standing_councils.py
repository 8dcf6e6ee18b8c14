"""Standing councils of a unit: founded by a decision, with a roster of members, roles and terms; the unit's admin
keeps them, its approvers (who record meetings) and administrators read them. A meeting picks who was present."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.review.store.port import UnitOfWork
from services.review.store.records import CouncilMemberRecord, StandingCouncilRecord
from services.review.usecases import loading
from services.review.usecases.context import ReviewContext
from shared.contracts.commands import AddCouncilMember, CouncilMemberInput, EndCouncilMember, NewStandingCouncil
from shared.contracts.errors import Forbidden, NotFound, ValidationFailed
from shared.contracts.events import Actor
from shared.contracts.operations.review import (
    CouncilMemberView,
    StandingCouncilList,
    StandingCouncilsQuery,
    StandingCouncilView,
)
from shared.contracts.values import COUNCIL_KIND_NAMES_VI, COUNCIL_ROLE_NAMES_VI, VIETNAM_TZ

MAX_MEMBERS = 200  # a roster's rows, past members included (as NewStandingCouncil.members allows)


def may_manage(actor: Actor, unit_code: str) -> bool:
    return actor.is_admin or actor.has_role("unit_admin", unit_code)


def require_manager(actor: Actor, unit_code: str) -> None:
    if not may_manage(actor, unit_code):
        raise Forbidden("Chỉ quản trị viên của đơn vị được lập và sửa Hội đồng", code="not_unit_admin")


def require_reader(actor: Actor, unit_code: str) -> None:
    if not (actor.sees_everything() or may_manage(actor, unit_code) or loading.approves_code(actor, unit_code)):
        raise Forbidden("Bạn không thuộc đơn vị này", code="not_your_unit")


def _member(council_id: str, position: int, m: CouncilMemberInput) -> CouncilMemberRecord:
    return CouncilMemberRecord(
        id=str(uuid4()),
        council_id=council_id,
        position=position,
        full_name=m.full_name,
        title=m.title,
        role=m.role,
        term_from=m.term_from,
        term_to=m.term_to,
    )


def council_view(council: StandingCouncilRecord, on: date) -> StandingCouncilView:
    return StandingCouncilView(
        id=council.id,
        unit_code=council.unit_code,
        kind=council.kind,
        kind_name=COUNCIL_KIND_NAMES_VI.get(council.kind, council.kind),
        name=council.name,
        decision_number=council.decision_number,
        decision_date=council.decision_date,
        decision_signer=council.decision_signer,
        members=[
            CouncilMemberView(
                id=m.id,
                full_name=m.full_name,
                title=m.title,
                role=m.role,
                role_name=COUNCIL_ROLE_NAMES_VI.get(m.role, m.role),
                term_from=m.term_from,
                term_to=m.term_to,
                serving=m.serves_on(on),
            )
            for m in council.members
        ],
        serving=len(council.serving(on)),
    )


def _today(review: ReviewContext) -> date:
    return review.clock.now().astimezone(VIETNAM_TZ).date()


async def list_councils(review: ReviewContext, actor: Actor, query: StandingCouncilsQuery) -> StandingCouncilList:
    require_reader(actor, query.unit_code)
    on = query.on or _today(review)
    async with review.reading() as uow:
        councils = await uow.councils.standing_of(query.unit_code)
    return StandingCouncilList(
        unit_code=query.unit_code,
        on=on,
        can_manage=may_manage(actor, query.unit_code),
        councils=[council_view(c, on) for c in councils],
    )


async def create_council(review: ReviewContext, actor: Actor, cmd: NewStandingCouncil) -> StandingCouncilView:
    require_manager(actor, cmd.unit_code)
    council_id = str(uuid4())
    council = StandingCouncilRecord(
        id=council_id,
        unit_code=cmd.unit_code,
        kind=cmd.kind,
        name=cmd.name or COUNCIL_KIND_NAMES_VI[cmd.kind],
        decision_number=cmd.decision_number,
        decision_date=cmd.decision_date,
        decision_signer=cmd.decision_signer,
        created_by=actor.user_id,
        created_at=review.clock.now(),
        members=tuple(_member(council_id, i, m) for i, m in enumerate(cmd.members)),
    )
    async with review.unit_of_work() as uow:
        await uow.councils.add_standing(council)
        await uow.commit()
    return council_view(council, _today(review))


async def _managed(uow: UnitOfWork, actor: Actor, council_id: str) -> StandingCouncilRecord:
    council = await uow.councils.standing(council_id)
    if council is None:
        raise NotFound("Không có Hội đồng này", code="council_not_found")
    require_manager(actor, council.unit_code)
    return council


async def add_member(review: ReviewContext, actor: Actor, cmd: AddCouncilMember) -> StandingCouncilView:
    async with review.unit_of_work() as uow:
        council = await _managed(uow, actor, cmd.council_id)
        if len(council.members) >= MAX_MEMBERS:
            raise ValidationFailed.on(
                "full_name", f"Danh sách Hội đồng đã có {MAX_MEMBERS} người; lập Hội đồng mới", code="council_roster_full"
            )
        await uow.councils.add_member(_member(council.id, len(council.members), cmd))
        updated = await uow.councils.standing(council.id)
        await uow.commit()
    assert updated is not None
    return council_view(updated, _today(review))


async def end_member(review: ReviewContext, actor: Actor, cmd: EndCouncilMember) -> StandingCouncilView:
    async with review.unit_of_work() as uow:
        council = await _managed(uow, actor, cmd.council_id)
        member = next((m for m in council.members if m.id == cmd.member_id), None)
        if member is None:
            raise ValidationFailed.on("member_id", "Người này không có trong danh sách Hội đồng", code="council_member_unknown")
        if member.term_from is not None and cmd.term_to < member.term_from:
            raise ValidationFailed.on("term_to", "Ngày cuối tham gia ở trước ngày bắt đầu", code="council_term_invalid")
        await uow.councils.end_member(member.id, cmd.term_to)
        updated = await uow.councils.standing(council.id)
        await uow.commit()
    assert updated is not None
    return council_view(updated, _today(review))
